#include "boot/bzimage.h"

#include <errno.h>
#include <string.h>

#include "util/errmsg.h"

/* The header field offsets are fixed by the boot protocol; these two are
 * read from raw bytes before the struct is trusted. */
#define OFF_BOOT_FLAG 0x1fe
#define OFF_HDR_MAGIC 0x202
#define OFF_JUMP_LEN  0x201   /* second byte of the jump: header end - 0x202 */

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int bzimage_looks_like(const uint8_t *img, size_t len)
{
    if (len < OFF_HDR_MAGIC + 4)
        return 0;
    return (img[OFF_BOOT_FLAG] | img[OFF_BOOT_FLAG + 1] << 8) == BZIMAGE_BOOT_FLAG &&
           le32_at(img + OFF_HDR_MAGIC) == BZIMAGE_HDR_MAGIC;
}

static void copy_header(const uint8_t *img, size_t len, struct bzimage *out)
{
    /* The header ends at 0x202 + the jump's displacement byte; copy only
     * what the file says it has (and has), zero the rest. */
    size_t end = OFF_HDR_MAGIC + img[OFF_JUMP_LEN];
    size_t max = BZIMAGE_HDR_OFFSET + sizeof(struct setup_header);
    if (end > max)
        end = max;
    if (end > len)
        end = len;
    memset(&out->hdr, 0, sizeof(out->hdr));
    out->hdr_len = end - BZIMAGE_HDR_OFFSET;
    memcpy(&out->hdr, img + BZIMAGE_HDR_OFFSET, out->hdr_len);
}

static int check_version(const struct bzimage *bz, const char *name, char *err, size_t errlen)
{
    unsigned v = bz->hdr.version;
    if (v < BZIMAGE_MIN_VERSION)
        return errmsg(err, errlen, -ENOEXEC,
                      "bzImage %s: setup header protocol %u.%02u is older than 2.06 (64-bit boot needs 2.06)",
                      name, v >> 8, v & 0xff);
    if (v < BZIMAGE_PAYLOAD_VERSION)
        return errmsg(err, errlen, -ENOEXEC,
                      "bzImage %s: setup header protocol %u.%02u has no payload fields (host-side decompression needs 2.08)",
                      name, v >> 8, v & 0xff);
    size_t need = offsetof(struct setup_header, payload_length) + sizeof(bz->hdr.payload_length);
    if (bz->hdr_len < need)
        return errmsg(err, errlen, -ENOEXEC,
                      "bzImage %s: setup header ends at 0x%zx (per the jump at 0x200), before the payload fields",
                      name, BZIMAGE_HDR_OFFSET + bz->hdr_len);
    return 0;
}

static int check_flags(const struct bzimage *bz, const char *name, char *err, size_t errlen)
{
    if (!(bz->hdr.loadflags & LOADED_HIGH))
        return errmsg(err, errlen, -ENOEXEC,
                      "bzImage %s: loadflags lack LOADED_HIGH (a zImage, not a bzImage)", name);
    /* xloadflags exists from 2.12; older 64-bit kernels do not set it. */
    if (bz->hdr.version >= 0x020c && !(bz->hdr.xloadflags & XLF_KERNEL_64))
        return errmsg(err, errlen, -ENOEXEC,
                      "bzImage %s: xloadflags lack XLF_KERNEL_64 (a 32-bit kernel; mica boots 64-bit kernels only)",
                      name);
    uint32_t align = bz->hdr.kernel_alignment;
    if (bz->hdr.relocatable_kernel && (align == 0 || (align & (align - 1))))
        return errmsg(err, errlen, -ENOEXEC,
                      "bzImage %s: kernel_alignment 0x%x is not a power of two", name, align);
    return 0;
}

static int locate_payload(const uint8_t *img, size_t len, const char *name, struct bzimage *bz,
                          char *err, size_t errlen)
{
    unsigned sects = bz->hdr.setup_sects ? bz->hdr.setup_sects : 4; /* 0 means 4 */
    bz->setup_len = ((size_t)sects + 1) * 512;
    if (bz->setup_len >= len)
        return errmsg(err, errlen, -ENOEXEC,
                      "bzImage %s: setup_sects %u puts the kernel at %zu, beyond the %zu-byte file",
                      name, sects, bz->setup_len, len);
    uint64_t off = (uint64_t)bz->setup_len + bz->hdr.payload_offset;
    uint64_t plen = bz->hdr.payload_length;
    if (plen == 0 || off > len || plen > len - off)
        return errmsg(err, errlen, -ENOEXEC,
                      "bzImage %s: payload [%llu, +%llu) lies outside the %zu-byte file",
                      name, (unsigned long long)off, (unsigned long long)plen, len);
    bz->payload = img + off;
    bz->payload_len = plen;
    return 0;
}

int bzimage_parse(const uint8_t *img, size_t len, const char *name,
                  struct bzimage *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (len < 1024)
        return errmsg(err, errlen, -ENOEXEC, "bzImage %s: %zu bytes is too short for a setup header",
                      name, len);
    if (!bzimage_looks_like(img, len))
        return errmsg(err, errlen, -ENOEXEC,
                      "bzImage %s: no boot flag 0xaa55 and \"HdrS\" magic (not a bzImage)", name);
    copy_header(img, len, out);
    int rc = check_version(out, name, err, errlen);
    if (!rc)
        rc = check_flags(out, name, err, errlen);
    if (!rc)
        rc = locate_payload(img, len, name, out, err, errlen);
    return rc;
}
