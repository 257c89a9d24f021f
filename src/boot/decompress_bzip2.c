#include <bzlib.h>
#include <errno.h>
#include <limits.h>

#include "boot/decompress_impl.h"

#define CHUNK (1u << 20)

static unsigned clamp_uint(size_t n) { return n > UINT_MAX ? UINT_MAX : (unsigned)n; }

int decompress_bzip2(const uint8_t *in, size_t len, struct outbuf *o, const char **why)
{
    bz_stream s = { 0 };
    if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
        return -ENOMEM;
    s.next_in = (char *)in;
    s.avail_in = clamp_uint(len);
    int rc;
    for (;;) {
        rc = outbuf_grow(o, CHUNK);
        if (rc)
            break;
        s.next_out = (char *)outbuf_tail(o);
        s.avail_out = clamp_uint(outbuf_free(o));
        unsigned before = s.avail_out;
        int br = BZ2_bzDecompress(&s);
        o->len += before - s.avail_out;
        if (br == BZ_STREAM_END) {
            rc = 0;
            break;
        }
        if (br != BZ_OK) {
            *why = "bzip2 stream error";
            rc = -EINVAL;
            break;
        }
        if (s.avail_in == 0 && s.avail_out != 0) {
            *why = "truncated stream";
            rc = -EINVAL;
            break;
        }
    }
    BZ2_bzDecompressEnd(&s);
    return rc;
}
