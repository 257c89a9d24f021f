/* Internal to src/boot/decompress*.c: one decoder per format, all writing
 * into a capped, growing output buffer. */
#ifndef MICA_BOOT_DECOMPRESS_IMPL_H
#define MICA_BOOT_DECOMPRESS_IMPL_H

#include <stddef.h>
#include <stdint.h>

struct outbuf {
    uint8_t *data;
    size_t len;  /* bytes produced */
    size_t cap;  /* bytes allocated */
    size_t max;  /* hard cap on len */
};

/* Ensures at least `want` free bytes (fewer when the cap is near, but at
 * least one). -EFBIG when len has reached max, -ENOMEM on allocation. */
int outbuf_grow(struct outbuf *o, size_t want);
static inline uint8_t *outbuf_tail(struct outbuf *o) { return o->data + o->len; }
static inline size_t outbuf_free(const struct outbuf *o) { return o->cap - o->len; }

/* Each returns 0, -EFBIG (cap reached) or -EINVAL (corrupt); `why` gets
 * the library's reason for -EINVAL. */
int decompress_gzip(const uint8_t *in, size_t len, struct outbuf *o, const char **why);
int decompress_bzip2(const uint8_t *in, size_t len, struct outbuf *o, const char **why);
int decompress_xz(const uint8_t *in, size_t len, struct outbuf *o, const char **why);
int decompress_lzma(const uint8_t *in, size_t len, struct outbuf *o, const char **why);
int decompress_lz4_legacy(const uint8_t *in, size_t len, struct outbuf *o, const char **why);
int decompress_zstd(const uint8_t *in, size_t len, struct outbuf *o, const char **why);

#endif
