/* Cells (sched/cell.h) on KVM-less PV domains (tests/support/pv_testbed.h)
 * whose vCPUs are fakes: the real dispatcher, wake hook, deadline timer,
 * doorbell thread, run-time publishing, pause, params, crash isolation.
 * A fake "spinner" stands for a CPU-bound guest: its run sleeps until
 * kicked (signal + immediate_exit for real vCPUs), so the tests cost no
 * CPU. Waits are bounded; nothing asserts how long anything took except
 * that a deadline was not early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ctl/vm_control_client.h"
#include "mica/io/console.h"
#include "mica/ring.h"
#include "run/cell_control.h"
#include "sched/cell.h"
#include "sched/policy.h"
#include "support/kick_wait.h"
#include "support/pv_testbed.h"
#include "util/time.h"

#define MS 1000000ull

enum fake_kind { SPIN, WAIT, SLEEP, CRASH };

struct fake {
    struct pv_domain *dom;
    enum fake_kind kind;
    struct kick_wait kick;
    atomic_int runs, events_seen;
    atomic_bool timer_seen;
    uint64_t started_at, ended_at;
};

#define FAKES 8
static struct fake fakes[FAKES];
static int nfakes;
static atomic_int ends_told;

static struct fake *fake_of(struct pv_vcpu *v)
{
    for (int i = 0; i < nfakes; i++)
        if (fakes[i].dom == v->dom)
            return &fakes[i];
    fail_msg("a vCPU of an unknown domain ran");
    return NULL;
}

static bool port_pending(struct pv_domain *d, mica_port_t port)
{
    return __atomic_load_n(mica_evtchn_word(d->shared, 0, port), __ATOMIC_SEQ_CST) & MICA_PORT_BIT(port);
}

static void clear_port(struct pv_domain *d, mica_port_t port)
{
    __atomic_fetch_and(mica_evtchn_word(d->shared, 0, port), ~MICA_PORT_BIT(port), __ATOMIC_SEQ_CST);
}

static enum pv_stop spin(struct fake *f)
{
    kick_wait(&f->kick);
    return PV_STOP_PREEMPTED;
}

/* What MICA_HC_BLOCK does: rearm the wake, then block (the fakes consume
 * their events before). */
static enum pv_stop block(struct pv_vcpu *v, uint64_t *deadline_ns, uint64_t deadline)
{
    v->wait_ports = ~0ull;
    pv_vcpu_rearm_wake(v);
    *deadline_ns = deadline;
    return PV_STOP_BLOCKED;
}

static enum pv_stop fake_run(struct pv_vcpu *v, uint64_t *deadline_ns)
{
    struct fake *f = fake_of(v);
    int run = atomic_fetch_add(&f->runs, 1) + 1;
    *deadline_ns = 0;
    switch (f->kind) {
    case SPIN:
        return spin(f);
    case WAIT:
        if (port_pending(v->dom, MICA_EVT_CONSOLE)) {
            clear_port(v->dom, MICA_EVT_CONSOLE);
            atomic_fetch_add(&f->events_seen, 1);
        }
        return block(v, deadline_ns, 0);
    case SLEEP:
        if (run == 1) {
            f->started_at = monotonic_ns();
            return block(v, deadline_ns, f->started_at + 20 * MS);
        }
        f->ended_at = monotonic_ns();
        atomic_store(&f->timer_seen, port_pending(v->dom, MICA_EVT_TIMER));
        v->dom->exit_code = 5;
        return PV_STOP_EXITED;
    case CRASH:
        snprintf(v->dom->crash_report, sizeof v->dom->crash_report, "fake crash of %s", v->dom->name);
        return PV_STOP_CRASHED;
    }
    return PV_STOP_CRASHED;
}

static void fake_kick(struct pv_vcpu *v, const pthread_t *runner)
{
    (void)runner;
    kick_wait_kick(&fake_of(v)->kick);
}

static const struct cell_vcpu_ops fake_ops = {.run = fake_run, .kick = fake_kick};

static void told_end(void *ctx, struct cell_vm *vm)
{
    (void)ctx;
    assert_int_not_equal(cell_vm_end(vm), CELL_VM_RUNNING);
    atomic_fetch_add(&ends_told, 1);
}

/* Short slices so the tests see many. */
static const struct sched_config quick = {.max_slice_ns = 2 * MS, .ctx_allow_ns = MS / 2, .mcu_ns = MS / 10};

static struct cell *start_cell(unsigned workers, unsigned max_vms)
{
    nfakes = 0;
    atomic_store(&ends_told, 0);
    struct cell_config cfg = {
        .workers = workers, .sched = &quick, .max_vms = max_vms, .vcpu_ops = &fake_ops, .on_end = told_end,
    };
    struct cell *c = NULL;
    char err[256];
    assert_int_equal(cell_create(&c, &cfg, err, sizeof err), 0);
    return c;
}

static struct fake *new_fake(enum fake_kind kind)
{
    assert_true(nfakes < FAKES);
    struct fake *f = &fakes[nfakes];
    *f = (struct fake){.kind = kind, .dom = testbed_domain(2)};
    kick_wait_init(&f->kick);
    nfakes++;
    return f;
}

static struct cell_vm *add(struct cell *c, struct fake *f, uint32_t weight)
{
    struct sched_params p = sched_params_default();
    p.weight = weight;
    struct cell_vm *vm = NULL;
    char err[256];
    assert_int_equal(cell_add(c, f->dom, &p, &vm, err, sizeof err), 0);
    return vm;
}

static bool wait_for(atomic_int *counter, int at_least)
{
    for (int i = 0; i < 10000 && atomic_load(counter) < at_least; i++)
        usleep(1000);
    return atomic_load(counter) >= at_least;
}

/* pv_vcpu_wake: with a hook, the hook hears the wake (once per wait);
 * without, the wake eventfd does. */
static int hook_calls;
static void count_hook(void *ctx) { (*(int *)ctx)++; }

static void wake_hook_replaces_the_wake_fd(void **state)
{
    (void)state;
    struct pv_domain *d = testbed_domain(2);
    struct pv_vcpu *v = pv_domain_vcpu(d, 0);
    hook_calls = 0;
    pv_vcpu_set_wake_hook(v, count_hook, &hook_calls);
    pv_vcpu_rearm_wake(v);
    pv_domain_raise_event(d, MICA_EVT_CONSOLE);
    pv_domain_raise_event(d, MICA_EVT_TIMER);
    assert_int_equal(hook_calls, 1); /* one wake per wait */
    uint64_t n;
    assert_true(read(v->wake_fd, &n, sizeof n) < 0); /* nothing on the fd */
    pv_vcpu_rearm_wake(v);
    pv_vcpu_wake(v);
    assert_int_equal(hook_calls, 2);

    pv_vcpu_set_wake_hook(v, NULL, NULL);
    pv_vcpu_rearm_wake(v);
    pv_vcpu_wake(v);
    assert_int_equal(hook_calls, 2);
    assert_int_equal(read(v->wake_fd, &n, sizeof n), (ssize_t)sizeof n);
    pv_domain_destroy(d);
}

static void weights_share_the_cpu(void **state)
{
    (void)state;
    struct cell *c = start_cell(1, 0);
    struct cell_vm *vm[3];
    static const uint32_t weight[3] = {100, 200, 400};
    for (int i = 0; i < 3; i++)
        vm[i] = add(c, new_fake(SPIN), weight[i]);
    usleep(700000);
    cell_stop(c);
    struct sched_info info[3];
    uint64_t total = 0;
    for (int i = 0; i < 3; i++) {
        cell_get_info(c, vm[i], &info[i]);
        total += info[i].run_ns;
    }
    assert_true(total > 0);
    for (int i = 0; i < 3; i++) {
        double share = (double)info[i].run_ns / (double)total, want = weight[i] / 700.0;
        printf("weight %u: share %.3f (want %.3f)\n", weight[i], share, want);
        assert_true(share > want - 0.06 && share < want + 0.06);
        /* The guest reads the run time it was charged (up to its last run). */
        uint64_t published = fakes[i].dom->shared->run_ns;
        assert_true(published > 0 && published <= info[i].run_ns);
    }
    assert_int_equal(cell_wait(c, 0), 3);
    cell_destroy(c);
}

static void blocked_domain_runs_only_on_its_event(void **state)
{
    (void)state;
    struct cell *c = start_cell(2, 0);
    struct fake *f = new_fake(WAIT);
    add(c, f, 100);
    assert_true(wait_for(&f->runs, 1));
    usleep(50000);
    assert_int_equal(atomic_load(&f->runs), 1); /* blocked: no run, no CPU */
    pv_domain_raise_event(f->dom, MICA_EVT_CONSOLE);
    assert_true(wait_for(&f->events_seen, 1));
    usleep(20000);
    assert_int_equal(atomic_load(&f->runs), 2);
    /* A wake-up without an event for it puts it back to sleep, unrun. */
    pv_domain_wake(f->dom);
    usleep(20000);
    assert_int_equal(atomic_load(&f->runs), 2);
    pv_domain_raise_event(f->dom, MICA_EVT_CONSOLE);
    assert_true(wait_for(&f->events_seen, 2));
    cell_destroy(c);
}

static void deadline_raises_the_timer_event(void **state)
{
    (void)state;
    struct cell *c = start_cell(1, 0);
    struct fake *f = new_fake(SLEEP);
    struct cell_vm *vm = add(c, f, 100);
    assert_int_equal(cell_wait(c, 10000), 0);
    assert_int_equal(cell_vm_end(vm), CELL_VM_EXITED);
    assert_int_equal(cell_vm_domain(vm)->exit_code, 5);
    assert_true(atomic_load(&f->timer_seen));
    assert_true(f->ended_at - f->started_at >= 20 * MS);
    assert_int_equal(atomic_load(&ends_told), 1);
    struct dispatcher_stats st;
    cell_get_stats(c, &st);
    assert_int_equal(st.deadline_wakes, 1);
    cell_destroy(c);
}

static void crash_ends_only_its_domain(void **state)
{
    (void)state;
    struct cell *c = start_cell(2, 0);
    struct fake *spinner = new_fake(SPIN);
    struct cell_vm *s = add(c, spinner, 100);
    struct cell_vm *crasher = add(c, new_fake(CRASH), 100);
    assert_int_equal(cell_wait(c, 200), 1); /* the spinner goes on */
    assert_int_equal(cell_vm_end(crasher), CELL_VM_CRASHED);
    assert_string_equal(cell_vm_domain(crasher)->crash_report, "fake crash of testbed");
    assert_int_equal(cell_vm_end(s), CELL_VM_RUNNING);
    int runs = atomic_load(&spinner->runs);
    assert_true(wait_for(&spinner->runs, runs + 3));
    assert_int_equal(atomic_load(&ends_told), 1);
    /* An ended domain keeps its last run time and refuses control. */
    struct sched_params p;
    assert_int_equal(cell_get_params(c, crasher, &p), -ESRCH);
    assert_int_equal(cell_pause(c, crasher, 10), -ESRCH);
    assert_int_equal(cell_remove(c, crasher, 1000), 0);
    cell_destroy(c);
}

static uint64_t run_ns_of(struct cell *c, struct cell_vm *vm)
{
    struct sched_info info;
    cell_get_info(c, vm, &info);
    return info.run_ns;
}

static void pause_resume_and_params_at_run_time(void **state)
{
    (void)state;
    struct cell *c = start_cell(1, 0);
    struct fake *f = new_fake(SPIN);
    struct cell_vm *vm = add(c, f, 100);
    assert_true(wait_for(&f->runs, 2));
    assert_int_equal(cell_pause(c, vm, 5000), 0);
    uint64_t before = run_ns_of(c, vm);
    int runs = atomic_load(&f->runs);
    usleep(50000);
    assert_int_equal(run_ns_of(c, vm), before);
    assert_int_equal(atomic_load(&f->runs), runs);
    assert_int_equal(cell_resume(c, vm), 0);
    assert_true(wait_for(&f->runs, runs + 2));
    assert_true(run_ns_of(c, vm) > before);

    struct sched_params p = sched_params_default();
    p.weight = 300;
    p.warp_ns = 2 * MS;
    p.warp_limit_ns = 1 * MS;
    p.unwarp_ns = 10 * MS;
    assert_int_equal(cell_set_params(c, vm, &p), 0);
    struct sched_params got;
    assert_int_equal(cell_get_params(c, vm, &got), 0);
    assert_int_equal(got.weight, 300);
    assert_int_equal(got.warp_ns, 2 * MS);
    assert_int_equal(got.warp_limit_ns, 1 * MS);
    assert_int_equal(got.unwarp_ns, 10 * MS);
    struct sched_params bad = p;
    bad.weight = 0;
    assert_int_equal(cell_set_params(c, vm, &bad), -EINVAL);
    bad = p;
    bad.weight = SCHED_WEIGHT_MAX + 1;
    assert_int_equal(cell_set_params(c, vm, &bad), -EINVAL);
    assert_int_equal(cell_get_params(c, vm, &got), 0);
    assert_int_equal(got.weight, 300); /* unchanged */
    cell_destroy(c);
}

static void full_cell_and_bad_params_are_refused(void **state)
{
    (void)state;
    struct cell *c = start_cell(1, 1);
    struct fake *f = new_fake(SPIN);
    struct cell_vm *vm = add(c, f, 100);
    struct fake *g = new_fake(SPIN);
    char err[256] = "";
    assert_int_equal(cell_add(c, g->dom, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "the most it can"));
    /* Removing a running domain makes room. */
    assert_true(wait_for(&f->runs, 1));
    assert_int_equal(cell_remove(c, vm, 5000), 0);
    struct sched_params p = sched_params_default();
    p.weight = 0;
    assert_int_equal(cell_add(c, g->dom, &p, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "scheduling parameters out of range"));
    p.weight = 100;
    p.warp_ns = MS; /* a warp needs a limit */
    assert_int_equal(cell_add(c, g->dom, &p, NULL, err, sizeof err), -1);
    assert_int_equal(cell_add(c, g->dom, NULL, NULL, err, sizeof err), 0);
    assert_true(wait_for(&g->runs, 1));
    cell_destroy(c);

    struct cell_config big = {.max_vms = CELL_VMS_MAX + 1, .vcpu_ops = &fake_ops};
    assert_int_equal(cell_create(&c, &big, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most"));
}

/* The cell's doorbell thread drains a kicked console, as `mica run`'s
 * console loop does. */
static void doorbell_kick_drains_the_console(void **state)
{
    (void)state;
    struct cell *c = start_cell(1, 0);
    struct fake *f = new_fake(WAIT);
    f->dom->doorbell_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    assert_true(f->dom->doorbell_fd >= 0);
    add(c, f, 100);
    struct mica_console_ring *ring = guest_mem_ptr(&f->dom->hv, pv_hv_gpa(PV_PG_CONSOLE), sizeof *ring);
    mica_ring_copy_in(ring->out, MICA_CONS_OUT_SIZE, ring->out_prod, "ding", 4);
    __atomic_store_n(&ring->out_prod, ring->out_prod + 4, __ATOMIC_RELEASE);
    uint64_t one = 1;
    assert_int_equal(write(f->dom->doorbell_fd, &one, sizeof one), (ssize_t)sizeof one);
    for (int i = 0; i < 5000 && testbed_output_len < 4; i++)
        usleep(1000);
    assert_int_equal(testbed_output_len, 4);
    assert_memory_equal(testbed_output, "ding", 4);
    cell_destroy(c);
}

/* A controller ends a domain: reported as shut down, once; the cell goes on. */
static void shutdown_ends_one_domain(void **state)
{
    (void)state;
    struct cell *c = start_cell(1, 0);
    struct fake *f = new_fake(SPIN), *g = new_fake(WAIT);
    struct cell_vm *a = add(c, f, 100), *b = add(c, g, 100);
    assert_true(wait_for(&f->runs, 1));
    assert_true(wait_for(&g->runs, 1));
    assert_int_equal(cell_shutdown(c, a, 5000), 0); /* running */
    assert_int_equal(cell_shutdown(c, b, 5000), 0); /* blocked */
    assert_int_equal(cell_vm_end(a), CELL_VM_SHUT_DOWN);
    assert_int_equal(cell_vm_end(b), CELL_VM_SHUT_DOWN);
    assert_int_equal(cell_shutdown(c, a, 5000), -ESRCH);
    assert_int_equal(cell_wait(c, 1000), 0);
    assert_int_equal(atomic_load(&ends_told), 2);
    cell_destroy(c);
}

static json_t *ask(const char *path, json_t *req, int want_rc, struct cp_error *e)
{
    json_t *reply = NULL;
    *e = (struct cp_error){0};
    assert_int_equal(vmctl_request_json(path, req, 5000, &reply, e), want_rc);
    json_decref(req);
    return reply;
}

/* `mica cell --control`: the per-VM channel of a domain in a cell. */
static void control_channel_of_a_cell_domain(void **state)
{
    (void)state;
    struct cell *c = start_cell(1, 0);
    struct fake *f = new_fake(SPIN);
    struct cell_vm *vm = add(c, f, 100);
    static struct cell_vm_control vc;
    memset(&vc, 0, sizeof vc);
    char path[64], err[256];
    snprintf(path, sizeof path, "/tmp/mica-cellctl-%d.sock", (int)getpid());
    assert_int_equal(cell_vm_control_open(&vc, c, vm, path, err, sizeof err), 0);
    struct cell_control *cc = NULL;
    assert_int_equal(cell_control_start(&cc, &vc, 1, err, sizeof err), 0);
    assert_true(wait_for(&f->runs, 2));

    struct cp_error e;
    json_t *r = ask(path, json_pack("{s:s,s:i,s:i,s:i}", "cmd", "sched", "weight", 300, "warp_us", 2000,
                                    "warp_limit_us", 1000), 0, &e);
    json_t *s = json_object_get(r, "sched");
    assert_int_equal(json_integer_value(json_object_get(s, "weight")), 300);
    assert_int_equal(json_integer_value(json_object_get(s, "warp_us")), 2000);
    assert_true(json_integer_value(json_object_get(s, "run_ns")) > 0);
    json_decref(r);
    struct sched_params p;
    assert_int_equal(cell_get_params(c, vm, &p), 0);
    assert_int_equal(p.weight, 300);
    assert_int_equal(p.warp_limit_ns, 1000000);

    ask(path, json_pack("{s:s,s:i}", "cmd", "sched", "weight", 0), -1, &e);
    assert_int_equal(e.status, 409);
    assert_non_null(strstr(e.message, "out of range"));
    ask(path, json_pack("{s:s,s:s}", "cmd", "sched", "weight", "lots"), -1, &e);
    assert_non_null(strstr(e.message, "'weight' must be an integer"));
    assert_int_equal(cell_get_params(c, vm, &p), 0);
    assert_int_equal(p.weight, 300); /* unchanged */

    r = ask(path, json_pack("{s:s}", "cmd", "pause"), 0, &e);
    json_decref(r);
    r = ask(path, json_pack("{s:s}", "cmd", "stats"), 0, &e);
    json_t *st = json_object_get(r, "stats");
    assert_true(json_is_true(json_object_get(st, "paused")));
    assert_true(json_integer_value(json_object_get(st, "run_ns")) > 0);
    assert_int_equal(json_integer_value(json_object_get(st, "mem_bytes")), 2 << 20);
    json_decref(r);
    r = ask(path, json_pack("{s:s}", "cmd", "resume"), 0, &e);
    json_decref(r);
    int runs = atomic_load(&f->runs);
    assert_true(wait_for(&f->runs, runs + 2));

    r = ask(path, json_pack("{s:s}", "cmd", "shutdown"), 0, &e);
    json_decref(r);
    assert_int_equal(cell_vm_end(vm), CELL_VM_SHUT_DOWN);
    assert_int_equal(cell_wait(c, 1000), 0);
    ask(path, json_pack("{s:s}", "cmd", "sched"), -1, &e); /* ended */
    cell_control_stop(cc, &vc, 1);
    assert_int_equal(access(path, F_OK), -1); /* the socket is gone */
    cell_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wake_hook_replaces_the_wake_fd),
        cmocka_unit_test(weights_share_the_cpu),
        cmocka_unit_test(blocked_domain_runs_only_on_its_event),
        cmocka_unit_test(deadline_raises_the_timer_event),
        cmocka_unit_test(crash_ends_only_its_domain),
        cmocka_unit_test(pause_resume_and_params_at_run_time),
        cmocka_unit_test(full_cell_and_bad_params_are_refused),
        cmocka_unit_test(doorbell_kick_drains_the_console),
        cmocka_unit_test(shutdown_ends_one_domain),
        cmocka_unit_test(control_channel_of_a_cell_domain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
