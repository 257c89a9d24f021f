#include <errno.h>
#include <lzma.h>

#include "boot/decompress_impl.h"

#define CHUNK (1u << 20)
/* Kernel images use small dictionaries; this bounds the decoder's memory. */
#define MEMLIMIT (256ull << 20)

static const char *lzma_reason(lzma_ret r)
{
    switch (r) {
    case LZMA_FORMAT_ERROR:  return "not in the expected format";
    case LZMA_OPTIONS_ERROR: return "unsupported options";
    case LZMA_DATA_ERROR:    return "data error";
    case LZMA_BUF_ERROR:     return "truncated stream";
    case LZMA_MEMLIMIT_ERROR: return "needs more than 256 MiB of decoder memory";
    default:                 return "decoder error";
    }
}

/* Runs an initialised liblzma decoder over the whole input. Trailing bytes
 * after the stream (Linux appends the size) are ignored. */
static int run(lzma_stream *s, const uint8_t *in, size_t len, struct outbuf *o, const char **why)
{
    s->next_in = in;
    s->avail_in = len;
    int rc;
    for (;;) {
        rc = outbuf_grow(o, CHUNK);
        if (rc)
            break;
        s->next_out = outbuf_tail(o);
        s->avail_out = outbuf_free(o);
        size_t before = s->avail_out;
        lzma_ret r = lzma_code(s, s->avail_in ? LZMA_RUN : LZMA_FINISH);
        o->len += before - s->avail_out;
        if (r == LZMA_STREAM_END) {
            rc = 0;
            break;
        }
        if (r != LZMA_OK) {
            *why = lzma_reason(r);
            rc = -EINVAL;
            break;
        }
    }
    lzma_end(s);
    return rc;
}

int decompress_xz(const uint8_t *in, size_t len, struct outbuf *o, const char **why)
{
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, MEMLIMIT, 0) != LZMA_OK)
        return -ENOMEM;
    return run(&s, in, len, o, why);
}

int decompress_lzma(const uint8_t *in, size_t len, struct outbuf *o, const char **why)
{
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_alone_decoder(&s, MEMLIMIT) != LZMA_OK)
        return -ENOMEM;
    return run(&s, in, len, o, why);
}
