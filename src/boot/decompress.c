#include "boot/decompress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/decompress_impl.h"
#include "util/errmsg.h"

#define OUTBUF_FIRST_CHUNK (4u << 20)

int outbuf_grow(struct outbuf *o, size_t want)
{
    if (o->len >= o->max)
        return -EFBIG;
    if (outbuf_free(o) >= want && outbuf_free(o) > 0)
        return 0;
    size_t cap = o->cap ? o->cap * 2 : OUTBUF_FIRST_CHUNK;
    if (cap < o->len + want)
        cap = o->len + want;
    if (cap > o->max)
        cap = o->max;
    uint8_t *p = realloc(o->data, cap);
    if (!p)
        return -ENOMEM;
    o->data = p;
    o->cap = cap;
    return 0;
}

struct magic {
    enum kernel_compression comp;
    uint8_t len;
    uint8_t bytes[6];
};

/* Magics as the formats define them; longer than the two bytes Linux
 * checks, so random data is less often mistaken for a format. */
static const struct magic magics[] = {
    { KCOMP_NONE,  4, { 0x7f, 'E', 'L', 'F' } },
    { KCOMP_GZIP,  3, { 0x1f, 0x8b, 0x08 } },
    { KCOMP_BZIP2, 3, { 'B', 'Z', 'h' } },
    { KCOMP_XZ,    6, { 0xfd, '7', 'z', 'X', 'Z', 0x00 } },
    { KCOMP_LZMA,  3, { 0x5d, 0x00, 0x00 } },
    { KCOMP_LZO,   4, { 0x89, 'L', 'Z', 'O' } },
    { KCOMP_LZ4,   4, { 0x02, 0x21, 0x4c, 0x18 } },
    { KCOMP_ZSTD,  4, { 0x28, 0xb5, 0x2f, 0xfd } },
};

enum kernel_compression kernel_compression_detect(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (len >= magics[i].len && !memcmp(p, magics[i].bytes, magics[i].len))
            return magics[i].comp;
    return KCOMP_UNKNOWN;
}

const char *kernel_compression_name(enum kernel_compression c)
{
    switch (c) {
    case KCOMP_NONE:  return "uncompressed";
    case KCOMP_GZIP:  return "gzip";
    case KCOMP_BZIP2: return "bzip2";
    case KCOMP_LZMA:  return "lzma";
    case KCOMP_XZ:    return "xz";
    case KCOMP_LZO:   return "lzo";
    case KCOMP_LZ4:   return "lz4";
    case KCOMP_ZSTD:  return "zstd";
    default:          return "unknown";
    }
}

static int copy_uncompressed(const uint8_t *in, size_t len, struct outbuf *o, const char **why)
{
    (void)why;
    if (len > o->max)
        return -EFBIG;
    int rc = outbuf_grow(o, len);
    if (rc)
        return rc;
    memcpy(o->data, in, len);
    o->len = len;
    return 0;
}

typedef int (*decoder_fn)(const uint8_t *, size_t, struct outbuf *, const char **);

static decoder_fn decoder_for(enum kernel_compression c)
{
    switch (c) {
    case KCOMP_NONE:  return copy_uncompressed;
    case KCOMP_GZIP:  return decompress_gzip;
    case KCOMP_BZIP2: return decompress_bzip2;
    case KCOMP_LZMA:  return decompress_lzma;
    case KCOMP_XZ:    return decompress_xz;
    case KCOMP_LZ4:   return decompress_lz4_legacy;
    case KCOMP_ZSTD:  return decompress_zstd;
    default:          return NULL;
    }
}

int kernel_decompress(const uint8_t *in, size_t in_len, size_t max_out, const char *name,
                      uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    enum kernel_compression c = kernel_compression_detect(in, in_len);
    decoder_fn dec = decoder_for(c);
    if (!dec)
        return errmsg(err, errlen, -EINVAL,
                      "kernel %s: payload is %s-compressed, which mica cannot decompress "
                      "(supported: gzip, bzip2, lzma, xz, lz4, zstd)",
                      name, c == KCOMP_LZO ? "lzo" : "un-recognisably");
    struct outbuf o = { .max = max_out };
    const char *why = "corrupt data";
    int rc = dec(in, in_len, &o, &why);
    if (rc == 0 && o.len == 0)
        rc = -EINVAL, why = "no output";
    if (rc) {
        free(o.data);
        if (rc == -EFBIG)
            return errmsg(err, errlen, rc,
                          "kernel %s: %s payload decompresses to more than %zu bytes (refusing a decompression bomb)",
                          name, kernel_compression_name(c), max_out);
        if (rc == -ENOMEM)
            return errmsg(err, errlen, rc, "kernel %s: out of memory decompressing the payload", name);
        return errmsg(err, errlen, rc, "kernel %s: %s payload is corrupt: %s",
                      name, kernel_compression_name(c), why);
    }
    *out = o.data;
    *out_len = o.len;
    return 0;
}
