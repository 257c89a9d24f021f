/* Host tap devices through /dev/net/tun. */
#include "vfr/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/errmsg.h"

int tap_open(const char *name, char *err, size_t errlen)
{
    struct ifreq ifr;
    if (!name[0] || strlen(name) >= sizeof ifr.ifr_name)
        return errmsg(err, errlen, -1, "tap '%s': a name must be 1 to %zu characters", name,
                      sizeof ifr.ifr_name - 1);
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errmsg(err, errlen, -1, "tap %s: cannot open /dev/net/tun: %s", name,
                      strerror(errno));
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return errmsg(err, errlen, -1, "tap %s: cannot create it: %s%s", name, strerror(e),
                      e == EPERM ? " (needs CAP_NET_ADMIN)" : "");
    }
    return fd;
}
