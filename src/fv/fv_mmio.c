#include "fv/fv_mmio.h"

#include <string.h>

#include "fv/fv_machine.h"

void fv_mmio(struct fv_machine *m, uint64_t gpa, bool write, uint8_t *data, uint32_t len)
{
    if (len > 8)
        len = 8;
    struct virtio_mmio_dev *dev = fv_virtio_find(&m->virtio, gpa);
    if (!dev) {
        if (!write)
            memset(data, 0xff, len);
        return;
    }
    if (write)
        virtio_mmio_write(dev, gpa - dev->base, data, len);
    else
        virtio_mmio_read(dev, gpa - dev->base, data, len);
}
