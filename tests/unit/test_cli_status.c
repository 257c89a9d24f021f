/* mica's exit statuses and their messages, without KVM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/linux_image.h"
#include "fv/fv_stats.h"
#include "run/exit_status.h"

#include <elf.h>

/* Runs run_exit_status with stderr on fd; returns what it wrote. */
static void status_with_stderr(int fd, int read_fd, char *got, size_t size)
{
    struct run_outcome o = {.end = RUN_END_INTERRUPTED, .kind = "guest", .name = "shell"};
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    assert_int_equal(run_exit_status(&o), MICA_STATUS_INTERRUPTED);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    /* What was written comes in pieces on a pty: read until it is quiet. */
    size_t len = 0;
    struct pollfd p = {.fd = read_fd, .events = POLLIN};
    while (len + 1 < size && poll(&p, 1, 200) == 1) {
        ssize_t n = read(read_fd, got + len, size - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    got[len] = '\0';
}

/* The Ctrl-C message starts a line of its own on a terminal (issue 13, 12)
 * and adds no blank line to a log. */
static void test_interrupted_message_line(void **state)
{
    (void)state;
    char got[512];
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    status_with_stderr(slave, master, got, sizeof got);
    if (strncmp(got, "\r\nmica: error: guest shell: interrupted", 39) != 0)
        fail_msg("on a terminal: '%s'", got);
    close(slave);
    close(master);
    int p[2];
    assert_int_equal(pipe(p), 0);
    status_with_stderr(p[1], p[0], got, sizeof got);
    if (strncmp(got, "mica: error: guest shell: interrupted", 37) != 0)
        fail_msg("on a pipe: '%s'", got);
    close(p[0]);
    close(p[1]);
}

/* An ELF with one PT_LOAD at vaddr. */
static size_t elf_at(uint8_t *buf, size_t size, uint64_t vaddr)
{
    Elf64_Ehdr eh = {.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_phoff = sizeof eh,
                     .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1, .e_entry = vaddr};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    Elf64_Phdr ph = {.p_type = PT_LOAD, .p_vaddr = vaddr, .p_paddr = 0x1000000, .p_filesz = 16,
                     .p_memsz = 16};
    memset(buf, 0, size);
    memcpy(buf, &eh, sizeof eh);
    memcpy(buf + sizeof eh, &ph, sizeof ph);
    return sizeof eh + sizeof ph + 16;
}

/* Kernels given to `mica run` without --kernel are named (13, 9); guest-kit
 * PV guests (linked at MICA_IMAGE_BASE) are not. */
static void test_linux_image_hint(void **state)
{
    (void)state;
    uint8_t img[512];
    char why[200];
    size_t n = elf_at(img, sizeof img, 0xffffffff81000000ull);
    assert_int_equal(looks_like_linux_kernel(img, n, why, sizeof why), 1);
    assert_non_null(strstr(why, "vmlinux"));
    n = elf_at(img, sizeof img, 0x200000);
    assert_int_equal(looks_like_linux_kernel(img, n, why, sizeof why), 1);
    n = elf_at(img, sizeof img, 0x100000);
    assert_int_equal(looks_like_linux_kernel(img, n, why, sizeof why), 0);
    assert_int_equal(looks_like_linux_kernel((const uint8_t *)"just text", 9, why, sizeof why), 0);
    /* Program headers beyond what was read: not a claim either way. */
    n = elf_at(img, sizeof img, 0xffffffff81000000ull);
    assert_int_equal(looks_like_linux_kernel(img, 80, why, sizeof why), 0);
}

/* A reset before any device I/O is what `mica run --kernel PV.elf` meets
 * at the guest's first instruction: reported, not a clean end (13, 8).
 * (cmd_run_linux.c turns it into status 139 with a one-line reason.) */
static void test_reset_at_once(void **state)
{
    (void)state;
    static struct fv_stats s;
    atomic_store(&s.exits, 3);
    atomic_store(&s.exits_other, 3);
    assert_true(fv_stats_no_device_io(&s));
    atomic_store(&s.exits_io, 1);
    assert_false(fv_stats_no_device_io(&s));
    atomic_store(&s.exits_io, 0);
    atomic_store(&s.exits_mmio, 1);
    assert_false(fv_stats_no_device_io(&s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interrupted_message_line),
        cmocka_unit_test(test_linux_image_hint),
        cmocka_unit_test(test_reset_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
