#include "pv/elf_loader.h"

#include <elf.h>
#include <string.h>

#include "mica/abi.h"
#include "util/log.h"

static int check_header(const uint8_t *file, size_t size, char *err, size_t errlen)
{
    if (size < EI_NIDENT || memcmp(file, ELFMAG, SELFMAG) != 0)
        return errmsg(err, errlen, -1, "not an ELF file");
    if (size < sizeof(Elf64_Ehdr))
        return errmsg(err, errlen, -1, "truncated ELF header (%zu bytes)", size);
    if (file[EI_CLASS] != ELFCLASS64)
        return errmsg(err, errlen, -1, "32-bit ELF; mica guests are 64-bit (build with mica-cc)");
    if (file[EI_DATA] != ELFDATA2LSB)
        return errmsg(err, errlen, -1, "big-endian ELF; mica guests are x86-64");
    Elf64_Ehdr copy; /* the file need not be aligned */
    memcpy(&copy, file, sizeof copy);
    const Elf64_Ehdr *eh = &copy;
    if (eh->e_machine != EM_X86_64)
        return errmsg(err, errlen, -1, "ELF for machine %u, not x86-64", eh->e_machine);
    if (eh->e_type != ET_EXEC)
        return errmsg(err, errlen, -1, "ELF type %u is not a static executable (build with mica-cc)",
                       eh->e_type);
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
        eh->e_phnum > PV_ELF_MAX_SEGMENTS)
        return errmsg(err, errlen, -1, "bad program header table (%u entries of %u bytes)",
                       eh->e_phnum, eh->e_phentsize);
    if (eh->e_phoff > size || (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
        return errmsg(err, errlen, -1, "program headers lie outside the file");
    return 0;
}

static int check_segment(const Elf64_Phdr *ph, int i, size_t size, uint64_t ram, char *err,
                         size_t errlen)
{
    if (ph->p_filesz > ph->p_memsz)
        return errmsg(err, errlen, -1, "segment %d: file size exceeds memory size", i);
    if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
        return errmsg(err, errlen, -1, "segment %d: data lies outside the file", i);
    uint64_t end = ph->p_vaddr + ph->p_memsz;
    if (end < ph->p_vaddr || ph->p_vaddr >= MICA_SPECIAL_VA)
        return errmsg(err, errlen, -1, "segment %d at %#llx overlaps the hypervisor area", i,
                       (unsigned long long)ph->p_vaddr);
    if (ph->p_vaddr < MICA_IMAGE_BASE)
        return errmsg(err, errlen, -1, "segment %d at %#llx is below the image base %#llx", i,
                       (unsigned long long)ph->p_vaddr, MICA_IMAGE_BASE);
    if (end > ram)
        return errmsg(err, errlen, -1,
                       "segment %d [%#llx, %#llx) does not fit in %llu MiB of guest memory", i,
                       (unsigned long long)ph->p_vaddr, (unsigned long long)end,
                       (unsigned long long)(ram >> 20));
    return 0;
}

static int check_overlaps(const Elf64_Phdr *loads[], int n, char *err, size_t errlen)
{
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (loads[a]->p_vaddr < loads[b]->p_vaddr + loads[b]->p_memsz &&
                loads[b]->p_vaddr < loads[a]->p_vaddr + loads[a]->p_memsz)
                return errmsg(err, errlen, -1, "segments overlap at %#llx",
                               (unsigned long long)loads[b]->p_vaddr);
    return 0;
}

/* Copies the program headers out of the (possibly unaligned) file and
 * collects the loadable ones. */
static int collect_loads(const uint8_t *file, size_t size, uint64_t ram, Elf64_Phdr ph[],
                         const Elf64_Phdr *loads[], int *n, char *err, size_t errlen)
{
    Elf64_Ehdr eh;
    memcpy(&eh, file, sizeof eh);
    memcpy(ph, file + eh.e_phoff, eh.e_phnum * sizeof *ph);
    *n = 0;
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_INTERP || ph[i].p_type == PT_DYNAMIC)
            return errmsg(err, errlen, -1, "dynamically linked ELF; mica guests are static");
        if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
            continue;
        if (check_segment(&ph[i], i, size, ram, err, errlen) < 0)
            return -1;
        loads[(*n)++] = &ph[i];
    }
    if (*n == 0)
        return errmsg(err, errlen, -1, "no loadable segment");
    return check_overlaps(loads, *n, err, errlen);
}

static int check_entry(uint64_t entry, const Elf64_Phdr *loads[], int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++)
        if ((loads[i]->p_flags & PF_X) && entry >= loads[i]->p_vaddr &&
            entry - loads[i]->p_vaddr < loads[i]->p_memsz)
            return 0;
    return errmsg(err, errlen, -1, "entry point %#llx is not in an executable segment",
                   (unsigned long long)entry);
}

int pv_elf_load(const uint8_t *file, size_t size, struct guest_mem *ram, struct pv_image *img,
                char *err, size_t errlen)
{
    Elf64_Phdr ph[PV_ELF_MAX_SEGMENTS];
    const Elf64_Phdr *loads[PV_ELF_MAX_SEGMENTS];
    int n;
    if (check_header(file, size, err, errlen) < 0 ||
        collect_loads(file, size, ram->size, ph, loads, &n, err, errlen) < 0)
        return -1;
    Elf64_Ehdr eh;
    memcpy(&eh, file, sizeof eh);
    uint64_t entry = eh.e_entry;
    if (check_entry(entry, loads, n, err, errlen) < 0)
        return -1;
    img->entry = entry;
    img->start = UINT64_MAX;
    img->end = 0;
    for (int i = 0; i < n; i++) {
        const Elf64_Phdr *ph = loads[i];
        if (ram->host) {
            uint8_t *dst = guest_mem_ptr(ram, ph->p_vaddr, ph->p_memsz);
            memcpy(dst, file + ph->p_offset, ph->p_filesz);
            memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
        }
        if (ph->p_vaddr < img->start)
            img->start = ph->p_vaddr;
        if (ph->p_vaddr + ph->p_memsz > img->end)
            img->end = ph->p_vaddr + ph->p_memsz;
    }
    return 0;
}
