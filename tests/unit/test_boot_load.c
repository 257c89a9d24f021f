/* vmlinux ELF loading, initrd placement, MP table, zero page and the
 * 64-bit boot state: the path from a kernel file to a bootable guest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/e820.h"
#include "boot/initrd.h"
#include "boot/linux_boot.h"
#include "boot/mptable.h"
#include "boot/vmlinux.h"
#include "boot/x86_layout.h"
#include "unit/boot_fixtures.h"

#define RAM (64ull << 20)
static char err[256];

static int setup(void **state)
{
    static struct guest_mem mem;
    if (guest_mem_alloc(&mem, 0, RAM))
        return -1;
    *state = &mem;
    return 0;
}

static int teardown(void **state)
{
    guest_mem_free(*state);
    return 0;
}

static void expect_contains(const char *needle)
{
    if (!strstr(err, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err, needle);
}

static void test_vmlinux_places_segments_and_bss(void **state)
{
    struct guest_mem *mem = *state;
    size_t len;
    uint8_t *elf = fx_vmlinux(&len);
    uint8_t *bss = guest_mem_ptr(mem, 0x1004000, 1);
    *bss = 0x77; /* stale byte the loader must clear */
    struct vmlinux_load vl;
    assert_int_equal(vmlinux_load(elf, len, "v", mem, X86_HIMEM_START, &vl, err, sizeof(err)), 0);
    assert_int_equal(vl.entry, 0x1000000);
    assert_int_equal(vl.phys_low, 0x1000000);
    assert_int_equal(vl.phys_high, 0x1008000);
    assert_int_equal(*(uint8_t *)guest_mem_ptr(mem, 0x1000000, 1), 0xcc);
    assert_int_equal(*(uint8_t *)guest_mem_ptr(mem, 0x1003fff, 1), 0x11);
    assert_int_equal(*bss, 0);
    free(elf);
}

static void test_vmlinux_virtual_entry_is_translated(void **state)
{
    struct guest_mem *mem = *state;
    struct fx_seg s = { 0x1000000, 0xffffffff81000000ull, 0x2000, 0x2000, 0x90 };
    size_t len;
    uint8_t *elf = fx_elf(&s, 1, 0xffffffff81000100ull, &len);
    struct vmlinux_load vl;
    assert_int_equal(vmlinux_load(elf, len, "v", mem, X86_HIMEM_START, &vl, err, sizeof(err)), 0);
    assert_int_equal(vl.entry, 0x1000100);
    free(elf);
}

static void expect_elf_error(struct guest_mem *mem, uint8_t *elf, size_t len, const char *needle)
{
    struct vmlinux_load vl;
    err[0] = 0;
    assert_int_equal(vmlinux_load(elf, len, "v", mem, X86_HIMEM_START, &vl, err, sizeof(err)), -ENOEXEC);
    expect_contains(needle);
}

static void test_vmlinux_rejects_hostile_segments(void **state)
{
    struct guest_mem *mem = *state;
    size_t len;
    struct fx_seg outside = { RAM - 0x1000, 0, 0x1000, 0x2000, 1 };
    uint8_t *elf = fx_elf(&outside, 1, RAM - 0x1000, &len);
    expect_elf_error(mem, elf, len, "outside guest RAM");
    free(elf);

    struct fx_seg wrap = { 0xfffffffffffff000ull, 0, 0x10, 0x2000, 1 };
    elf = fx_elf(&wrap, 1, 0, &len);
    expect_elf_error(mem, elf, len, "outside guest RAM");
    free(elf);

    struct fx_seg low = { 0x8000, 0, 0x10, 0x10, 1 }; /* over the zero page */
    elf = fx_elf(&low, 1, 0x8000, &len);
    expect_elf_error(mem, elf, len, "outside guest RAM");
    free(elf);

    struct fx_seg two[2] = { { 0x1000000, 0, 0x2000, 0x2000, 1 }, { 0x1001000, 0, 0x10, 0x10, 2 } };
    elf = fx_elf(two, 2, 0x1000000, &len);
    expect_elf_error(mem, elf, len, "overlap");
    free(elf);

    struct fx_seg ok = { 0x1000000, 0, 0x100, 0x100, 1 };
    elf = fx_elf(&ok, 1, 0x2000000, &len);
    expect_elf_error(mem, elf, len, "entry point");
    free(elf);
}

static void test_vmlinux_rejects_malformed_headers(void **state)
{
    struct guest_mem *mem = *state;
    size_t len;
    uint8_t *elf = fx_vmlinux(&len);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
    Elf64_Phdr *ph = (Elf64_Phdr *)(elf + eh->e_phoff);

    expect_elf_error(mem, elf, 40, "not an ELF");
    eh->e_machine = EM_386;
    expect_elf_error(mem, elf, len, "not x86-64");
    eh->e_machine = EM_X86_64;
    eh->e_phoff = len - 8;
    expect_elf_error(mem, elf, len, "program headers lie outside");
    eh->e_phoff = sizeof(*eh);
    eh->e_phnum = 1000;
    expect_elf_error(mem, elf, len, "program headers");
    eh->e_phnum = 2;
    ph[0].p_offset = len - 16;
    expect_elf_error(mem, elf, len, "outside the");
    ph[0].p_offset = 0x1000;
    ph[0].p_filesz = ph[0].p_memsz + 1;
    expect_elf_error(mem, elf, len, "filesz > memsz");
    ph[0].p_type = PT_NOTE;
    ph[1].p_type = PT_NOTE;
    expect_elf_error(mem, elf, len, "no PT_LOAD");
    free(elf);
}

static void test_initrd_goes_high_and_aligned(void **state)
{
    (void)state;
    uint64_t gpa;
    assert_int_equal(initrd_place(10000, 0x7fffffff, RAM, 0x2000000, "i", &gpa, err, sizeof(err)), 0);
    assert_int_equal(gpa, (RAM - 10000) & ~0xfffull);
    /* initrd_addr_max is the last byte allowed */
    assert_int_equal(initrd_place(0x1000, 0x2ffffff, RAM, 0x2000000, "i", &gpa, err, sizeof(err)), 0);
    assert_int_equal(gpa, 0x2fff000);
    assert_int_equal(initrd_place(RAM, 0x7fffffff, RAM, 0x2000000, "i", &gpa, err, sizeof(err)), -E2BIG);
    expect_contains("initrd i");
    assert_int_equal(initrd_place(RAM - 0x1000000, 0x7fffffff, RAM, 0x2000000, "i", &gpa, err, sizeof(err)),
                     -E2BIG);
    assert_int_equal(initrd_place(0, 0x7fffffff, RAM, 0x2000000, "i", &gpa, err, sizeof(err)), -E2BIG);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

static void test_mptable_lists_cpus_with_valid_checksums(void **state)
{
    struct guest_mem *mem = *state;
    assert_int_equal(mptable_write(mem, 4, err, sizeof(err)), 0);
    uint8_t *f = guest_mem_ptr(mem, X86_MPTABLE_FLOAT, 16);
    assert_memory_equal(f, "_MP_", 4);
    assert_int_equal(sum(f, 16), 0);
    uint32_t physptr;
    memcpy(&physptr, f + 4, 4);
    assert_int_equal(physptr, X86_MPTABLE_START);
    uint8_t *t = guest_mem_ptr(mem, physptr, 44);
    assert_memory_equal(t, "PCMP", 4);
    uint16_t tlen;
    memcpy(&tlen, t + 4, 2);
    assert_int_equal(tlen, mptable_config_size(4));
    assert_int_equal(sum(t, tlen), 0);
    /* entries: 4 processors, the first the BSP */
    unsigned cpus = 0;
    for (uint8_t *e = t + 44; e < t + tlen;) {
        if (e[0] == 0) {
            assert_int_equal(e[1], cpus);
            assert_int_equal(e[3] & 2, cpus == 0 ? 2 : 0);
            cpus++;
            e += 20;
        } else {
            e += 8;
        }
    }
    assert_int_equal(cpus, 4);
    assert_int_equal(mptable_write(mem, 0, err, sizeof(err)), -EINVAL);
    assert_int_equal(mptable_write(mem, 255, err, sizeof(err)), -EINVAL);
    expect_contains("--cpus 255");
    assert_int_equal(mptable_write(mem, MPTABLE_MAX_CPUS, err, sizeof(err)), 0);
}

static void test_e820_splits_around_the_mmio_gap(void **state)
{
    (void)state;
    struct e820_map m;
    e820_build(&m, 4ull << 30);
    assert_int_equal(m.n, 4);
    assert_int_equal(m.e[0].addr, 0);
    assert_int_equal(m.e[0].size, X86_MPTABLE_START);
    assert_int_equal(m.e[1].type, E820_TYPE_RESERVED);
    assert_int_equal(m.e[2].addr, X86_HIMEM_START);
    assert_int_equal(m.e[2].addr + m.e[2].size, X86_MMIO_GAP_START);
    assert_int_equal(m.e[3].addr, 1ull << 32);
    assert_int_equal(m.e[3].size, 1ull << 30);
    e820_build(&m, RAM);
    assert_int_equal(m.n, 3);
    assert_int_equal(m.e[2].addr + m.e[2].size, RAM);
}

static struct linux_boot_args args_for(uint8_t *kernel, size_t len)
{
    static const uint8_t initrd[5000] = { 'I', 'N', 'I', 'T' };
    struct linux_boot_args a = { .kernel = kernel, .kernel_len = len, .kernel_name = "bz",
                                 .initrd = initrd, .initrd_len = sizeof(initrd), .initrd_name = "rd",
                                 .cmdline = "console=ttyS0 noxsave", .ncpus = 2, .ram_bytes = RAM };
    return a;
}

static void test_bzimage_boots_end_to_end(void **state)
{
    struct guest_mem *mem = *state;
    size_t elen, clen, blen;
    uint8_t *elf = fx_vmlinux(&elen);
    uint8_t *comp = fx_zstd(elf, elen, &clen);
    uint8_t *bz = fx_bzimage(comp, clen, 0x020f, 27, &blen);
    struct linux_boot_args a = args_for(bz, blen);
    struct linux_boot_info info;
    int rc = linux_boot_load(mem, &a, &info, err, sizeof(err));
    if (rc)
        fail_msg("%s", err);
    assert_int_equal(info.compression, KCOMP_ZSTD);
    assert_int_equal(info.protocol, 0x020f);
    assert_int_equal(info.entry, 0x1000000);
    assert_int_equal(info.kernel_end, 0x1000000 + 0x800000); /* init_size beyond bss */
    assert_int_equal(info.initrd_gpa, (RAM - 5000) & ~0xfffull);

    struct boot_params *bp = guest_mem_ptr(mem, info.boot_params_gpa, sizeof(*bp));
    assert_int_equal(bp->hdr.header, 0x53726448);
    assert_int_equal(bp->hdr.version, 0x020f);
    assert_int_equal(bp->hdr.type_of_loader, 0xff);
    assert_int_equal(bp->hdr.ramdisk_image, info.initrd_gpa);
    assert_int_equal(bp->hdr.ramdisk_size, 5000);
    assert_int_equal(bp->hdr.cmd_line_ptr, X86_BOOT_CMDLINE);
    assert_int_equal(bp->e820_entries, 3);
    assert_string_equal((char *)guest_mem_ptr(mem, X86_BOOT_CMDLINE, 1), "console=ttyS0 noxsave");
    assert_memory_equal(guest_mem_ptr(mem, info.initrd_gpa, 4), "INIT", 4);

    const struct x86_boot_state *st = &info.state;
    assert_int_equal(st->regs.rip, 0x1000000);
    assert_int_equal(st->regs.rsi, X86_BOOT_ZERO_PAGE);
    assert_int_equal(st->regs.rflags & (1 << 9), 0); /* interrupts off */
    assert_int_equal(st->cs.selector, 0x10);
    assert_int_equal(st->cs.l, 1);
    assert_int_equal(st->ds.selector, 0x18);
    assert_int_equal(st->efer & (X86_EFER_LME | X86_EFER_LMA), X86_EFER_LME | X86_EFER_LMA);
    assert_true(st->cr0 & X86_CR0_PG);
    assert_true(st->cr4 & X86_CR4_PAE);
    uint64_t *pml4 = guest_mem_ptr(mem, st->cr3, 8);
    uint64_t *pdpt = guest_mem_ptr(mem, pml4[0] & ~0xfffull, 32);
    uint64_t *pd3 = guest_mem_ptr(mem, pdpt[3] & ~0xfffull, 4096);
    assert_int_equal(pd3[511], (3ull << 30) + 511 * (2ull << 20) + 0x83);
    uint64_t *gdt = guest_mem_ptr(mem, st->gdt.base, 40);
    assert_int_equal((gdt[2] >> 40) & 0xff, 0x9b); /* __BOOT_CS: code */
    assert_int_equal((gdt[3] >> 40) & 0xff, 0x93); /* __BOOT_DS: data */
    free(bz);
    free(comp);
    free(elf);
}

static void test_plain_vmlinux_boots_with_gib_pages(void **state)
{
    struct guest_mem *mem = *state;
    size_t elen;
    uint8_t *elf = fx_vmlinux(&elen);
    struct linux_boot_args a = args_for(elf, elen);
    a.gib_pages = true;
    a.initrd = NULL;
    struct linux_boot_info info;
    assert_int_equal(linux_boot_load(mem, &a, &info, err, sizeof(err)), 0);
    assert_int_equal(info.compression, KCOMP_NONE);
    assert_int_equal(info.initrd_len, 0);
    struct boot_params *bp = guest_mem_ptr(mem, info.boot_params_gpa, sizeof(*bp));
    assert_int_equal(bp->hdr.boot_flag, 0xaa55);
    assert_int_equal(bp->hdr.ramdisk_image, 0);
    uint64_t *pdpt = guest_mem_ptr(mem, X86_BOOT_PDPT, 32);
    assert_int_equal(pdpt[2], (2ull << 30) | 0x83);
    free(elf);
}

static void test_bad_inputs_give_one_clear_line(void **state)
{
    struct guest_mem *mem = *state;
    struct linux_boot_info info;
    uint8_t junk[4096] = { 'M', 'Z' };
    struct linux_boot_args a = args_for(junk, sizeof(junk));
    assert_int_equal(linux_boot_load(mem, &a, &info, err, sizeof(err)), -ENOEXEC);
    expect_contains("neither a bzImage nor an ELF");

    size_t elen;
    uint8_t *elf = fx_vmlinux(&elen);
    a = args_for(elf, elen);
    a.ncpus = 0;
    assert_int_equal(linux_boot_load(mem, &a, &info, err, sizeof(err)), -EINVAL);
    expect_contains("--cpus");

    a = args_for(elf, elen);
    char longcmd[3000];
    memset(longcmd, 'x', sizeof(longcmd) - 1);
    longcmd[sizeof(longcmd) - 1] = 0;
    a.cmdline = longcmd;
    assert_int_equal(linux_boot_load(mem, &a, &info, err, sizeof(err)), -E2BIG);
    expect_contains("command line");

    a = args_for(elf, elen);
    a.initrd_len = RAM; /* pretend: too big to fit */
    uint8_t *big = calloc(1, 16);
    a.initrd = big;
    assert_int_equal(linux_boot_load(mem, &a, &info, err, sizeof(err)), -E2BIG);
    expect_contains("initrd rd");
    free(big);
    free(elf);

    /* a bzImage whose payload is garbage */
    uint8_t payload[256];
    memset(payload, 0x5a, sizeof(payload));
    payload[0] = 0x1f, payload[1] = 0x8b, payload[2] = 0x08;
    size_t blen;
    uint8_t *bz = fx_bzimage(payload, sizeof(payload), 0x020f, 27, &blen);
    a = args_for(bz, blen);
    assert_int_equal(linux_boot_load(mem, &a, &info, err, sizeof(err)), -EINVAL);
    expect_contains("gzip payload is corrupt");
    free(bz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vmlinux_places_segments_and_bss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmlinux_virtual_entry_is_translated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmlinux_rejects_hostile_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmlinux_rejects_malformed_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initrd_goes_high_and_aligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mptable_lists_cpus_with_valid_checksums, setup, teardown),
        cmocka_unit_test_setup_teardown(test_e820_splits_around_the_mmio_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bzimage_boots_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_vmlinux_boots_with_gib_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_inputs_give_one_clear_line, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
