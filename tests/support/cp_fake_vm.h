/*
 * A stand-in for `mica run` in control-program tests, until real VMs can run
 * everywhere: it takes the same arguments (run GUEST --name N --mem M
 * --control SOCK -- ARGS), serves the real control channel (src/ctl/vm_control.c)
 * with fake ops, and behaves as its guest ARGS say:
 *   exit=N   print a line and exit with status N after 100 ms
 *   crash    print a crash report on stderr and exit 139
 *   flood=M  print M MiB at once, then "flood done", then run until shutdown
 *   fdhog    use up every file descriptor it may open, then run until shutdown
 *   (other)  run until shutdown, echoing console input as "echo: ..."
 * save and snapshot write "fake snapshot of NAME" into the file passed (a
 * save then ends the VM); with --restore FILE it says whether FILE starts
 * with a snapshot's magic ("restored from a snapshot").
 * Header-only (static functions) because every .c file in tests/support is linked into
 * every test binary, including ones without the mica library.
 */
#ifndef MICA_TESTS_CP_FAKE_VM_H
#define MICA_TESTS_CP_FAKE_VM_H

#include "ctl/vm_control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fake_vm {
    struct vm_control *control;
    const char *name;
    bool paused, stopping;
    uint64_t exits, hypercalls, mem_bytes;
    uint64_t target_pages; /* its balloon, which follows at once (0: the maximum) */
};

#define FAKE_VM_FLOOR_PAGES 512u /* 2 MiB */

static int fake_pause(void *ctx)
{
    struct fake_vm *vm = ctx;
    vm->paused = true;
    return 0;
}

static int fake_resume(void *ctx)
{
    struct fake_vm *vm = ctx;
    vm->paused = false;
    return 0;
}

static int fake_shutdown(void *ctx)
{
    struct fake_vm *vm = ctx;
    vm->stopping = true;
    return 0;
}

static int fake_save(void *ctx, int fd, bool keep_running, char *err, size_t errlen)
{
    struct fake_vm *vm = ctx;
    char text[128];
    int n = snprintf(text, sizeof text, "fake snapshot of %s\n", vm->name);
    if (write(fd, text, (size_t)n) != n) {
        snprintf(err, errlen, "fake save: %s", strerror(errno));
        return -1;
    }
    vm->stopping = !keep_running;
    return 0;
}

static int fake_stats(void *ctx, struct vm_control_stats *out)
{
    struct fake_vm *vm = ctx;
    out->exits = ++vm->exits;
    out->hypercalls = vm->hypercalls;
    out->mem_bytes = vm->mem_bytes;
    out->mem_target_bytes = vm->target_pages ? vm->target_pages * 4096 : vm->mem_bytes;
    out->mem_current_bytes = out->mem_target_bytes;
    out->mem_floor_bytes = FAKE_VM_FLOOR_PAGES * 4096;
    out->vcpus = 1;
    out->paused = vm->paused;
    out->blocked = !vm->paused;
    return 0;
}

static int fake_mem_set(void *ctx, uint64_t pages, char *why, size_t whylen)
{
    struct fake_vm *vm = ctx;
    if (pages < FAKE_VM_FLOOR_PAGES || pages > vm->mem_bytes / 4096) {
        snprintf(why, whylen, "fake: target %llu KiB is outside [%u KiB (its floor), %llu KiB]",
                 (unsigned long long)pages * 4, FAKE_VM_FLOOR_PAGES * 4,
                 (unsigned long long)(vm->mem_bytes >> 10));
        return -ERANGE;
    }
    vm->target_pages = pages;
    return 0;
}

static void fake_console_input(void *ctx, const void *buf, size_t len)
{
    struct fake_vm *vm = ctx;
    char line[600];
    int n = snprintf(line, sizeof line, "echo: %.*s", (int)(len < 512 ? len : 512), (const char *)buf);
    vm->hypercalls++;
    vm_control_console_output(vm->control, line, (size_t)n);
}

static void fake_vm_say(struct fake_vm *vm, const char *text)
{
    fputs(text, stdout);
    fflush(stdout);
    vm_control_console_output(vm->control, text, strlen(text));
}

/* A guest flooding its console: the log must stay capped however much. */
static void fake_vm_flood(unsigned mib)
{
    static char block[64 * 1024];
    memset(block, 'x', sizeof block);
    block[sizeof block - 1] = '\n';
    for (unsigned i = 0; i < mib * 16; i++)
        if (fwrite(block, 1, sizeof block, stdout) != sizeof block)
            break;
    fputs("flood done\n", stdout);
    fflush(stdout);
}

/* Leaves the process no descriptor to accept a connection with. */
static void fake_vm_hog_descriptors(void)
{
    struct rlimit few = {64, 64};
    setrlimit(RLIMIT_NOFILE, &few); /* so that taking them all is quick */
    while (open("/dev/null", O_RDONLY) >= 0 || errno == EINTR)
        ;
}

/* Runs the fake VM; returns its exit status. */
static __attribute__((unused)) int fake_vm_main(int argc, char **argv)
{
    static const struct vm_control_ops ops = {fake_pause, fake_resume, fake_shutdown, fake_stats,
                                              fake_console_input, NULL,
                                              fake_mem_set, fake_save};
    const char *name = "?", *control = NULL, *mode = "", *restore = NULL;
    struct fake_vm vm = {0};
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc)
            control = argv[++i];
        else if (strcmp(argv[i], "--mem") == 0 && i + 1 < argc)
            vm.mem_bytes = strtoull(argv[++i], NULL, 10) << 20;
        else if (strcmp(argv[i], "--restore") == 0 && i + 1 < argc)
            restore = argv[++i];
        else if (strcmp(argv[i], "--") == 0 && i + 1 < argc)
            mode = argv[i + 1];
    }
    vm.name = name;
    char err[256];
    vm.control = control ? vm_control_open(control, &ops, &vm, err, sizeof err) : NULL;
    if (!vm.control) {
        fprintf(stderr, "fake vm: %s\n", control ? err : "--control is required");
        return 125;
    }
    char banner[128];
    snprintf(banner, sizeof banner, "fake VM %s booted\n", name);
    fake_vm_say(&vm, banner);
    if (restore) {
        char magic[8] = {0};
        int fd = open(restore, O_RDONLY | O_CLOEXEC);
        bool snap = fd >= 0 && read(fd, magic, sizeof magic) == 8 && !memcmp(magic, "MICASNAP", 8);
        fake_vm_say(&vm, snap ? "restored from a snapshot\n" : "restored from something else\n");
        if (fd >= 0)
            close(fd);
    }
    int status = 0;
    bool acted = false;
    for (int tick = 0; !vm.stopping; tick++) {
        struct pollfd p = {.fd = vm_control_fd(vm.control), .events = POLLIN};
        if (poll(&p, 1, 10) > 0)
            vm_control_on_readable(vm.control);
        if (strncmp(mode, "exit=", 5) == 0 && tick == 10) {
            fake_vm_say(&vm, "guest exiting\n");
            status = atoi(mode + 5);
            break;
        }
        /* Once the daemon saw it answer (its first stats), so the start succeeds. */
        bool just_started = vm.exits > 0 && !acted;
        acted = acted || just_started;
        if (strncmp(mode, "flood=", 6) == 0 && just_started)
            fake_vm_flood((unsigned)atoi(mode + 6));
        if (strcmp(mode, "fdhog") == 0 && acted)
            fake_vm_hog_descriptors(); /* again: whatever was freed is taken */
        if (strcmp(mode, "crash") == 0 && tick == 10) {
            fprintf(stderr, "mica: guest crashed: vector 14 (page fault) error 0x4 at 0xdead\n");
            status = 139;
            break;
        }
    }
    vm_control_close(vm.control);
    return status;
}

#endif
