#include <errno.h>
#include <zstd.h>

#include "boot/decompress_impl.h"

#define CHUNK (1u << 20)

/* One zstd frame; the size Linux appends after it is ignored. */
int decompress_zstd(const uint8_t *in, size_t len, struct outbuf *o, const char **why)
{
    ZSTD_DStream *d = ZSTD_createDStream();
    if (!d)
        return -ENOMEM;
    /* Bound the window the stream may ask for (the kernel uses <= 2^27). */
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27);
    ZSTD_inBuffer ib = { in, len, 0 };
    int rc;
    for (;;) {
        rc = outbuf_grow(o, CHUNK);
        if (rc)
            break;
        ZSTD_outBuffer ob = { outbuf_tail(o), outbuf_free(o), 0 };
        size_t r = ZSTD_decompressStream(d, &ob, &ib);
        o->len += ob.pos;
        if (ZSTD_isError(r)) {
            *why = ZSTD_getErrorName(r);
            rc = -EINVAL;
            break;
        }
        if (r == 0) { /* frame complete */
            rc = 0;
            break;
        }
        if (ib.pos == ib.size && ob.pos < ob.size) {
            *why = "truncated stream";
            rc = -EINVAL;
            break;
        }
    }
    ZSTD_freeDStream(d);
    return rc;
}
