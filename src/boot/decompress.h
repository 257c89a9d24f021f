/*
 * Host-side decompression of a bzImage payload (the compressed vmlinux).
 * The format is recognised by its magic, as Linux's own decompressor does;
 * the output is capped so that a decompression bomb ends in an error, not
 * in an exhausted host.
 */
#ifndef MICA_BOOT_DECOMPRESS_H
#define MICA_BOOT_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

enum kernel_compression {
    KCOMP_UNKNOWN,
    KCOMP_NONE,   /* already an ELF */
    KCOMP_GZIP,
    KCOMP_BZIP2,
    KCOMP_LZMA,   /* legacy .lzma ("lzma_alone") */
    KCOMP_XZ,
    KCOMP_LZO,    /* recognised, not supported */
    KCOMP_LZ4,    /* legacy frame, as the kernel build writes it */
    KCOMP_ZSTD,
};

enum kernel_compression kernel_compression_detect(const uint8_t *p, size_t len);
const char *kernel_compression_name(enum kernel_compression c);

/* Decompresses `in` into a new malloc'd buffer (*out, *out_len; free() it).
 * Fails with -EFBIG when the output would exceed max_out bytes, -EINVAL for
 * corrupt or unsupported data. `name` names the source in messages. */
int kernel_decompress(const uint8_t *in, size_t in_len, size_t max_out, const char *name,
                      uint8_t **out, size_t *out_len, char *err, size_t errlen);

#endif
