#include "cp/vm_manager.h"

#include "cp/cp_log.h"
#include "cp/vm_inputs.h"
#include "snap/pv_snap.h"
#include "cp/vm_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* A few VM ids (reboots pending, VMs found live): a growing array. */
struct id_set {
    int64_t *ids;
    size_t n, cap;
};

static void id_set_add(struct id_set *set, int64_t id)
{
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        int64_t *ids = realloc(set->ids, cap * sizeof *ids);
        if (!ids)
            return;
        set->ids = ids;
        set->cap = cap;
    }
    set->ids[set->n++] = id;
}

/* Removes id; true when it was there. */
static bool id_set_take(struct id_set *set, int64_t id)
{
    for (size_t i = 0; i < set->n; i++) {
        if (set->ids[i] == id) {
            set->ids[i] = set->ids[--set->n];
            return true;
        }
    }
    return false;
}

static void id_set_clear(struct id_set *set)
{
    free(set->ids);
    memset(set, 0, sizeof *set);
}

struct vm_manager {
    struct registry *reg;
    struct vm_backend *backend;
    int watch_epoll; /* pidfds (or the like) of live VMs, data = id << 32 | fd */
    pthread_mutex_t lock;
    struct mem_policy mem;
    struct id_set reboots; /* VMs asked to reboot: started again when they end */
    struct vm_manager_counters counters;
    void (*on_event)(void *arg); /* told after every event recorded */
    void *on_event_arg;
};

struct vm_manager *vm_manager_new(struct registry *reg, struct vm_backend *backend)
{
    struct vm_manager *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->reg = reg;
    m->mem = (struct mem_policy){.host_mib = mem_host_total_mib(), .ratio = MEM_OVERCOMMIT_DEFAULT};
    m->backend = backend;
    m->watch_epoll = epoll_create1(EPOLL_CLOEXEC);
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void vm_manager_free(struct vm_manager *m)
{
    if (!m)
        return;
    id_set_clear(&m->reboots);
    close(m->watch_epoll);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

int vm_manager_watch_fd(struct vm_manager *m)
{
    return m->watch_epoll;
}

static void watch_vm(struct vm_manager *m, const struct vm_record *vm)
{
    int fd = m->backend->watch_fd(m->backend, vm);
    if (fd < 0)
        return;
    struct epoll_event ev = {.events = EPOLLIN,
                             .data.u64 = (uint64_t)vm->id << 32 | (uint32_t)fd};
    if (epoll_ctl(m->watch_epoll, EPOLL_CTL_ADD, fd, &ev) < 0)
        close(fd);
}

static void notify(struct vm_manager *m)
{
    if (m->on_event)
        m->on_event(m->on_event_arg);
}

/* Accounting (docs/memory.md): the maximum from the definition; what the
 * VM holds and its balloon target from the VMM's own figures (detailed
 * requests only, null otherwise); pages KSM merged from /proc. */
static json_t *memory_json(const struct vm_record *vm, json_t *stats)
{
    json_t *cur = json_object_get(stats, "mem_current_bytes");
    json_t *target = json_object_get(stats, "mem_target_bytes");
    json_t *shared = json_object_get(stats, "shared_bytes");
    return json_pack("{s:I,s:o,s:o,s:o}", "max_mib", (json_int_t)vm->mem_mib,
                     "current_mib", cur ? json_integer(json_integer_value(cur) >> 20) : json_null(),
                     "target_mib", target ? json_integer(json_integer_value(target) >> 20) : json_null(),
                     "shared_mib", shared ? json_real((double)json_integer_value(shared) / 1048576.0)
                                          : json_null());
}

static void count_state(struct vm_manager_counters *c, enum vm_state state)
{
    c->starts += state == VM_STARTING;
    c->crashes += state == VM_CRASHED;
}

/* ---- JSON views ------------------------------------------------------------ */

static json_t *vm_to_json(struct vm_manager *m, const struct vm_record *vm, bool detailed)
{
    json_t *stats = json_object();
    if (vm_state_is_live(vm->state))
        m->backend->stats(m->backend, vm, detailed, stats);
    bool blocked = json_is_true(json_object_get(stats, "blocked"));
    char letter[2] = {vm_state_letter(vm->state, blocked), '\0'};
    json_t *j = vm_spec_from_record(vm);
    json_object_update_new(
        j, json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:o}", "id", (json_int_t)vm->id, "state",
                     vm_state_name(vm->state), "state_letter", letter, "backend",
                     vm->backend ? vm->backend : "process", "created_ns",
                     (json_int_t)vm->created_ns, "changed_ns", (json_int_t)vm->changed_ns,
                     "stats", stats));
    json_object_set_new(j, "owner_uid", json_integer((json_int_t)vm->owner_uid));
    json_object_set_new(j, "owner_gid", json_integer((json_int_t)vm->owner_gid));
    json_object_set_new(j, "memory", memory_json(vm, stats));
    bool up = vm_state_is_live(vm->state) && vm->started_ns > 0;
    json_object_set_new(j, "started_ns", vm->started_ns ? json_integer(vm->started_ns) : json_null());
    json_object_set_new(j, "uptime_ns", json_integer(up ? cp_now_ns() - vm->started_ns : 0));
    json_object_set_new(j, "exit_code", vm->exit_code >= 0 ? json_integer(vm->exit_code)
                                                           : json_null());
    return j;
}

struct list_ctx {
    struct vm_manager *m;
    const struct cp_user *who;
    bool detailed;
    const struct vm_filter *filter;
    json_t *array;
};

bool vm_filter_matches(const struct vm_filter *f, const struct vm_record *vm)
{
    if (f->states && !(f->states & 1u << vm->state))
        return false;
    return !f->name_glob || fnmatch(f->name_glob, vm->name, 0) == 0;
}

/* A user who is not an administrator sees only their own VMs. */
static void add_to_list(const struct vm_record *vm, void *arg)
{
    struct list_ctx *ctx = arg;
    if (vm_access_allowed(ctx->who, vm) && vm_filter_matches(ctx->filter, vm))
        json_array_append_new(ctx->array, vm_to_json(ctx->m, vm, ctx->detailed));
}

json_t *vm_manager_list(struct vm_manager *m, const struct cp_user *who, bool detailed,
                        const struct vm_filter *filter, struct cp_error *err)
{
    static const struct vm_filter everything = {0, NULL};
    struct list_ctx ctx = {m, who, detailed, filter ? filter : &everything, json_array()};
    pthread_mutex_lock(&m->lock);
    int rc = registry_for_each(m->reg, add_to_list, &ctx, err);
    pthread_mutex_unlock(&m->lock);
    if (rc < 0) {
        json_decref(ctx.array);
        return NULL;
    }
    return json_pack("{s:o}", "vms", ctx.array);
}

static void add_event(int64_t time_ns, const char *text, void *arg)
{
    json_array_append_new(arg, json_pack("{s:I,s:s}", "time_ns", (json_int_t)time_ns, "event",
                                         text));
}

/* The VM named `name` when `who` may use it; 404 or 403 otherwise. */
static int get_allowed(struct vm_manager *m, const char *name, const struct cp_user *who,
                       struct vm_record *vm, struct cp_error *err)
{
    if (registry_get(m->reg, name, vm, err) < 0)
        return -1;
    if (vm_access_check(who, vm, err) == 0)
        return 0;
    vm_record_free(vm);
    return -1;
}

json_t *vm_manager_info(struct vm_manager *m, const char *name, const struct cp_user *who,
                        struct cp_error *err)
{
    struct vm_record vm;
    json_t *j = NULL;
    pthread_mutex_lock(&m->lock);
    if (get_allowed(m, name, who, &vm, err) == 0) {
        j = vm_to_json(m, &vm, true);
        json_t *events = json_array();
        registry_events(m->reg, vm.id, 20, add_event, events, err);
        json_object_set_new(j, "events", events);
        json_object_set_new(j, "crash_report",
                            vm.crash_report ? json_string(vm.crash_report) : json_null());
        vm_record_free(&vm);
    }
    pthread_mutex_unlock(&m->lock);
    return j;
}

/* A VM continued from a snapshot takes its size from the file, which is
 * checked here (header, table, state) before anything is recorded. */
static int describe_snapshot(struct vm_record *vm, int fd, struct cp_error *err)
{
    struct pv_snap_info info;
    char why[512];
    if (pv_snap_describe(fd, vm->guest, &info, why, sizeof why) < 0)
        return cp_fail(err, 400, "%s", why);
    vm->mem_mib = (uint32_t)info.mem_mib;
    return 0;
}

/* Every file the definition names must open with the client's rights: a
 * root daemon must not read or write for a client what it could not. */
json_t *vm_manager_create(struct vm_manager *m, json_t *spec, const struct cp_user *who,
                          struct cp_error *err)
{
    struct vm_record vm;
    struct vm_inputs inputs;
    json_t *j = NULL;
    if (vm_spec_parse(spec, &vm, err) < 0 || vm_inputs_open(&vm, who, &inputs, err) < 0) {
        vm_record_free(&vm);
        return NULL;
    }
    int checked = vm_inputs_check(&vm, &inputs, err);
    if (checked == 0 && vm_kind_from_snapshot(vm.kind))
        checked = describe_snapshot(&vm, inputs.fd[0], err);
    vm_inputs_close(&inputs);
    if (checked < 0) {
        vm_record_free(&vm);
        return NULL;
    }
    vm.owner_uid = who->uid;
    vm.owner_gid = who->gid;
    pthread_mutex_lock(&m->lock);
    if (registry_create(m->reg, &vm, err) == 0) {
        cp_log("vm %s (id %lld): created by uid %u", vm.name, (long long)vm.id,
               (unsigned)vm.owner_uid);
        notify(m);
        j = vm_to_json(m, &vm, false);
    }
    pthread_mutex_unlock(&m->lock);
    vm_record_free(&vm);
    return j;
}

/* ---- state changes ----------------------------------------------------------- */

/* Moves vm to `state`, recording `event`; the runtime/exit fields as set. */
static int record(struct vm_manager *m, struct vm_record *vm, enum vm_state state,
                  const char *event, struct cp_error *err)
{
    vm->state = state;
    if (registry_set_state(m->reg, vm, event, err) < 0)
        return -1;
    cp_log("vm %s (id %lld): %s -> %s", vm->name, (long long)vm->id, event,
           vm_state_name(state));
    count_state(&m->counters, state);
    notify(m);
    return 0;
}

static void set_text(char **field, char *value)
{
    free(*field);
    *field = value;
}

static int start_with(struct vm_manager *m, struct vm_record *vm, const int *inputs,
                      size_t n_inputs, struct cp_error *err)
{
    set_text(&vm->runtime, NULL);
    set_text(&vm->crash_report, NULL);
    vm->exit_code = -1;
    /* Recorded first: a daemon killed during the spawn finds "starting"
     * and settles it from what the backend left behind. */
    if (record(m, vm, VM_STARTING, "start requested", err) < 0)
        return -1;
    char *runtime = NULL;
    if (m->backend->spawn(m->backend, vm, inputs, n_inputs, &runtime, err) < 0) {
        struct cp_error ignored;
        set_text(&vm->crash_report, strdup(err->message));
        record(m, vm, VM_CRASHED, "start failed", &ignored);
        return -1;
    }
    set_text(&vm->runtime, runtime);
    vm->started_ns = cp_now_ns();
    if (record(m, vm, VM_RUNNING, "started", err) < 0) {
        struct cp_error ignored;
        m->backend->destroy(m->backend, vm, &ignored); /* never leave an unrecorded VM */
        return -1;
    }
    watch_vm(m, vm);
    return 0;
}

/* The files are opened again, with the owner's rights (one may have been
 * swapped since create), before anything is recorded: a refusal leaves
 * the VM as it was.  The VMM gets them as descriptors. */
static void add_live_mib(const struct vm_record *vm, void *arg)
{
    if (vm_state_is_live(vm->state))
        *(uint64_t *)arg += vm->mem_mib;
}

/* Overcommit (cp/mem_policy.h): the live VMs' maxima plus this one's. */
static int admit_memory(struct vm_manager *m, const struct vm_record *vm, struct cp_error *err)
{
    uint64_t live = 0;
    if (registry_for_each(m->reg, add_live_mib, &live, err) < 0)
        return -1;
    char why[512];
    if (mem_policy_admit(&m->mem, vm->name, live, vm->mem_mib, why, sizeof why) < 0)
        return cp_fail(err, 409, "%s", why);
    return 0;
}

void vm_manager_set_memory_policy(struct vm_manager *m, const struct mem_policy *p)
{
    pthread_mutex_lock(&m->lock);
    m->mem = *p;
    pthread_mutex_unlock(&m->lock);
}

json_t *vm_manager_memory(struct vm_manager *m)
{
    uint64_t live = 0;
    struct cp_error err;
    pthread_mutex_lock(&m->lock);
    registry_for_each(m->reg, add_live_mib, &live, &err);
    json_t *j = json_pack("{s:I,s:f,s:I,s:I}", "host_mib", (json_int_t)m->mem.host_mib,
                          "overcommit", m->mem.ratio, "limit_mib",
                          (json_int_t)mem_policy_limit_mib(&m->mem), "committed_mib",
                          (json_int_t)live);
    pthread_mutex_unlock(&m->lock);
    return j;
}

static int do_start(struct vm_manager *m, struct vm_record *vm, struct cp_error *err)
{
    if (admit_memory(m, vm, err) < 0)
        return -1;
    struct cp_user owner = {vm->owner_uid, vm->owner_gid};
    struct vm_inputs inputs;
    if (vm_inputs_open(vm, &owner, &inputs, err) < 0)
        return -1;
    struct cp_error why;
    int rc = vm_inputs_check(vm, &inputs, &why);
    if (rc < 0)
        cp_fail(err, 400, "cannot start VM '%s': %s (it changed since create)", vm->name,
                why.message);
    else
        rc = start_with(m, vm, inputs.fd, inputs.n, err);
    vm_inputs_close(&inputs);
    return rc;
}

static int do_destroy(struct vm_manager *m, struct vm_record *vm, struct cp_error *err)
{
    if (m->backend->destroy(m->backend, vm, err) < 0)
        return -1;
    set_text(&vm->runtime, NULL);
    return record(m, vm, VM_SHUTDOWN, "destroyed", err);
}

static const char *action_name(enum vm_action a)
{
    static const char *const names[] = {"start",   "pause",  "resume", "shutdown",
                                        "destroy", "reboot", "reset"};
    return names[a];
}

/* The state an action requires, as a bit set over enum vm_state. */
static unsigned allowed_from(enum vm_action a)
{
    switch (a) {
    case VM_START: return 1u << VM_DEFINED | 1u << VM_SHUTDOWN | 1u << VM_CRASHED;
    case VM_PAUSE: return 1u << VM_RUNNING;
    case VM_RESUME: return 1u << VM_PAUSED;
    case VM_SHUTDOWN_REQ: return 1u << VM_RUNNING | 1u << VM_PAUSED;
    case VM_DESTROY:
        return 1u << VM_STARTING | 1u << VM_RUNNING | 1u << VM_PAUSED | 1u << VM_STOPPING;
    case VM_REBOOT: return 1u << VM_RUNNING | 1u << VM_PAUSED;
    case VM_RESET: return 1u << VM_RUNNING | 1u << VM_PAUSED | 1u << VM_STOPPING;
    }
    return 0;
}

/* What a request that the VM answers itself (pause, resume, shutdown)
 * leads to, once the VM has said yes. */
static enum vm_state state_after(enum vm_action a, const char **event)
{
    switch (a) {
    case VM_PAUSE: *event = "paused"; return VM_PAUSED;
    case VM_RESUME: *event = "resumed"; return VM_RUNNING;
    case VM_REBOOT: *event = "reboot requested"; return VM_STOPPING;
    default: *event = "shutdown requested"; return VM_STOPPING;
    }
}

static int ask_vm(struct vm_backend *b, const struct vm_record *vm, enum vm_action a,
                  struct cp_error *err)
{
    switch (a) {
    case VM_PAUSE: return b->pause(b, vm, err);
    case VM_RESUME: return b->resume(b, vm, err);
    default: return b->shutdown(b, vm, err);
    }
}

/* Asks the VM over its control channel without holding the lock (called
 * and returns with it held): a VM slow to answer must not stop every other
 * request.  The state is recorded only if nobody changed the VM meanwhile. */
static int act_via_control(struct vm_manager *m, struct vm_record *vm, enum vm_action a,
                           struct cp_error *err)
{
    int64_t seen = vm->changed_ns;
    enum vm_state seen_state = vm->state;
    pthread_mutex_unlock(&m->lock);
    int rc = ask_vm(m->backend, vm, a, err);
    pthread_mutex_lock(&m->lock);
    if (rc < 0)
        return -1;
    struct vm_record now;
    if (registry_get_by_id(m->reg, vm->id, &now, err) < 0)
        return -1;
    bool unchanged = now.changed_ns == seen && now.state == seen_state;
    vm_record_free(vm);
    *vm = now;
    if (!unchanged)
        return cp_fail(err, 409, "VM '%s' changed while asked to %s: it is now %s", vm->name,
                       action_name(a), vm_state_name(vm->state));
    const char *event;
    enum vm_state next = state_after(a, &event);
    return record(m, vm, next, event, err);
}

/* A reboot is a shutdown request whose end starts the VM again (settle()).
 * Kept in memory only: a daemon restarted meanwhile leaves it shut down. */
static int do_reboot(struct vm_manager *m, struct vm_record *vm, struct cp_error *err)
{
    id_set_add(&m->reboots, vm->id);
    if (act_via_control(m, vm, VM_REBOOT, err) == 0)
        return 0;
    /* Not pending any more: the VM ended while the lock was let go, and
     * settle() has started it again. */
    return id_set_take(&m->reboots, vm->id) ? -1 : 0;
}

static int perform(struct vm_manager *m, struct vm_record *vm, enum vm_action a,
                   struct cp_error *err)
{
    switch (a) {
    case VM_START: return do_start(m, vm, err);
    case VM_DESTROY: return do_destroy(m, vm, err);
    case VM_RESET: return do_destroy(m, vm, err) < 0 ? -1 : do_start(m, vm, err);
    case VM_REBOOT: return do_reboot(m, vm, err);
    default: return act_via_control(m, vm, a, err);
    }
}

/* Runs fn on the VM `name` that `who` may use, under the lock; its JSON. */
typedef json_t *(*vm_fn)(struct vm_manager *m, struct vm_record *vm, void *arg,
                         struct cp_error *err);

static json_t *with_allowed_vm(struct vm_manager *m, const char *name, const struct cp_user *who,
                               vm_fn fn, void *arg, struct cp_error *err)
{
    struct vm_record vm;
    pthread_mutex_lock(&m->lock);
    if (get_allowed(m, name, who, &vm, err) < 0) {
        pthread_mutex_unlock(&m->lock);
        return NULL;
    }
    json_t *j = fn(m, &vm, arg, err);
    pthread_mutex_unlock(&m->lock);
    vm_record_free(&vm);
    return j;
}

static json_t *act_on(struct vm_manager *m, struct vm_record *vm, void *arg, struct cp_error *err)
{
    enum vm_action action = *(enum vm_action *)arg;
    if (!(allowed_from(action) & 1u << vm->state)) {
        cp_fail(err, 409, "cannot %s VM '%s': it is %s", action_name(action), vm->name,
                vm_state_name(vm->state));
        return NULL;
    }
    return perform(m, vm, action, err) == 0 ? vm_to_json(m, vm, false) : NULL;
}

json_t *vm_manager_act(struct vm_manager *m, const char *name, const struct cp_user *who,
                       enum vm_action action, struct cp_error *err)
{
    return with_allowed_vm(m, name, who, act_on, &action, err);
}

static json_t *mem_set_on(struct vm_manager *m, struct vm_record *vm, void *arg,
                          struct cp_error *err)
{
    uint64_t target_mib = *(uint64_t *)arg;
    if (vm->state != VM_RUNNING && vm->state != VM_PAUSED) {
        cp_fail(err, 409, "cannot set the memory of VM '%s': it is %s (start it first)", vm->name,
                vm_state_name(vm->state));
        return NULL;
    }
    if (target_mib == 0 || target_mib > vm->mem_mib) {
        cp_fail(err, 400, "cannot set the memory of VM '%s' to %llu MiB: its maximum is %llu MiB",
                vm->name, (unsigned long long)target_mib, (unsigned long long)vm->mem_mib);
        return NULL;
    }
    if (!m->backend->mem_set) {
        cp_fail(err, 409, "VM '%s': its backend cannot set memory", vm->name);
        return NULL;
    }
    /* Without the lock: a VM slow to answer must not stop other requests. */
    pthread_mutex_unlock(&m->lock);
    int rc = m->backend->mem_set(m->backend, vm, target_mib << 8, err);
    pthread_mutex_lock(&m->lock);
    if (rc < 0)
        return NULL;
    cp_log("vm %s (id %lld): memory target %llu MiB", vm->name, (long long)vm->id,
           (unsigned long long)target_mib);
    return vm_to_json(m, vm, true);
}

json_t *vm_manager_mem_set(struct vm_manager *m, const char *name, const struct cp_user *who,
                           uint64_t target_mib, struct cp_error *err)
{
    return with_allowed_vm(m, name, who, mem_set_on, &target_mib, err);
}

/* The save itself, without the lock (a whole memory is written), into the
 * file opened with the client's rights; then the event, if nobody changed
 * the VM meanwhile. */
static int save_unlocked(struct vm_manager *m, struct vm_record *vm, int fd, const char *file,
                         bool keep_running, struct cp_error *err)
{
    int64_t seen = vm->changed_ns;
    pthread_mutex_unlock(&m->lock);
    int rc = m->backend->save ? m->backend->save(m->backend, vm, fd, keep_running, err)
                              : cp_fail(err, 409, "this backend cannot save VMs");
    pthread_mutex_lock(&m->lock);
    struct vm_record now;
    if (rc < 0 || registry_get(m->reg, vm->name, &now, err) < 0)
        return -1;
    vm_record_free(vm);
    *vm = now;
    if (vm->changed_ns != seen)
        return 0; /* it changed (ended, say): what it became is recorded already */
    char event[256];
    snprintf(event, sizeof event, "%s to %.200s", keep_running ? "snapshot saved" : "saved", file);
    return record(m, vm, keep_running ? vm->state : VM_STOPPING, event, err);
}

json_t *vm_manager_save(struct vm_manager *m, const char *name, const struct cp_user *who,
                        const char *file, bool keep_running, struct cp_error *err)
{
    struct vm_record vm;
    json_t *j = NULL;
    if (!file || file[0] != '/')
        return cp_fail(err, 400, "'file' must be the absolute path of the snapshot file"), NULL;
    struct file_request fr = {"snapshot file", file, true};
    int fd = -1;
    pthread_mutex_lock(&m->lock);
    if (get_allowed(m, name, who, &vm, err) < 0) {
        pthread_mutex_unlock(&m->lock);
        return NULL;
    }
    if (vm.kind == VM_KIND_LINUX)
        cp_fail(err, 409, "cannot save VM '%s': saving full-virtualization VMs is not "
                "supported yet", name);
    else if (vm.state != VM_RUNNING && vm.state != VM_PAUSED)
        cp_fail(err, 409, "cannot save VM '%s': it is %s", name, vm_state_name(vm.state));
    else if (open_as_user(who, &fr, 1, &fd, err) == 0 &&
             save_unlocked(m, &vm, fd, file, keep_running, err) == 0)
        j = vm_to_json(m, &vm, false);
    if (fd >= 0)
        close(fd);
    pthread_mutex_unlock(&m->lock);
    vm_record_free(&vm);
    return j;
}

int vm_manager_delete(struct vm_manager *m, const char *name, const struct cp_user *who,
                      struct cp_error *err)
{
    struct vm_record vm;
    int rc = -1;
    pthread_mutex_lock(&m->lock);
    if (get_allowed(m, name, who, &vm, err) == 0) {
        if (vm_state_is_live(vm.state))
            cp_fail(err, 409, "cannot delete VM '%s': it is %s (shut it down or destroy it first)",
                    name, vm_state_name(vm.state));
        else if ((rc = registry_delete(m->reg, vm.id, err)) == 0) {
            m->backend->forget(m->backend, &vm);
            cp_log("vm %s (id %lld): deleted", vm.name, (long long)vm.id);
        }
        vm_record_free(&vm);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

json_t *vm_manager_console(struct vm_manager *m, const char *name, const struct cp_user *who,
                           struct cp_error *err)
{
    struct vm_record vm;
    json_t *endpoint = NULL;
    pthread_mutex_lock(&m->lock);
    if (get_allowed(m, name, who, &vm, err) == 0) {
        if (vm.state != VM_RUNNING && vm.state != VM_PAUSED)
            cp_fail(err, 409, "VM '%s' has no console: it is %s", name, vm_state_name(vm.state));
        else
            m->backend->console(m->backend, &vm, &endpoint, err);
        vm_record_free(&vm);
    }
    pthread_mutex_unlock(&m->lock);
    return endpoint;
}

int vm_manager_log(struct vm_manager *m, const char *name, const struct cp_user *who,
                   uint64_t tail, struct log_tail *out, struct cp_error *err)
{
    struct vm_record vm;
    int rc = -1;
    out->fd[0] = out->fd[1] = -1;
    out->len[0] = out->len[1] = 0;
    pthread_mutex_lock(&m->lock);
    if (get_allowed(m, name, who, &vm, err) == 0) {
        char *path = m->backend->log_path(m->backend, &vm);
        rc = path ? log_tail_open(path, tail, out) : 0;
        if (rc < 0)
            cp_fail(err, 500, "cannot read the log of VM '%s': %s", name, strerror(-rc));
        free(path);
        vm_record_free(&vm);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* ---- VMs that end on their own ------------------------------------------------ */

/* Checks a live VM against reality: records its end, or keeps watching. */
static void settle(struct vm_manager *m, struct vm_record *vm, bool rewatch)
{
    char *runtime = NULL;
    struct vm_end end;
    struct cp_error err;
    if (m->backend->probe(m->backend, vm, &runtime, &end) == 1) {
        if (runtime || vm->state == VM_STARTING) {
            if (runtime)
                set_text(&vm->runtime, runtime);
            record(m, vm, VM_RUNNING, "found running", &err);
        }
        if (rewatch)
            watch_vm(m, vm);
        return;
    }
    set_text(&vm->runtime, NULL);
    set_text(&vm->crash_report, end.report);
    vm->exit_code = end.exit_code;
    if (record(m, vm, end.state, end.event, &err) < 0)
        cp_log("vm %s (id %lld): cannot record its end: %s", vm->name, (long long)vm->id,
               err.message);
    else if (id_set_take(&m->reboots, vm->id) && vm->state == VM_SHUTDOWN &&
             do_start(m, vm, &err) < 0)
        cp_log("vm %s (id %lld): cannot start again after its reboot: %s", vm->name,
               (long long)vm->id, err.message);
}

void vm_manager_on_vm_ended(struct vm_manager *m)
{
    struct epoll_event events[64];
    int n = epoll_wait(m->watch_epoll, events, 64, 0);
    for (int i = 0; i < n; i++) {
        int64_t id = (int64_t)(events[i].data.u64 >> 32);
        int fd = (int)(uint32_t)events[i].data.u64;
        epoll_ctl(m->watch_epoll, EPOLL_CTL_DEL, fd, NULL);
        close(fd);
        struct vm_record vm;
        struct cp_error err;
        pthread_mutex_lock(&m->lock);
        if (registry_get_by_id(m->reg, id, &vm, &err) == 0) {
            if (vm_state_is_live(vm.state))
                settle(m, &vm, true);
            vm_record_free(&vm);
        }
        pthread_mutex_unlock(&m->lock);
    }
}

/* Which VMs a pass over the registry picks. */
struct pick {
    bool (*wanted)(const struct vm_record *vm);
    struct id_set ids;
};

static void collect_picked(const struct vm_record *vm, void *arg)
{
    struct pick *p = arg;
    if (p->wanted(vm))
        id_set_add(&p->ids, vm->id);
}

/* Calls act() on every VM wanted() picks, each read again by id (an act
 * may change the next one), with the lock held throughout; `what` labels
 * the log line of a registry failure.  Returns how many acts returned
 * true; *picked says how many VMs there were. */
static int for_each_picked(struct vm_manager *m, bool (*wanted)(const struct vm_record *),
                           bool (*act)(struct vm_manager *, struct vm_record *),
                           const char *what, size_t *picked)
{
    struct pick p = {wanted, {0}};
    struct cp_error err;
    int done = 0;
    pthread_mutex_lock(&m->lock);
    if (registry_for_each(m->reg, collect_picked, &p, &err) < 0)
        cp_log("%s: %s", what, err.message);
    for (size_t i = 0; i < p.ids.n; i++) {
        struct vm_record vm;
        if (registry_get_by_id(m->reg, p.ids.ids[i], &vm, &err) < 0)
            continue;
        done += act(m, &vm);
        vm_record_free(&vm);
    }
    pthread_mutex_unlock(&m->lock);
    *picked = p.ids.n;
    id_set_clear(&p.ids);
    return done;
}

static bool is_live(const struct vm_record *vm)
{
    return vm_state_is_live(vm->state);
}

/* True when the VM still runs after its check. */
static bool settle_found(struct vm_manager *m, struct vm_record *vm)
{
    settle(m, vm, true);
    return vm_state_is_live(vm->state);
}

int vm_manager_reconcile(struct vm_manager *m)
{
    size_t were_live;
    int running = for_each_picked(m, is_live, settle_found, "reconcile", &were_live);
    cp_log("reconcile: %zu VMs were live, %d still run", were_live, running);
    return running;
}

/* ---- settings, definitions, autostart, events ---------------------------------- */

/* {"name": NEW} renames; {"autostart": BOOL} sets the flag.  The VM's
 * processes keep the name they were started with (in `ps`) until the next
 * start; everything the daemon keeps of a VM goes by its id. */
static int apply_settings(struct vm_record *vm, json_t *changes, char *event, size_t len,
                          struct cp_error *err)
{
    const char *key;
    json_t *value;
    json_object_foreach(changes, key, value) {
        if (strcmp(key, "name") == 0) {
            const char *name = json_string_value(value);
            if (!name || !vm_name_valid(name))
                return cp_fail(err, 400, "'name' must be 1-63 characters of A-Z a-z 0-9 _ . - "
                                         "(not starting with . or -)");
            snprintf(event, len, "renamed from %s to %s", vm->name, name);
            free(vm->name);
            vm->name = strdup(name);
        } else if (strcmp(key, "autostart") == 0) {
            if (!json_is_boolean(value))
                return cp_fail(err, 400, "'autostart' must be true or false");
            vm->autostart = json_is_true(value);
            snprintf(event, len, "autostart %s", vm->autostart ? "on" : "off");
        } else {
            return cp_fail(err, 400, "'%s' cannot be changed (only name and autostart)", key);
        }
    }
    return 0;
}

json_t *vm_manager_update(struct vm_manager *m, const char *name, const struct cp_user *who,
                          json_t *changes, struct cp_error *err)
{
    if (!json_is_object(changes) || json_object_size(changes) != 1) {
        cp_fail(err, 400, "send one change: {\"name\": NEW} or {\"autostart\": BOOL}");
        return NULL;
    }
    struct vm_record vm;
    json_t *j = NULL;
    char event[192] = "";
    pthread_mutex_lock(&m->lock);
    if (get_allowed(m, name, who, &vm, err) == 0) {
        if (apply_settings(&vm, changes, event, sizeof event, err) == 0 &&
            registry_set_settings(m->reg, &vm, event, err) == 0) {
            cp_log("vm %s (id %lld): %s", vm.name, (long long)vm.id, event);
            notify(m);
            j = vm_to_json(m, &vm, false);
        }
        vm_record_free(&vm);
    }
    pthread_mutex_unlock(&m->lock);
    return j;
}

json_t *vm_manager_definition(struct vm_manager *m, const char *name, const struct cp_user *who,
                              struct cp_error *err)
{
    struct vm_record vm;
    json_t *j = NULL;
    pthread_mutex_lock(&m->lock);
    if (get_allowed(m, name, who, &vm, err) == 0) {
        j = vm_spec_definition(&vm);
        vm_record_free(&vm);
    }
    pthread_mutex_unlock(&m->lock);
    return j;
}

static bool autostart_due(const struct vm_record *vm)
{
    return vm->autostart && !vm_state_is_live(vm->state);
}

static bool autostart_one(struct vm_manager *m, struct vm_record *vm)
{
    struct cp_error err;
    if (do_start(m, vm, &err) == 0)
        return true;
    cp_log("autostart: vm %s (id %lld): %s", vm->name, (long long)vm->id, err.message);
    return false;
}

int vm_manager_autostart(struct vm_manager *m)
{
    size_t due;
    int started = for_each_picked(m, autostart_due, autostart_one, "autostart", &due);
    if (due)
        cp_log("autostart: %d of %zu VMs started", started, due);
    return started;
}

struct events_ctx {
    const struct cp_user *who;
    const char *name_glob;
    json_t *array;
    int64_t last;
};

static void add_visible_event(const struct vm_event_row *row, void *arg)
{
    struct events_ctx *ctx = arg;
    struct vm_record owner = {.name = (char *)row->vm_name, .owner_uid = row->owner_uid};
    ctx->last = row->id;
    if (vm_access_allowed(ctx->who, &owner) &&
        (!ctx->name_glob || fnmatch(ctx->name_glob, row->vm_name, 0) == 0))
        json_array_append_new(ctx->array,
                              json_pack("{s:I,s:s,s:I,s:I,s:s}", "id", (json_int_t)row->id, "vm",
                                        row->vm_name, "vm_id", (json_int_t)row->vm_id,
                                        "time_ns", (json_int_t)row->time_ns, "event",
                                        row->text));
}

json_t *vm_manager_events(struct vm_manager *m, const struct cp_user *who, int64_t after,
                          int limit, const char *name_glob, struct cp_error *err)
{
    struct events_ctx ctx = {who, name_glob, json_array(), after};
    pthread_mutex_lock(&m->lock);
    if (after < 0)
        ctx.last = registry_last_event(m->reg);
    int rc = after < 0 ? 0 : registry_events_after(m->reg, after, limit, add_visible_event, &ctx, err);
    pthread_mutex_unlock(&m->lock);
    if (rc < 0) {
        json_decref(ctx.array);
        return NULL;
    }
    return json_pack("{s:o,s:I}", "events", ctx.array, "last", (json_int_t)ctx.last);
}

void vm_manager_on_event(struct vm_manager *m, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&m->lock);
    m->on_event = fn;
    m->on_event_arg = arg;
    pthread_mutex_unlock(&m->lock);
}

struct vm_manager_counters vm_manager_counters(struct vm_manager *m)
{
    pthread_mutex_lock(&m->lock);
    struct vm_manager_counters c = m->counters;
    pthread_mutex_unlock(&m->lock);
    return c;
}
