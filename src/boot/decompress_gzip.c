#include <errno.h>
#include <limits.h>
#include <zlib.h>

#include "boot/decompress_impl.h"

#define CHUNK (1u << 20)

static unsigned clamp_uint(size_t n) { return n > UINT_MAX ? UINT_MAX : (unsigned)n; }

/* gzip member (Linux appends the 32-bit size after it, which we ignore by
 * stopping at the end of the first member). */
int decompress_gzip(const uint8_t *in, size_t len, struct outbuf *o, const char **why)
{
    z_stream z = { 0 };
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return -ENOMEM;
    z.next_in = (Bytef *)in;
    z.avail_in = clamp_uint(len);
    int rc;
    for (;;) {
        rc = outbuf_grow(o, CHUNK);
        if (rc)
            break;
        z.next_out = outbuf_tail(o);
        z.avail_out = clamp_uint(outbuf_free(o));
        unsigned before = z.avail_out;
        int zr = inflate(&z, Z_NO_FLUSH);
        o->len += before - z.avail_out;
        if (zr == Z_STREAM_END) {
            rc = 0;
            break;
        }
        if (zr != Z_OK && !(zr == Z_BUF_ERROR && z.avail_out == 0)) {
            *why = z.msg ? z.msg : (z.avail_in == 0 ? "truncated stream" : "inflate failed");
            rc = -EINVAL;
            break;
        }
    }
    inflateEnd(&z);
    return rc;
}
