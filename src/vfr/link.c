/* The VIF-switch link: the hello, checked whole, and frame writes. */
#include "vfr/link.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/errmsg.h"

void vfr_hello_make(struct vfr_hello *h, const struct vfr_port_config *cfg)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, VFR_HELLO_MAGIC, sizeof h->magic);
    strncpy(h->name, cfg->name, sizeof h->name - 1);
    memcpy(h->mac, cfg->mac, 6);
    h->has_ip = cfg->has_ip;
    h->ip = cfg->ip;
}

int vfr_hello_check(const void *msg, size_t len, struct vfr_port_config *cfg,
                    char name[VFR_NAME_MAX], char *err, size_t errlen)
{
    struct vfr_hello h;
    if (len != sizeof h)
        return errmsg(err, errlen, -1, "hello: %zu bytes, not %zu", len, sizeof h);
    memcpy(&h, msg, sizeof h);
    if (memcmp(h.magic, VFR_HELLO_MAGIC, sizeof h.magic))
        return errmsg(err, errlen, -1, "hello: not a mica VIF (bad magic)");
    if (!memchr(h.name, 0, sizeof h.name))
        return errmsg(err, errlen, -1, "hello: the name is not terminated");
    if (h.has_ip > 1 || h.reserved)
        return errmsg(err, errlen, -1, "hello: bad flags");
    memcpy(name, h.name, VFR_NAME_MAX);
    *cfg = (struct vfr_port_config){.name = name, .has_ip = h.has_ip, .ip = h.ip};
    memcpy(cfg->mac, h.mac, 6);
    return 0;
}

bool vfr_link_write(int fd, bool is_socket, const void *frame, size_t len)
{
    ssize_t n = is_socket ? send(fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL)
                          : write(fd, frame, len);
    return n == (ssize_t)len;
}
