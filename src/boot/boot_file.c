#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/linux_boot.h"
#include "util/errmsg.h"
#include "util/file.h"

int boot_file_map(const char *path, const char *what, const uint8_t **data, size_t *len,
                  char *err, size_t errlen)
{
    struct stat st;
    char why[128];
    int fd = open_regular_file(path, O_RDONLY, &st, why, sizeof why);
    if (fd < 0)
        return errmsg(err, errlen, fd, "%s %s: %s", what, path, why);
    int rc = 0;
    if (st.st_size == 0)
        rc = errmsg(err, errlen, -EINVAL, "%s %s: an empty file", what, path);
    if (!rc) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            rc = errmsg(err, errlen, -errno, "%s %s: mmap: %s", what, path, strerror(errno));
        else {
            *data = p;
            *len = (size_t)st.st_size;
        }
    }
    close(fd);
    return rc;
}

void boot_file_unmap(const uint8_t *data, size_t len)
{
    if (data)
        munmap((void *)data, len);
}
