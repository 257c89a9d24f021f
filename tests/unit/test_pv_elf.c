/* The PV ELF loader against valid, malformed and hostile images. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "mica/abi.h"
#include "pv/elf_loader.h"

#define RAM (4u << 20)

struct image {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[3];
    uint8_t code[64];
};

static struct image img;
static struct guest_mem ram;
static struct pv_image out;
static char err[256];

static void setup_image(void)
{
    memset(&img, 0, sizeof img);
    memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
    img.eh.e_ident[EI_CLASS] = ELFCLASS64;
    img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
    img.eh.e_type = ET_EXEC;
    img.eh.e_machine = EM_X86_64;
    img.eh.e_entry = MICA_IMAGE_BASE;
    img.eh.e_phoff = offsetof(struct image, ph);
    img.eh.e_phentsize = sizeof(Elf64_Phdr);
    img.eh.e_phnum = 2;
    img.ph[0] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
                             .p_offset = offsetof(struct image, code), .p_vaddr = MICA_IMAGE_BASE,
                             .p_filesz = 16, .p_memsz = 16};
    img.ph[1] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W,
                             .p_offset = offsetof(struct image, code) + 16,
                             .p_vaddr = MICA_IMAGE_BASE + 0x1000, .p_filesz = 8, .p_memsz = 0x2000};
    memset(img.code, 0xab, sizeof img.code);
}

static int setup(void **state)
{
    (void)state;
    setup_image();
    ram.size = RAM;
    ram.gpa = 0;
    ram.host = calloc(1, RAM);
    return ram.host ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(ram.host);
    return 0;
}

static int load(void) { return pv_elf_load((uint8_t *)&img, sizeof img, &ram, &out, err, sizeof err); }

static void expect_error(const char *what)
{
    assert_int_equal(load(), -1);
    if (!strstr(err, what))
        fail_msg("error \"%s\" does not mention \"%s\"", err, what);
}

static void loads_valid_image(void **state)
{
    (void)state;
    ram.host[MICA_IMAGE_BASE + 0x1000 + 100] = 0x55; /* bss must be zeroed */
    assert_int_equal(load(), 0);
    assert_int_equal(out.entry, MICA_IMAGE_BASE);
    assert_int_equal(out.start, MICA_IMAGE_BASE);
    assert_int_equal(out.end, MICA_IMAGE_BASE + 0x3000);
    assert_int_equal(ram.host[MICA_IMAGE_BASE], 0xab);
    assert_int_equal(ram.host[MICA_IMAGE_BASE + 0x1000 + 100], 0);
}

static void rejects_headers(void **state)
{
    (void)state;
    assert_int_equal(pv_elf_load((uint8_t *)"hello", 5, &ram, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an ELF"));
    assert_int_equal(pv_elf_load((uint8_t *)&img, 20, &ram, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    img.eh.e_ident[EI_CLASS] = ELFCLASS32;
    expect_error("32-bit");
    setup_image();
    img.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    expect_error("big-endian");
    setup_image();
    img.eh.e_machine = EM_AARCH64;
    expect_error("not x86-64");
    setup_image();
    img.eh.e_type = ET_DYN;
    expect_error("not a static executable");
    setup_image();
    img.eh.e_phentsize = 10;
    expect_error("program header table");
    setup_image();
    img.eh.e_phnum = 0;
    expect_error("program header table");
    setup_image();
    img.eh.e_phoff = sizeof img - 8;
    expect_error("outside the file");
    setup_image();
    img.eh.e_phoff = UINT64_MAX - 8;
    expect_error("outside the file");
}

static void rejects_segments(void **state)
{
    (void)state;
    img.ph[0].p_filesz = 32;
    img.ph[0].p_memsz = 16;
    expect_error("file size exceeds");
    setup_image();
    img.ph[0].p_offset = UINT64_MAX - 4;
    expect_error("outside the file");
    setup_image();
    img.ph[1].p_vaddr = 0x1000;
    expect_error("below the image base");
    setup_image();
    img.ph[1].p_vaddr = RAM - 0x1000;
    expect_error("does not fit");
    setup_image();
    img.ph[1].p_vaddr = MICA_SPECIAL_VA;
    expect_error("hypervisor area");
    setup_image();
    img.ph[1].p_vaddr = UINT64_MAX - 0x100;
    expect_error("hypervisor area");
    setup_image();
    img.ph[1].p_vaddr = MICA_IMAGE_BASE + 8;
    expect_error("overlap");
    setup_image();
    img.ph[0].p_type = PT_INTERP;
    expect_error("dynamically linked");
    setup_image();
    img.ph[0].p_type = PT_NOTE;
    img.ph[1].p_type = PT_NOTE;
    expect_error("no loadable segment");
}

static void rejects_bad_entry(void **state)
{
    (void)state;
    img.eh.e_entry = MICA_IMAGE_BASE + 0x1000; /* in the data segment */
    expect_error("entry point");
    setup_image();
    img.eh.e_entry = 0;
    expect_error("entry point");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loads_valid_image, setup, teardown),
        cmocka_unit_test_setup_teardown(rejects_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(rejects_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(rejects_bad_entry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
