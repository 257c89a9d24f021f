/*
 * The Linux x86 boot protocol's bzImage: a real-mode setup area whose
 * "setup header" describes the kernel, followed by the protected-mode code
 * that carries the compressed vmlinux as its payload. mica never runs the
 * in-guest decompressor (its CPL0 code is emulated and slow here): it takes
 * the payload, decompresses it on the host and loads the ELF directly.
 */
#ifndef MICA_BOOT_BZIMAGE_H
#define MICA_BOOT_BZIMAGE_H

#include <asm/bootparam.h>
#include <stddef.h>
#include <stdint.h>

#define BZIMAGE_HDR_OFFSET     0x1f1u     /* struct setup_header in the file */
#define BZIMAGE_BOOT_FLAG      0xaa55u
#define BZIMAGE_HDR_MAGIC      0x53726448u /* "HdrS" */
#define BZIMAGE_MIN_VERSION    0x0206u    /* 64-bit boot needs 2.06 */
#define BZIMAGE_PAYLOAD_VERSION 0x0208u   /* payload_offset/length appear */

struct bzimage {
    struct setup_header hdr; /* as found in the file (zero past its end) */
    size_t hdr_len;          /* bytes of hdr the file defines (0x202+jump-0x1f1) */
    size_t setup_len;        /* (setup_sects + 1) * 512 */
    const uint8_t *payload;  /* compressed vmlinux, inside the image */
    size_t payload_len;
};

/* True when the buffer starts like a bzImage (boot flag and "HdrS"). */
int bzimage_looks_like(const uint8_t *img, size_t len);

/* Validates the setup header of `img` and locates the payload.
 * `name` names the file in error messages. 0 or -errno (-ENOEXEC for a
 * malformed image). */
int bzimage_parse(const uint8_t *img, size_t len, const char *name,
                  struct bzimage *out, char *err, size_t errlen);

#endif
