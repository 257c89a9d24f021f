#include "pvio/blk/blk_request.h"

static bool segments_ok(const struct mica_blk_request *r, uint64_t *sectors)
{
    if (r->nr_segments < 1 || r->nr_segments > MICA_BLK_SEGMENTS_MAX)
        return false;
    uint64_t n = 0;
    for (unsigned i = 0; i < r->nr_segments; i++) {
        const struct mica_blk_segment *s = &r->seg[i];
        if (s->first_sect > s->last_sect || s->last_sect >= MICA_BLK_SECTORS_PER_PAGE)
            return false;
        n += (uint64_t)(s->last_sect - s->first_sect) + 1;
    }
    *sectors = n;
    return true;
}

int16_t pvio_blk_check(const struct mica_blk_request *r, const struct disk_image *disk,
                       uint64_t *sectors)
{
    *sectors = 0;
    if (r->op == MICA_BLK_FLUSH)
        return r->nr_segments == 0 ? MICA_BLK_OK : MICA_BLK_EINVAL;
    if (r->op != MICA_BLK_READ && r->op != MICA_BLK_WRITE)
        return MICA_BLK_EINVAL;
    uint64_t n;
    if (!segments_ok(r, &n))
        return MICA_BLK_EINVAL;
    if (!disk_image_holds(disk, r->sector, n))
        return MICA_BLK_EINVAL;
    if (r->op == MICA_BLK_WRITE && disk->read_only)
        return MICA_BLK_EROFS;
    *sectors = n;
    return MICA_BLK_OK;
}
