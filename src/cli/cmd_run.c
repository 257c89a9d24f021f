/* `mica run`: boot one PV guest attached to this terminal, or with
 * --control to a control channel (how `mica daemon` runs VMs). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/bundled_guest.h"
#include "cli/commands.h"
#include "cli/run_fv_options.h"
#include "run/exit_status.h"
#include "run/pv_control.h"
#include "run/run_io.h"
#include "cli/run_options.h"
#include "run/start_hold.h"
#include "vmm/kvm.h"
#include "cp/mem_policy.h"
#include "run/supervisor.h"
#include "run/terminal.h"
#include "run/confine.h"
#include "sched/solo.h"
#include "snap/pv_snap.h"
#include "util/errmsg.h"
#include "util/console_filter.h"
#include "util/log.h"

static char **guest_argv(const struct run_options *o, const char *argv0)
{
    char **v = calloc((size_t)o->guest_argc + 2, sizeof *v);
    if (!v)
        return NULL;
    v[0] = (char *)argv0;
    memcpy(v + 1, o->guest_argv, (size_t)o->guest_argc * sizeof *v);
    return v;
}

/* Each end of the solo dispatcher, as any VM's (run/exit_status.h). */
static const enum run_end solo_ends[] = {
    [SOLO_EXITED] = RUN_END_EXITED, [SOLO_CRASHED] = RUN_END_CRASHED,
    [SOLO_TIMED_OUT] = RUN_END_TIMED_OUT, [SOLO_INTERRUPTED] = RUN_END_INTERRUPTED,
    [SOLO_SHUT_DOWN] = RUN_END_CLEAN, /* asked for by the controller: a clean end */
};

static int report_end(struct pv_domain *d, enum solo_end end, const struct run_options *o)
{
    struct run_outcome r = {
        .end = (unsigned)end < sizeof solo_ends / sizeof solo_ends[0] ? solo_ends[end]
                                                                      : RUN_END_INTERRUPTED,
        .exit_code = d->exit_code, .report = d->crash_report, .kind = "guest", .name = d->name,
        .timeout_ns = o->timeout_ns,
    };
    return run_exit_status(&r);
}

/* Input and output: the terminal, or with --control the channel's viewers
 * (stdin is not read then, and the terminal is left alone). */
static int attach(struct run_io *io, struct pv_control *rc, const struct run_options *o,
                  int sig_fd, char *err, size_t errlen)
{
    struct run_io_config cfg = {
        .in_fd = STDIN_FILENO, .sig_fd = sig_fd, .timeout_ns = o->timeout_ns,
    };
    if (o->control) {
        cfg.in_fd = o->control_stdin ? STDIN_FILENO : -1;
        cfg.control = pv_control_open(rc, o->control, err, errlen);
        if (!cfg.control)
            return -1;
    } else {
        cfg.escape_keys = isatty(STDIN_FILENO); /* keys of a person, not a pipe's bytes */
    }
    if (cfg.in_fd >= 0)
        terminal_make_raw(STDIN_FILENO);
    /* Everything is open: confine the process before its threads start. */
    if (confine_seal(err, errlen) < 0) {
        pv_control_close(rc);
        terminal_restore();
        return -1;
    }
    if (run_io_start(io, rc->dom, rc->ctl, &cfg, err, errlen) < 0) {
        run_io_stop(io);
        pv_control_close(rc);
        terminal_restore();
        return -1;
    }
    return 0;
}

static void detach(struct run_io *io, struct pv_control *rc)
{
    run_io_stop(io);
    pvio_console_drain(&rc->dom->console); /* the last output, to viewers too */
    pv_control_close(rc);
    terminal_restore();
}

static int run_domain(struct pv_domain *d, const struct run_options *o, int sig_fd,
                      struct pv_control *rc)
{
    struct solo_control ctl;
    int rc_init = solo_control_init(&ctl, d);
    if (rc_init < 0) {
        mica_error("guest %s: cannot set up its run gate: %s", d->name, strerror(-rc_init));
        return MICA_STATUS_ERROR;
    }
    rc->dom = d;
    rc->ctl = &ctl;
    struct run_io io;
    char err[512];
    int status;
    if (attach(&io, rc, o, sig_fd, err, sizeof err) < 0) {
        mica_error("%s", err);
        status = MICA_STATUS_ERROR;
    } else {
        enum solo_end end = solo_run(d, &ctl);
        detach(&io, rc);
        status = report_end(d, end, o);
    }
    solo_control_destroy(&ctl);
    return status;
}

static bool wants_linux(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--kernel") || !strncmp(argv[i], "--kernel=", 9))
            return true;
    return false;
}

/* Guest output on a terminal goes through the filter (util/console_filter.h)
 * unless --raw-console; one domain per process, one thread at a time. */
static struct console_filter terminal_filter;

static void filtered_stdout_sink(void *ctx, const char *buf, size_t len)
{
    console_filter_pass(&terminal_filter, buf, len, run_io_stdout_sink, ctx);
}

static pvio_console_sink stdout_sink(const struct run_options *o)
{
    if (o->raw_console || !isatty(STDOUT_FILENO))
        return run_io_stdout_sink;
    console_filter_init(&terminal_filter, true);
    return filtered_stdout_sink;
}

static void finish_stdout(void)
{
    char reset[CONSOLE_FILTER_FINISH_MAX];
    size_t n = console_filter_finish(&terminal_filter, (uint8_t *)reset);
    if (n)
        run_io_stdout_sink(NULL, reset, n); /* colours the guest left set */
}

/* The VIFs of --net: links opened before confinement (a jail's empty root
 * has no switch socket), devices added once the domain exists. One domain
 * per process, so their back ends live here. */
static struct netback vif_backends[MICA_DEVICES_MAX];

static void close_links(int *fds, unsigned from, unsigned n)
{
    for (unsigned i = from; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static int open_links(const struct run_options *o, const char *name, struct vif_spec *specs,
                      int *fds, char *err, size_t errlen)
{
    for (unsigned i = 0; i < o->net_count; i++) {
        specs[i] = o->net[i];
        fds[i] = vif_open_link(&specs[i], name, i, err, errlen);
        if (fds[i] < 0) {
            close_links(fds, 0, i);
            return -1;
        }
    }
    return 0;
}

static int add_vifs(struct pv_domain *d, const struct run_options *o,
                    const struct vif_spec *specs, int *fds, char *err, size_t errlen)
{
    for (unsigned i = 0; i < o->net_count; i++)
        if (vif_add(d, &vif_backends[i], fds[i], &specs[i], i, err, errlen) < 0) {
            close_links(fds, i + 1, o->net_count); /* vif_add took fds[i] */
            return -1;
        }
    return 0;
}

/* The domain from a snapshot (--restore), named as the saved one unless
 * --name says otherwise. */
static int restore_domain(struct pv_domain **d, const struct run_options *o,
                          const struct pv_domain_config *cfg, char *err, size_t errlen)
{
    int fd = open(o->restore, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errmsg(err, errlen, -1, "snapshot %s: %s", o->restore, strerror(errno));
    struct pv_snap_restore opt = {
        .name = o->name, .map_ram = o->clone,
        .console_sink = cfg->console_sink, .console_ctx = cfg->console_ctx,
    };
    int rc = pv_snap_restore(d, fd, o->restore, &opt, err, errlen);
    close(fd); /* a clone's mapping keeps the file */
    return rc;
}

/* The VM process (see supervisor.h): builds the domain, runs it, reports
 * the status, then tears the domain down. */
static int run_pv_guest(void *ctx, struct supervisor *sup)
{
    const struct run_options *o = ctx;
    char err[512], base[PATH_MAX];
    snprintf(base, sizeof base, "%s", o->guest ? o->guest : "restored");
    const char *name = o->name ? o->name : basename(base);
    struct vif_spec specs[MICA_DEVICES_MAX];
    int links[MICA_DEVICES_MAX];
    if (open_links(o, name, specs, links, err, sizeof err) < 0) {
        mica_error("run: %s", err);
        return MICA_STATUS_ERROR;
    }
    if (confine_begin(&o->confine, err, sizeof err) < 0 ||
        (o->hold && start_hold_wait(o->hold, err, sizeof err) < 0)) {
        close_links(links, 0, o->net_count);
        mica_error("run: %s", err);
        return MICA_STATUS_ERROR;
    }
    char **gargv = guest_argv(o, name);
    int sig_fd = run_io_block_signals();
    vcpu_kick_signal_init();
    struct pv_control rc = {.to_stdout = true}; /* the sink's context with --control */
    struct pv_domain_config cfg = {
        .name = name, .image_path = o->guest, .mem_mib = o->mem_mib,
        .argc = o->guest_argc + 1, .argv = gargv, .envc = o->envc, .envp = (char **)o->envp,
        .console_sink = o->control ? pv_control_sink : stdout_sink(o), .console_ctx = &rc,
        .supervisor = o->supervisor == RUN_SUPERVISOR_ON ||
                      (o->supervisor == RUN_SUPERVISOR_AUTO && kvm_host_runs_cpl0_natively()),
        .mergeable = o->ksm || getenv(MICA_ENV_KSM) != NULL,
        .disks = o->disk, .ndisks = o->ndisks,
    };
    struct pv_domain *d = NULL;
    int status;
    if (!gargv || (o->restore ? restore_domain(&d, o, &cfg, err, sizeof err)
                              : pv_domain_create(&d, &cfg, err, sizeof err)) < 0) {
        close_links(links, 0, o->net_count);
        mica_error("%s", gargv ? err : "out of memory");
        status = MICA_STATUS_ERROR;
    } else if (add_vifs(d, o, specs, links, err, sizeof err) < 0) {
        mica_error("run: %s", err);
        status = MICA_STATUS_ERROR;
    } else {
        status = run_domain(d, o, sig_fd, &rc);
    }
    finish_stdout();
    supervisor_report(sup, status);
    pv_domain_destroy(d);
    free(gargv);
    if (sig_fd >= 0)
        close(sig_fd);
    return status;
}

int cmd_run(int argc, char **argv)
{
    if (wants_linux(argc, argv))
        return cmd_run_linux(argc, argv); /* full virtualization: its own options */
    struct run_options o;
    char err[512], path[PATH_MAX];
    if (run_options_parse(argc, argv, &o, err, sizeof err) < 0) {
        mica_error("run: %s", err);
        return MICA_STATUS_ERROR;
    }
    if (o.help) {
        printf("%s\n%s", run_usage, fv_usage);
        return 0;
    }
    if (!o.guest && !o.restore) {
        if (bundled_guest_path("shell.elf", path, sizeof path, err, sizeof err) < 0) {
            mica_error("%s", err);
            return MICA_STATUS_ERROR;
        }
        o.guest = path;
    }
    if (o.control) {
        /* Under the daemon, the process it watches (pid, CPU time, RSS,
         * SIGKILL on destroy) must be the VM itself. Nobody waits on the
         * exit there, so the supervisor's early exit would buy nothing. */
        struct supervisor none = {.status_fd = -1};
        return run_pv_guest(&o, &none);
    }
    if (confine_prepare_child(&o.confine, err, sizeof err) < 0) { /* the VM process: PID 1 */
        mica_error("run: %s", err);
        return MICA_STATUS_ERROR;
    }
    return supervise(run_pv_guest, &o);
}
