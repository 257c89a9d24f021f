/* `mica run --kernel`: boot a Linux kernel on a virtual PC (full
 * virtualization) with the serial console on this terminal, or with
 * --control on a control channel (how `mica daemon` runs VMs). */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/commands.h"
#include "run/exit_status.h"
#include "run/run_io.h"
#include "run/fv_control.h"
#include "run/start_hold.h"
#include "run/terminal.h"
#include "fv/fv_io.h"
#include "fv/fv_machine.h"
#include "cli/run_fv_options.h"
#include "run/confine.h"
#include "util/log.h"
#include "util/time.h"

static void print_stats(const struct fv_machine *m, unsigned boots)
{
    const struct fv_stats *s = &m->stats;
    char done[128];
    fv_stats_emulated(s, done, sizeof done);
    fprintf(stderr,
            "mica: stats: boots %u, exits %lu (io %lu, mmio %lu, kicks %lu, other %lu), "
            "virtio-blk requests %llu, completed for the host's emulator: %s\n",
            boots, atomic_load(&s->exits), atomic_load(&s->exits_io), atomic_load(&s->exits_mmio),
            atomic_load(&s->exits_intr), atomic_load(&s->exits_other),
            (unsigned long long)fv_virtio_blk_requests(&m->virtio), done);
}

/* Each end of a machine, as any VM's (run/exit_status.h). */
static const enum run_end fv_ends[] = {
    [FV_RUNNING] = RUN_END_INTERRUPTED, [FV_END_RESET] = RUN_END_CLEAN,
    [FV_END_POWEROFF] = RUN_END_CLEAN, [FV_END_CRASHED] = RUN_END_CRASHED,
    [FV_END_TIMEOUT] = RUN_END_TIMED_OUT, [FV_END_INTERRUPTED] = RUN_END_INTERRUPTED,
    [FV_END_SHUTDOWN] = RUN_END_CLEAN, /* asked for by the controller: a clean end */
};

static int status_for(const struct fv_machine *m, enum fv_end end, const struct fv_options *o)
{
    struct run_outcome r = {
        .end = (unsigned)end < sizeof fv_ends / sizeof fv_ends[0] ? fv_ends[end]
                                                                  : RUN_END_INTERRUPTED,
        .report = m->report, .kind = "kernel", .name = o->kernel, .timeout_ns = o->timeout_ns,
    };
    char at_once[PATH_MAX + 256];
    if (end == FV_END_RESET && fv_stats_no_device_io(&m->stats)) {
        /* Not a kernel asking for a reboot: it never got that far. */
        snprintf(at_once, sizeof at_once,
                 "kernel %s: the machine %s at once, before the kernel touched any device: "
                 "is it a Linux kernel (bzImage or vmlinux)? A guest-kit PV guest runs "
                 "without --kernel\n",
                 o->kernel, m->report[0] ? "triple-faulted" : "reset");
        r.end = RUN_END_CRASHED;
        r.report = at_once;
    }
    return run_exit_status(&r);
}

/* One boot; with --reboot a guest reset starts the next one on a fresh
 * machine (a PC's reset line restarts everything). */
static int boot(const struct fv_options *o, uint64_t deadline, int sig_fd, struct fv_control *fc,
                unsigned *boots, enum fv_end *end)
{
    static struct fv_machine m; /* large; one at a time */
    char err[1024];
    /* With --control the terminal is the controller's: stdin is not read.
     * Confined once the machine is built: before its threads and the guest. */
    if (fv_machine_create(&m, o, o->control && !o->control_stdin ? -1 : STDIN_FILENO, STDOUT_FILENO, err,
                          sizeof err) < 0 || confine_seal(err, sizeof err) < 0) {
        fv_machine_destroy(&m);
        terminal_restore();
        mica_error("%s", err);
        return MICA_STATUS_ERROR;
    }
    if (!o->control && isatty(STDIN_FILENO))
        fv_console_set_escape_keys(&m.console); /* keys of a person, not a pipe's bytes */
    struct fv_watch w = {.fd = -1};
    if (fc)
        fv_control_attach(fc, &m, &w);
    *end = fv_machine_run(&m, deadline, sig_fd, &w);
    if (fc)
        fv_control_detach(fc);
    ++*boots;
    int status = status_for(&m, *end, o);
    if (o->stats && !(o->reboot && *end == FV_END_RESET))
        print_stats(&m, *boots);
    fv_machine_destroy(&m);
    return status;
}

int cmd_run_linux(int argc, char **argv)
{
    struct fv_options o;
    char err[512];
    if (fv_options_parse(argc, argv, &o, err, sizeof err) < 0) {
        mica_error("run: %s", err);
        return MICA_STATUS_ERROR;
    }
    if (o.help) {
        fputs(fv_usage, stdout);
        return 0;
    }
    if (confine_begin(&(struct confine_options){o.jail, o.jail_user}, err, sizeof err) < 0 ||
        (o.hold && start_hold_wait(o.hold, err, sizeof err) < 0)) {
        mica_error("run: %s", err);
        return MICA_STATUS_ERROR;
    }
    struct fv_control fc;
    if (o.control && fv_control_open(&fc, o.control, err, sizeof err) < 0) {
        mica_error("run: %s", err);
        return MICA_STATUS_ERROR;
    }
    int sig_fd = run_io_block_signals();
    vcpu_kick_signal_init();
    uint64_t deadline = o.timeout_ns ? monotonic_ns() + o.timeout_ns : 0;
    if (!o.control || o.control_stdin) /* with --control the terminal is not ours */
        terminal_make_raw(STDIN_FILENO);
    unsigned boots = 0;
    enum fv_end end;
    int status;
    do
        status = boot(&o, deadline, sig_fd, o.control ? &fc : NULL, &boots, &end);
    while (status == 0 && o.reboot && end == FV_END_RESET);
    if (o.control)
        fv_control_close(&fc);
    terminal_restore();
    if (sig_fd >= 0)
        close(sig_fd);
    return status;
}
