/* `mica cell`: several PV guests in this one process under mica's BVT
 * dispatcher (sched/cell.h), each with its own weight and warp. */
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cell_options.h"
#include "cli/commands.h"
#include "cli/run_shared_options.h"
#include "run/cell_control.h"
#include "run/exit_status.h"
#include "run/run_io.h"
#include "sched/cell.h"
#include "util/log.h"
#include "util/time.h"

#define POLL_MS 50 /* how often the main thread looks at the deadline */

struct cell_guest {
    char name[MICA_NAME_MAX];
    struct cell_vm *vm;
    uint32_t weight;
    bool line_start; /* its next output byte starts a line (under out_lock) */
    bool quiet;
    struct cell_vm_control *control; /* with --control; NULL: none */
    uint64_t settled_ns; /* its run time at --settle: the shares count from there */
};

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* Each guest's lines, prefixed with its name; one guest's chunk at a time. */
static void prefixed_sink(void *ctx, const char *buf, size_t len)
{
    struct cell_guest *g = ctx;
    if (g->control)
        cell_vm_control_output(g->control, buf, len); /* its viewers */
    if (g->quiet)
        return;
    pthread_mutex_lock(&out_lock);
    while (len) {
        if (g->line_start) {
            run_io_stdout_sink(NULL, g->name, strlen(g->name));
            run_io_stdout_sink(NULL, "| ", 2);
        }
        const char *nl = memchr(buf, '\n', len);
        size_t n = nl ? (size_t)(nl - buf) + 1 : len;
        run_io_stdout_sink(NULL, buf, n);
        g->line_start = nl != NULL;
        buf += n;
        len -= n;
    }
    pthread_mutex_unlock(&out_lock);
}

static void on_end(void *ctx, struct cell_vm *vm)
{
    (void)ctx;
    struct pv_domain *d = cell_vm_domain(vm);
    if (cell_vm_end(vm) == CELL_VM_SHUT_DOWN)
        pvio_console_drain(&d->console); /* its last output */
    if (cell_vm_end(vm) != CELL_VM_CRASHED)
        return;
    pthread_mutex_lock(&out_lock);
    mica_error("guest %s crashed (the other guests go on):\n%s", d->name, d->crash_report);
    pthread_mutex_unlock(&out_lock);
}

static int name_guest(struct cell_guest *g, const struct cell_guest_spec *s, unsigned copy)
{
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s", s->path);
    const char *name = s->name ? s->name : basename(base);
    int n = s->count > 1 ? snprintf(g->name, sizeof g->name, "%s-%u", name, copy + 1)
                         : snprintf(g->name, sizeof g->name, "%s", name);
    if (n < 0 || (size_t)n >= sizeof g->name) {
        mica_error("cell: guest name '%s' is too long (at most %d characters with its number)", name,
                   MICA_NAME_MAX - 1);
        return -1;
    }
    return 0;
}

/* Builds one guest's domain and hands it to the cell. */
static int start_guest(struct cell *c, struct cell_guest *g, const struct cell_guest_spec *s)
{
    char *argv[CELL_GUEST_ARGS_MAX + 2] = {g->name};
    for (int i = 0; i < s->argc; i++)
        argv[i + 1] = (char *)s->argv[i];
    struct pv_domain_config cfg = {
        .name = g->name, .image_path = s->path, .mem_mib = s->mem_mib, .argc = s->argc + 1,
        .argv = argv, .console_sink = prefixed_sink, .console_ctx = g,
    };
    struct pv_domain *d;
    char err[512];
    if (pv_domain_create(&d, &cfg, err, sizeof err) < 0) {
        mica_error("%s", err);
        return -1;
    }
    if (cell_add(c, d, &s->params, &g->vm, err, sizeof err) < 0) {
        pv_domain_destroy(d);
        mica_error("%s", err);
        return -1;
    }
    return 0;
}

/* With --control: DIR/NAME.sock, checked to fit a socket address. */
static int open_control(struct cell *c, struct cell_guest *g, const char *dir)
{
    char path[PATH_MAX], err[512];
    snprintf(path, sizeof path, "%s/%s.sock", dir, g->name);
    if (run_option_control(path, err, sizeof err) < 0 ||
        cell_vm_control_open(g->control, c, g->vm, path, err, sizeof err) < 0) {
        mica_error("cell: guest %s: %s", g->name, err);
        return -1;
    }
    return 0;
}

static int unique_name(const struct cell_guest *guests, unsigned k)
{
    for (unsigned i = 0; i < k; i++)
        if (!strcmp(guests[i].name, guests[k].name)) {
            mica_error("cell: two guests are named %s (give name= to tell them apart)", guests[k].name);
            return -1;
        }
    return 0;
}

static int start_all(struct cell *c, struct cell_guest *guests, struct cell_vm_control *controls,
                     const struct cell_options *o)
{
    unsigned k = 0;
    for (unsigned i = 0; i < o->nspecs; i++)
        for (unsigned copy = 0; copy < o->specs[i].count; copy++, k++) {
            struct cell_guest *g = &guests[k];
            g->weight = o->specs[i].params.weight;
            g->line_start = true;
            g->quiet = o->quiet;
            g->control = controls ? &controls[k] : NULL;
            if (name_guest(g, &o->specs[i], copy) < 0 || (o->control && unique_name(guests, k) < 0) ||
                start_guest(c, g, &o->specs[i]) < 0 || (o->control && open_control(c, g, o->control) < 0))
                return -1;
        }
    return 0;
}

/* The dispatcher's counters at --settle (zero without). */
static struct dispatcher_stats settled_stats;
static uint64_t settled_at;

static void settle(struct cell *c, struct cell_guest *guests, unsigned n)
{
    cell_get_stats(c, &settled_stats);
    settled_at = monotonic_ns();
    struct sched_info info;
    for (unsigned i = 0; i < n; i++) {
        cell_get_info(c, guests[i].vm, &info);
        guests[i].settled_ns = info.run_ns;
    }
}

/* Until every guest ended, the deadline passed or a signal came; the run
 * times are noted at --settle. */
static int wait_for_end(struct cell *c, struct cell_guest *guests, const struct cell_options *o, int sig_fd)
{
    uint64_t t0 = monotonic_ns(), timeout_ns = o->timeout_ns;
    uint64_t deadline = timeout_ns ? t0 + timeout_ns : 0, settle_at = o->settle_ns ? t0 + o->settle_ns : 0;
    for (;;) {
        if (settle_at && monotonic_ns() >= settle_at) {
            settle(c, guests, o->guests);
            settle_at = 0;
        }
        if (cell_wait(c, 0) == 0)
            return 0;
        if (deadline && monotonic_ns() >= deadline)
            return MICA_STATUS_TIMEOUT;
        struct pollfd p = {.fd = sig_fd, .events = POLLIN};
        if (sig_fd >= 0 && poll(&p, 1, POLL_MS) > 0)
            return MICA_STATUS_INTERRUPTED;
        if (sig_fd < 0)
            cell_wait(c, POLL_MS);
    }
}

static const char *end_text(const struct cell_guest *g, char *buf, size_t len)
{
    switch (cell_vm_end(g->vm)) {
    case CELL_VM_EXITED:
        snprintf(buf, len, "exited %d", cell_vm_domain(g->vm)->exit_code);
        return buf;
    case CELL_VM_CRASHED:
        return "crashed";
    case CELL_VM_SHUT_DOWN:
        return "shut down";
    default:
        return "running";
    }
}

/* Its run time since --settle (all of it without). */
static uint64_t counted_ns(struct cell *c, const struct cell_guest *g)
{
    struct sched_info info;
    cell_get_info(c, g->vm, &info);
    return info.run_ns > g->settled_ns ? info.run_ns - g->settled_ns : 0;
}

/* Each guest's end and share of the CPU, on stderr. */
static void report(struct cell *c, struct cell_guest *guests, unsigned n)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += counted_ns(c, &guests[i]);
    for (unsigned i = 0; i < n; i++) {
        char end[32];
        uint64_t ran = counted_ns(c, &guests[i]);
        struct sched_params p = {.weight = guests[i].weight}; /* once it ended: the one it started with */
        cell_get_params(c, guests[i].vm, &p);
        fprintf(stderr, "cell: %-16s weight %5u  ran %9.1f ms  share %5.1f%%  %s\n", guests[i].name, p.weight,
                (double)ran / 1e6, total ? 100.0 * (double)ran / (double)total : 0.0,
                end_text(&guests[i], end, sizeof end));
    }
}

/* The counters since --settle (or the start). */
static void report_stats(struct cell *c, uint64_t started_at)
{
    struct dispatcher_stats st;
    const struct dispatcher_stats *b = &settled_stats;
    cell_get_stats(c, &st);
    st.picks -= b->picks;
    st.slice_kicks -= b->slice_kicks;
    st.wake_kicks -= b->wake_kicks;
    st.deadline_wakes -= b->deadline_wakes;
    for (unsigned i = 0; i < DISPATCHER_LATENCY_BUCKETS; i++)
        st.wake_latency[i] -= b->wake_latency[i];
    double s = (double)(monotonic_ns() - (settled_at ? settled_at : started_at)) / 1e9;
    fprintf(stderr,
            "cell: %.2f s: %llu picks (%.0f/s), %llu slice kicks, %llu wake kicks, %llu deadline wakes\n",
            s, (unsigned long long)st.picks, s > 0 ? (double)st.picks / s : 0.0,
            (unsigned long long)st.slice_kicks, (unsigned long long)st.wake_kicks,
            (unsigned long long)st.deadline_wakes);
    uint64_t median = dispatcher_latency_bound_us(&st, 500), p99 = dispatcher_latency_bound_us(&st, 990);
    if (median)
        fprintf(stderr, "cell: wake-up to run: median < %llu us, p99 < %llu us\n", (unsigned long long)median,
                (unsigned long long)p99);
}

/* 139 if one crashed, else the first non-zero exit code, else 0. */
static int guests_status(struct cell_guest *guests, unsigned n)
{
    int status = 0;
    for (unsigned i = 0; i < n; i++) {
        enum cell_vm_end end = cell_vm_end(guests[i].vm);
        if (end == CELL_VM_CRASHED)
            return MICA_STATUS_CRASHED;
        if (end == CELL_VM_EXITED && !status)
            status = cell_vm_domain(guests[i].vm)->exit_code;
    }
    return status;
}

static int run_cell(const struct cell_options *o, int sig_fd)
{
    struct cell_guest *guests = calloc(o->guests, sizeof *guests);
    struct cell_vm_control *controls = o->control ? calloc(o->guests, sizeof *controls) : NULL;
    struct cell_config cfg = {.workers = o->workers, .on_end = on_end};
    struct cell *c = NULL;
    char err[512];
    bool no_memory = !guests || (o->control && !controls);
    if (no_memory || cell_create(&c, &cfg, err, sizeof err) < 0) {
        mica_error("%s", no_memory ? "cell: out of memory" : err);
        free(guests);
        free(controls);
        return MICA_STATUS_ERROR;
    }
    uint64_t t0 = monotonic_ns();
    struct cell_control *cc = NULL;
    int status = start_all(c, guests, controls, o) < 0 ? MICA_STATUS_ERROR : 0;
    if (status == 0 && o->control && cell_control_start(&cc, controls, o->guests, err, sizeof err) < 0) {
        mica_error("%s", err);
        status = MICA_STATUS_ERROR;
    }
    if (status == 0) {
        if (o->stats)
            fprintf(stderr, "cell: %u guests started in %.1f ms\n", o->guests, (double)(monotonic_ns() - t0) / 1e6);
        status = wait_for_end(c, guests, o, sig_fd);
        cell_stop(c);
        report(c, guests, o->guests);
        if (o->stats)
            report_stats(c, t0);
        if (status == 0)
            status = guests_status(guests, o->guests);
        else if (status == MICA_STATUS_TIMEOUT)
            mica_error("cell: --timeout expired");
    }
    if (controls)
        cell_control_stop(cc, controls, o->guests); /* before the domains go */
    cell_destroy(c);
    free(guests);
    free(controls);
    return status;
}

int cmd_cell(int argc, char **argv)
{
    struct cell_options o;
    char err[512];
    if (cell_options_parse(argc, argv, &o, err, sizeof err) < 0) {
        mica_error("cell: %s", err);
        cell_options_free(&o);
        return MICA_STATUS_ERROR;
    }
    if (o.help) {
        fputs(cell_usage, stdout);
        cell_options_free(&o);
        return 0;
    }
    int sig_fd = run_io_block_signals();
    int status = run_cell(&o, sig_fd);
    if (sig_fd >= 0)
        close(sig_fd);
    cell_options_free(&o);
    return status;
}
