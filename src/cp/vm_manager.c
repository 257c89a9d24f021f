#include "cp/vm_manager.h"

#include "cp/cp_log.h"
#include "cp/vm_inputs.h"
#include "snap/pv_snap.h"
#include "cp/vm_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

struct vm_manager {
    struct registry *reg;
    struct vm_backend *backend;
    int watch_epoll; /* pidfds (or the like) of live VMs, data = id << 32 | fd */
    pthread_mutex_t lock;
};

struct vm_manager *vm_manager_new(struct registry *reg, struct vm_backend *backend)
{
    struct vm_manager *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->reg = reg;
    m->backend = backend;
    m->watch_epoll = epoll_create1(EPOLL_CLOEXEC);
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void vm_manager_free(struct vm_manager *m)
{
    if (!m)
        return;
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

/* ---- JSON views ------------------------------------------------------------ */

/* What the VM boots: a PV guest's image and arguments, or a linux VM's
 * kernel, initrd, command line and devices. */
static void add_kind_fields(const struct vm_record *vm, json_t *j)
{
    json_object_set_new(j, "kind", json_string(vm_kind_name(vm->kind)));
    if (vm_kind_from_snapshot(vm->kind)) {
        json_object_set_new(j, "snapshot", json_string(vm->guest));
        return;
    }
    if (vm->kind == VM_KIND_PV) {
        json_t *args = json_loads(vm->args ? vm->args : "[]", 0, NULL);
        json_object_set_new(j, "guest", json_string(vm->guest));
        json_object_set_new(j, "args", args ? args : json_array());
        return;
    }
    json_t *disks = json_loads(vm->disks ? vm->disks : "[]", 0, NULL);
    json_object_set_new(j, "kernel", json_string(vm->guest));
    json_object_set_new(j, "initrd", vm->initrd ? json_string(vm->initrd) : json_null());
    json_object_set_new(j, "cmdline", vm->cmdline ? json_string(vm->cmdline) : json_null());
    json_object_set_new(j, "disks", disks ? disks : json_array());
    json_object_set_new(j, "rng", json_boolean(vm->rng));
}

static json_t *vm_to_json(struct vm_manager *m, const struct vm_record *vm, bool detailed)
{
    json_t *stats = json_object();
    if (vm_state_is_live(vm->state))
        m->backend->stats(m->backend, vm, detailed, stats);
    bool blocked = json_is_true(json_object_get(stats, "blocked"));
    char letter[2] = {vm_state_letter(vm->state, blocked), '\0'};
    json_t *j = json_pack("{s:I,s:s,s:i,s:i,s:s,s:s,s:s,s:I,s:I,s:o}", "id",
                          (json_int_t)vm->id, "name", vm->name, "mem_mib", (int)vm->mem_mib,
                          "vcpus", (int)vm->vcpus, "state", vm_state_name(vm->state),
                          "state_letter", letter, "backend", vm->backend ? vm->backend : "process",
                          "created_ns", (json_int_t)vm->created_ns, "changed_ns",
                          (json_int_t)vm->changed_ns, "stats", stats);
    json_object_set_new(j, "owner_uid", json_integer((json_int_t)vm->owner_uid));
    json_object_set_new(j, "owner_gid", json_integer((json_int_t)vm->owner_gid));
    add_kind_fields(vm, j);
    json_object_set_new(j, "exit_code", vm->exit_code >= 0 ? json_integer(vm->exit_code)
                                                           : json_null());
    return j;
}

struct list_ctx {
    struct vm_manager *m;
    const struct cp_user *who;
    bool detailed;
    json_t *array;
};

/* A user who is not an administrator sees only their own VMs. */
static void add_to_list(const struct vm_record *vm, void *arg)
{
    struct list_ctx *ctx = arg;
    if (vm_access_allowed(ctx->who, vm))
        json_array_append_new(ctx->array, vm_to_json(ctx->m, vm, ctx->detailed));
}

json_t *vm_manager_list(struct vm_manager *m, const struct cp_user *who, bool detailed,
                        struct cp_error *err)
{
    struct list_ctx ctx = {m, who, detailed, json_array()};
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
    int described = vm_kind_from_snapshot(vm.kind) ? describe_snapshot(&vm, inputs.fd[0], err) : 0;
    vm_inputs_close(&inputs);
    if (described < 0) {
        vm_record_free(&vm);
        return NULL;
    }
    vm.owner_uid = who->uid;
    vm.owner_gid = who->gid;
    pthread_mutex_lock(&m->lock);
    if (registry_create(m->reg, &vm, err) == 0) {
        cp_log("vm %s (id %lld): created by uid %u", vm.name, (long long)vm.id,
               (unsigned)vm.owner_uid);
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
static int do_start(struct vm_manager *m, struct vm_record *vm, struct cp_error *err)
{
    struct cp_user owner = {vm->owner_uid, vm->owner_gid};
    struct vm_inputs inputs;
    if (vm_inputs_open(vm, &owner, &inputs, err) < 0)
        return -1;
    int rc = start_with(m, vm, inputs.fd, inputs.n, err);
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
    static const char *const names[] = {"start", "pause", "resume", "shutdown", "destroy"};
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
    if (registry_get(m->reg, vm->name, &now, err) < 0)
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

static int perform(struct vm_manager *m, struct vm_record *vm, enum vm_action a,
                   struct cp_error *err)
{
    switch (a) {
    case VM_START: return do_start(m, vm, err);
    case VM_DESTROY: return do_destroy(m, vm, err);
    default: return act_via_control(m, vm, a, err);
    }
}

json_t *vm_manager_act(struct vm_manager *m, const char *name, const struct cp_user *who,
                       enum vm_action action, struct cp_error *err)
{
    struct vm_record vm;
    json_t *j = NULL;
    pthread_mutex_lock(&m->lock);
    if (get_allowed(m, name, who, &vm, err) < 0) {
        pthread_mutex_unlock(&m->lock);
        return NULL;
    }
    if (!(allowed_from(action) & 1u << vm.state))
        cp_fail(err, 409, "cannot %s VM '%s': it is %s", action_name(action), name,
                vm_state_name(vm.state));
    else if (perform(m, &vm, action, err) == 0)
        j = vm_to_json(m, &vm, false);
    pthread_mutex_unlock(&m->lock);
    vm_record_free(&vm);
    return j;
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

struct live_ids {
    int64_t *ids;
    size_t n, cap;
};

static void collect_live(const struct vm_record *vm, void *arg)
{
    struct live_ids *live = arg;
    if (!vm_state_is_live(vm->state))
        return;
    if (live->n == live->cap) {
        size_t cap = live->cap ? live->cap * 2 : 64;
        int64_t *ids = realloc(live->ids, cap * sizeof *ids);
        if (!ids)
            return;
        live->ids = ids;
        live->cap = cap;
    }
    live->ids[live->n++] = vm->id;
}

int vm_manager_reconcile(struct vm_manager *m)
{
    struct live_ids live = {0};
    struct cp_error err;
    int running = 0;
    pthread_mutex_lock(&m->lock);
    if (registry_for_each(m->reg, collect_live, &live, &err) < 0)
        cp_log("reconcile: %s", err.message);
    for (size_t i = 0; i < live.n; i++) {
        struct vm_record vm;
        if (registry_get_by_id(m->reg, live.ids[i], &vm, &err) < 0)
            continue;
        settle(m, &vm, true);
        running += vm_state_is_live(vm.state);
        vm_record_free(&vm);
    }
    pthread_mutex_unlock(&m->lock);
    free(live.ids);
    cp_log("reconcile: %zu VMs were live, %d still run", live.n, running);
    return running;
}
