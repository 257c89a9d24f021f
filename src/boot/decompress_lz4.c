#include <errno.h>
#include <lz4.h>
#include <stdbool.h>

#include "boot/decompress_impl.h"

/*
 * The LZ4 "legacy" frame that `lz4 -l` writes and the kernel build uses:
 * a 4-byte magic, then blocks, each a little-endian 32-bit compressed size
 * followed by that many bytes that decompress to at most 8 MiB. The stream
 * ends with the input, or with a word that cannot be a block size (the
 * kernel build appends the uncompressed size, which is such a word).
 */
#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int decode_block(const uint8_t *src, uint32_t n, struct outbuf *o, const char **why)
{
    int rc = outbuf_grow(o, LZ4_LEGACY_BLOCK);
    if (rc)
        return rc;
    size_t room = outbuf_free(o);
    /* With the cap near, a failed block may just not fit: that is the cap
     * speaking, reported as -EFBIG rather than as corruption. */
    int got = LZ4_decompress_safe((const char *)src, (char *)outbuf_tail(o), (int)n,
                                  (int)(room < LZ4_LEGACY_BLOCK ? room : LZ4_LEGACY_BLOCK));
    if (got < 0) {
        if (room < LZ4_LEGACY_BLOCK)
            return -EFBIG;
        *why = "lz4 block is corrupt";
        return -EINVAL;
    }
    o->len += (size_t)got;
    return 0;
}

int decompress_lz4_legacy(const uint8_t *in, size_t len, struct outbuf *o, const char **why)
{
    size_t pos = 4; /* after the magic */
    int blocks = 0;
    while (len - pos >= 4) {
        uint32_t n = le32(in + pos);
        if (n == LZ4_LEGACY_MAGIC) { /* concatenated stream */
            pos += 4;
            continue;
        }
        bool trailer = n > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK) || n > len - pos - 4 || n == 0;
        if (trailer && blocks > 0)
            break;
        if (trailer) {
            *why = "first lz4 block size is out of range";
            return -EINVAL;
        }
        int rc = decode_block(in + pos + 4, n, o, why);
        if (rc)
            return rc;
        pos += 4 + (size_t)n;
        blocks++;
    }
    if (!blocks) {
        *why = "no lz4 blocks";
        return -EINVAL;
    }
    return 0;
}
