/* `mica run`: boot one PV guest attached to this terminal. */
#include <libgen.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/bundled_guest.h"
#include "cli/commands.h"
#include "cli/exit_status.h"
#include "cli/run_io.h"
#include "cli/run_options.h"
#include "cli/supervisor.h"
#include "cli/terminal.h"
#include "sched/solo.h"
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

static int report_end(struct pv_domain *d, enum solo_end end, const struct run_options *o)
{
    switch (end) {
    case SOLO_EXITED:
        return d->exit_code;
    case SOLO_CRASHED:
        fprintf(stderr, "mica: %s", d->crash_report);
        return MICA_STATUS_CRASHED;
    case SOLO_TIMED_OUT:
        mica_error("guest %s: stopped after the --timeout of %.3g s", d->name,
                   (double)o->timeout_ns / 1e9);
        return MICA_STATUS_TIMEOUT;
    default:
        mica_error("guest %s: interrupted", d->name);
        return MICA_STATUS_INTERRUPTED;
    }
}

static int run_domain(struct pv_domain *d, const struct run_options *o, int sig_fd)
{
    struct solo_control ctl = {.stop = SOLO_RUN};
    struct run_io io;
    char err[512];
    terminal_make_raw(STDIN_FILENO);
    if (run_io_start(&io, d, &ctl, STDIN_FILENO, sig_fd, o->timeout_ns, err, sizeof err) < 0) {
        run_io_stop(&io);
        terminal_restore();
        mica_error("%s", err);
        return MICA_STATUS_ERROR;
    }
    enum solo_end end = solo_run(d, &ctl);
    run_io_stop(&io);
    pv_console_drain(&d->console);
    terminal_restore();
    return report_end(d, end, o);
}

static bool wants_linux(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--kernel") || !strncmp(argv[i], "--kernel=", 9))
            return true;
    return false;
}

/* The VM process (see supervisor.h): builds the domain, runs it, reports
 * the status, then tears the domain down. */
static int run_pv_guest(void *ctx, struct supervisor *sup)
{
    const struct run_options *o = ctx;
    char err[512], base[PATH_MAX];
    snprintf(base, sizeof base, "%s", o->guest);
    const char *name = o->name ? o->name : basename(base);
    char **gargv = guest_argv(o, name);
    int sig_fd = run_io_block_signals();
    vcpu_kick_signal_init();
    struct pv_domain_config cfg = {
        .name = name, .image_path = o->guest, .mem_mib = o->mem_mib,
        .argc = o->guest_argc + 1, .argv = gargv,
        .console_sink = run_io_stdout_sink,
    };
    struct pv_domain *d = NULL;
    int status;
    if (!gargv || pv_domain_create(&d, &cfg, err, sizeof err) < 0) {
        mica_error("%s", gargv ? err : "out of memory");
        status = MICA_STATUS_ERROR;
    } else {
        status = run_domain(d, o, sig_fd);
    }
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
        fputs(run_usage, stdout);
        return 0;
    }
    if (!o.guest) {
        if (bundled_guest_path("shell.elf", path, sizeof path, err, sizeof err) < 0) {
            mica_error("%s", err);
            return MICA_STATUS_ERROR;
        }
        o.guest = path;
    }
    return supervise(run_pv_guest, &o);
}
