#include "boot/vmlinux.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "util/errmsg.h"

int vmlinux_looks_like(const uint8_t *p, size_t len)
{
    return len >= SELFMAG && !memcmp(p, ELFMAG, SELFMAG);
}

static int check_ehdr(const Elf64_Ehdr *eh, size_t len, const char *name, char *err, size_t errlen)
{
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return errmsg(err, errlen, -ENOEXEC, "vmlinux %s: not a little-endian ELF64 file", name);
    if (eh->e_machine != EM_X86_64)
        return errmsg(err, errlen, -ENOEXEC, "vmlinux %s: ELF machine %u is not x86-64", name,
                      eh->e_machine);
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return errmsg(err, errlen, -ENOEXEC, "vmlinux %s: ELF type %u is not an executable", name,
                      eh->e_type);
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > VMLINUX_MAX_PHDRS)
        return errmsg(err, errlen, -ENOEXEC,
                      "vmlinux %s: %u program headers of %u bytes (expected 1..%d of %zu)", name,
                      eh->e_phnum, eh->e_phentsize, VMLINUX_MAX_PHDRS, sizeof(Elf64_Phdr));
    uint64_t ph_bytes = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
    if (eh->e_phoff > len || ph_bytes > len - eh->e_phoff)
        return errmsg(err, errlen, -ENOEXEC, "vmlinux %s: program headers lie outside the %zu-byte file",
                      name, len);
    return 0;
}

static int check_segment(const Elf64_Phdr *ph, unsigned i, size_t len, const char *name,
                         const struct guest_mem *mem, uint64_t min_phys, char *err, size_t errlen)
{
    if (ph->p_filesz > ph->p_memsz)
        return errmsg(err, errlen, -ENOEXEC, "vmlinux %s: segment %u has filesz > memsz", name, i);
    if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
        return errmsg(err, errlen, -ENOEXEC,
                      "vmlinux %s: segment %u's data [0x%llx, +0x%llx) lies outside the %zu-byte file",
                      name, i, (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz, len);
    if (ph->p_paddr < min_phys || !guest_mem_ptr(mem, ph->p_paddr, ph->p_memsz))
        return errmsg(err, errlen, -ENOEXEC,
                      "vmlinux %s: segment %u at physical [0x%llx, +0x%llx) is outside guest RAM "
                      "[0x%llx, 0x%llx) (try more --mem)",
                      name, i, (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz,
                      (unsigned long long)(min_phys > mem->gpa ? min_phys : mem->gpa),
                      (unsigned long long)(mem->gpa + mem->size));
    return 0;
}

static int overlaps(const Elf64_Phdr *a, const Elf64_Phdr *b)
{
    /* Both ranges are known to be inside RAM, so these sums cannot wrap. */
    return a->p_memsz && b->p_memsz &&
           a->p_paddr < b->p_paddr + b->p_memsz && b->p_paddr < a->p_paddr + a->p_memsz;
}

static int check_no_overlap(const Elf64_Phdr *ph, unsigned n, const char *name, char *err, size_t errlen)
{
    for (unsigned i = 0; i < n; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        for (unsigned j = i + 1; j < n; j++)
            if (ph[j].p_type == PT_LOAD && overlaps(&ph[i], &ph[j]))
                return errmsg(err, errlen, -ENOEXEC,
                              "vmlinux %s: segments %u and %u overlap in physical memory", name, i, j);
    }
    return 0;
}

/* vmlinux's e_entry is physical (the linker script says ENTRY(phys_startup_64));
 * accept a virtual one too, translated through the segment containing it. */
static int find_entry(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, const char *name, uint64_t *entry,
                      char *err, size_t errlen)
{
    uint64_t e = eh->e_entry;
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && e >= ph[i].p_paddr && e - ph[i].p_paddr < ph[i].p_filesz) {
            *entry = e;
            return 0;
        }
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && e >= ph[i].p_vaddr && e - ph[i].p_vaddr < ph[i].p_filesz) {
            *entry = e - ph[i].p_vaddr + ph[i].p_paddr;
            return 0;
        }
    return errmsg(err, errlen, -ENOEXEC, "vmlinux %s: entry point 0x%llx is in no loaded segment",
                  name, (unsigned long long)e);
}

static void copy_segments(const uint8_t *elf, const Elf64_Phdr *ph, unsigned n,
                          const struct guest_mem *mem, struct vmlinux_load *out)
{
    out->phys_low = UINT64_MAX;
    out->phys_high = 0;
    for (unsigned i = 0; i < n; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        uint8_t *dst = guest_mem_ptr(mem, ph[i].p_paddr, ph[i].p_memsz);
        memcpy(dst, elf + ph[i].p_offset, ph[i].p_filesz);
        memset(dst + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
        if (ph[i].p_paddr < out->phys_low)
            out->phys_low = ph[i].p_paddr;
        if (ph[i].p_paddr + ph[i].p_memsz > out->phys_high)
            out->phys_high = ph[i].p_paddr + ph[i].p_memsz;
    }
}

int vmlinux_load(const uint8_t *elf, size_t len, const char *name,
                 const struct guest_mem *mem, uint64_t min_phys,
                 struct vmlinux_load *out, char *err, size_t errlen)
{
    if (len < sizeof(Elf64_Ehdr) || !vmlinux_looks_like(elf, len))
        return errmsg(err, errlen, -ENOEXEC, "vmlinux %s: not an ELF file", name);
    Elf64_Ehdr eh;
    memcpy(&eh, elf, sizeof(eh)); /* the buffer may be unaligned */
    int rc = check_ehdr(&eh, len, name, err, errlen);
    if (rc)
        return rc;
    Elf64_Phdr ph[VMLINUX_MAX_PHDRS];
    memcpy(ph, elf + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));
    unsigned loads = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        loads++;
        rc = check_segment(&ph[i], i, len, name, mem, min_phys, err, errlen);
        if (rc)
            return rc;
    }
    if (!loads)
        return errmsg(err, errlen, -ENOEXEC, "vmlinux %s: no PT_LOAD segments", name);
    rc = check_no_overlap(ph, eh.e_phnum, name, err, errlen);
    if (!rc)
        rc = find_entry(&eh, ph, name, &out->entry, err, errlen);
    if (rc)
        return rc;
    copy_segments(elf, ph, eh.e_phnum, mem, out);
    return 0;
}
