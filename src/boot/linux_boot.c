#include "boot/linux_boot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot_params.h"
#include "boot/bzimage.h"
#include "boot/e820.h"
#include "boot/initrd.h"
#include "boot/mptable.h"
#include "boot/vmlinux.h"
#include "boot/x86_layout.h"
#include "util/errmsg.h"

/* A kernel larger than this is not a kernel: it bounds decompression. */
#define LINUX_MAX_VMLINUX (1ull << 30)

struct kernel_image {
    struct bzimage bz;
    bool is_bzimage;
    const uint8_t *elf; /* the vmlinux: the file itself, or decompressed */
    size_t elf_len;
    uint8_t *owned;     /* decompressed buffer to free */
};

int linux_boot_check_kernel(const uint8_t *kernel, size_t len, const char *name, char *err,
                            size_t errlen)
{
    if (vmlinux_looks_like(kernel, len))
        return 0;
    if (!bzimage_looks_like(kernel, len))
        return errmsg(err, errlen, -ENOEXEC, "kernel %s: neither a bzImage nor an ELF vmlinux",
                      name);
    struct bzimage bz;
    return bzimage_parse(kernel, len, name, &bz, err, errlen);
}

static int open_kernel(const struct linux_boot_args *a, struct kernel_image *k,
                       struct linux_boot_info *out, char *err, size_t errlen)
{
    memset(k, 0, sizeof(*k));
    if (vmlinux_looks_like(a->kernel, a->kernel_len)) {
        k->elf = a->kernel;
        k->elf_len = a->kernel_len;
        out->compression = KCOMP_NONE;
        return 0;
    }
    if (!bzimage_looks_like(a->kernel, a->kernel_len))
        return errmsg(err, errlen, -ENOEXEC, "kernel %s: neither a bzImage nor an ELF vmlinux",
                      a->kernel_name);
    int rc = bzimage_parse(a->kernel, a->kernel_len, a->kernel_name, &k->bz, err, errlen);
    if (rc)
        return rc;
    k->is_bzimage = true;
    out->protocol = k->bz.hdr.version;
    out->compression = kernel_compression_detect(k->bz.payload, k->bz.payload_len);
    uint64_t cap = e820_low_ram_end(a->ram_bytes);
    if (cap > LINUX_MAX_VMLINUX)
        cap = LINUX_MAX_VMLINUX;
    size_t len;
    rc = kernel_decompress(k->bz.payload, k->bz.payload_len, cap, a->kernel_name, &k->owned, &len,
                           err, errlen);
    if (rc)
        return rc;
    k->elf = k->owned;
    k->elf_len = len;
    return 0;
}

static int load_kernel(const struct guest_mem *mem, const struct linux_boot_args *a,
                       const struct kernel_image *k, struct linux_boot_info *out,
                       char *err, size_t errlen)
{
    struct vmlinux_load vl;
    int rc = vmlinux_load(k->elf, k->elf_len, a->kernel_name, mem, X86_HIMEM_START, &vl, err, errlen);
    if (rc)
        return rc;
    out->entry = vl.entry;
    out->kernel_start = vl.phys_low;
    out->kernel_end = vl.phys_high;
    /* init_size is what the kernel needs from its start, beyond the image. */
    if (k->is_bzimage && vl.phys_low + k->bz.hdr.init_size > out->kernel_end)
        out->kernel_end = vl.phys_low + k->bz.hdr.init_size;
    if (out->kernel_end > e820_low_ram_end(a->ram_bytes))
        return errmsg(err, errlen, -E2BIG,
                      "kernel %s: needs memory up to 0x%llx, beyond RAM below the 3 GiB hole (try more --mem)",
                      a->kernel_name, (unsigned long long)out->kernel_end);
    return 0;
}

static int load_cmdline(const struct guest_mem *mem, const struct linux_boot_args *a,
                        const struct kernel_image *k, struct linux_boot_info *out,
                        char *err, size_t errlen)
{
    const char *cmd = a->cmdline ? a->cmdline : "";
    size_t len = strlen(cmd);
    size_t max = k->is_bzimage ? k->bz.hdr.cmdline_size : LINUX_ELF_CMDLINE_SIZE;
    if (max > X86_BOOT_CMDLINE_MAX - 1)
        max = X86_BOOT_CMDLINE_MAX - 1;
    if (len > max)
        return errmsg(err, errlen, -E2BIG, "kernel %s: command line of %zu bytes exceeds its limit of %zu",
                      a->kernel_name, len, max);
    char *dst = guest_mem_ptr(mem, X86_BOOT_CMDLINE, len + 1);
    if (!dst)
        return errmsg(err, errlen, -EINVAL, "boot: guest RAM does not cover the command line at 0x%llx",
                      X86_BOOT_CMDLINE);
    memcpy(dst, cmd, len + 1);
    out->cmdline_gpa = X86_BOOT_CMDLINE;
    return 0;
}

static int load_initrd(const struct guest_mem *mem, const struct linux_boot_args *a,
                       const struct kernel_image *k, struct linux_boot_info *out,
                       char *err, size_t errlen)
{
    out->initrd_gpa = out->initrd_len = 0;
    if (!a->initrd)
        return 0;
    uint64_t addr_max = LINUX_ELF_INITRD_ADDR_MAX;
    if (k->is_bzimage && k->bz.hdr.initrd_addr_max)
        addr_max = k->bz.hdr.initrd_addr_max;
    int rc = initrd_place(a->initrd_len, addr_max, e820_low_ram_end(a->ram_bytes), out->kernel_end,
                          a->initrd_name, &out->initrd_gpa, err, errlen);
    if (rc)
        return rc;
    void *dst = guest_mem_ptr(mem, out->initrd_gpa, a->initrd_len);
    if (!dst)
        return errmsg(err, errlen, -E2BIG, "initrd %s: does not fit in guest RAM", a->initrd_name);
    memcpy(dst, a->initrd, a->initrd_len);
    out->initrd_len = a->initrd_len;
    return 0;
}

static int write_zero_page(const struct guest_mem *mem, const struct linux_boot_args *a,
                           const struct kernel_image *k, struct linux_boot_info *out,
                           char *err, size_t errlen)
{
    struct e820_map e820;
    e820_build(&e820, a->ram_bytes);
    struct boot_params_input in = {
        .hdr = k->is_bzimage ? &k->bz.hdr : NULL, .hdr_len = k->bz.hdr_len,
        .cmdline_gpa = out->cmdline_gpa, .initrd_gpa = out->initrd_gpa,
        .initrd_len = out->initrd_len, .e820 = &e820,
    };
    struct boot_params *bp = guest_mem_ptr(mem, X86_BOOT_ZERO_PAGE, sizeof(*bp));
    if (!bp)
        return errmsg(err, errlen, -EINVAL, "boot: guest RAM does not cover the zero page at 0x%llx",
                      X86_BOOT_ZERO_PAGE);
    boot_params_build(bp, &in);
    out->boot_params_gpa = X86_BOOT_ZERO_PAGE;
    return 0;
}

int linux_boot_load(const struct guest_mem *mem, const struct linux_boot_args *a,
                    struct linux_boot_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (a->ram_bytes < 2 * X86_HIMEM_START)
        return errmsg(err, errlen, -EINVAL, "--mem: %llu bytes is too little to boot Linux",
                      (unsigned long long)a->ram_bytes);
    struct kernel_image k;
    int rc = open_kernel(a, &k, out, err, errlen);
    if (!rc)
        rc = mptable_write(mem, a->ncpus, err, errlen);
    if (!rc)
        rc = load_kernel(mem, a, &k, out, err, errlen);
    if (!rc)
        rc = load_cmdline(mem, a, &k, out, err, errlen);
    if (!rc)
        rc = load_initrd(mem, a, &k, out, err, errlen);
    if (!rc)
        rc = write_zero_page(mem, a, &k, out, err, errlen);
    if (!rc)
        rc = x86_boot_state_build(mem, out->entry, out->boot_params_gpa, a->gib_pages, &out->state,
                                  err, errlen);
    free(k.owned);
    return rc;
}
