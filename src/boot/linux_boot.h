/*
 * Loading a Linux kernel for a 64-bit direct boot: the whole path from a
 * bzImage or vmlinux (plus initrd and command line) to guest RAM holding the
 * kernel, initrd, command line, zero page, MP table, page tables and GDT,
 * and the boot CPU's initial state as data.
 */
#ifndef MICA_BOOT_LINUX_BOOT_H
#define MICA_BOOT_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/decompress.h"
#include "boot/x86_boot_state.h"
#include "vmm/guest_mem.h"

#define LINUX_ELF_CMDLINE_SIZE 2047u /* x86 COMMAND_LINE_SIZE - 1, for a headerless vmlinux */
#define LINUX_ELF_INITRD_ADDR_MAX 0x7fffffffull

struct linux_boot_args {
    const uint8_t *kernel;   /* bzImage or vmlinux ELF */
    size_t kernel_len;
    const char *kernel_name; /* for messages */
    const uint8_t *initrd;   /* NULL: none */
    size_t initrd_len;
    const char *initrd_name;
    const char *cmdline;     /* NULL: empty */
    unsigned ncpus;
    uint64_t ram_bytes;      /* guest RAM size (mem covers at least its part below 3 GiB) */
    bool gib_pages;          /* identity map with 1 GiB pages (guest has PDPE1GB) */
};

struct linux_boot_info {
    struct x86_boot_state state;          /* apply with linux_setup_vcpu() on vCPU 0 */
    enum kernel_compression compression;  /* KCOMP_NONE for a vmlinux file */
    uint16_t protocol;                    /* bzImage header version, 0 for ELF */
    uint64_t entry;
    uint64_t kernel_start, kernel_end;    /* physical, end includes bss/init_size */
    uint64_t initrd_gpa, initrd_len;
    uint64_t boot_params_gpa, cmdline_gpa;
};

/* Loads everything into `mem`. 0, or -errno with one line in err; on error
 * guest RAM may hold a partly written image but nothing has been started. */
int linux_boot_load(const struct guest_mem *mem, const struct linux_boot_args *a,
                    struct linux_boot_info *out, char *err, size_t errlen);

/* Checks, before any VM exists, that kernel[0..len) is a vmlinux ELF or a
 * bzImage this loader can boot (header only, nothing decompressed), so a bad
 * file is reported as such whatever else is missing. 0 or -errno. */
int linux_boot_check_kernel(const uint8_t *kernel, size_t len, const char *name, char *err,
                            size_t errlen);

/* Maps a file read-only for loading (boot_file_unmap() it). 0 or -errno. */
int boot_file_map(const char *path, const char *what, const uint8_t **data, size_t *len,
                  char *err, size_t errlen);
void boot_file_unmap(const uint8_t *data, size_t len);

#endif
