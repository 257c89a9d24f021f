/*
 * The control program's policy: validates requests, enforces which state
 * changes are allowed, records each one in the registry before and after
 * asking the backend to act, and notices VMs that end on their own.
 * Every entry point is serialised by one lock, so API threads and the
 * daemon's event loop never interleave changes to one VM.
 */
#ifndef MICA_CP_VM_MANAGER_H
#define MICA_CP_VM_MANAGER_H

#include "cp/log_tail.h"
#include "ctl/cp_error.h"
#include "cp/mem_policy.h"
#include "cp/registry.h"
#include "cp/vm_access.h"
#include "cp/vm_backend.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* VM_REBOOT asks the VM to shut down and starts it again once it has
 * ended; VM_RESET destroys it and starts it again at once. */
enum vm_action { VM_START, VM_PAUSE, VM_RESUME, VM_SHUTDOWN_REQ, VM_DESTROY, VM_REBOOT, VM_RESET };

/* Which VMs a list shows. */
struct vm_filter {
    unsigned states;       /* bit set over enum vm_state; 0: every state */
    const char *name_glob; /* fnmatch(3) pattern on the name; NULL: every name */
};
bool vm_filter_matches(const struct vm_filter *f, const struct vm_record *vm);

/* What the daemon counted since it started (for /metrics). */
struct vm_manager_counters {
    uint64_t starts;  /* VMs that entered "starting" */
    uint64_t crashes; /* VMs that ended crashed (or failed to start) */
};

struct vm_manager;

struct vm_manager *vm_manager_new(struct registry *reg, struct vm_backend *backend);
void vm_manager_free(struct vm_manager *m);

/* Settles VMs left in transition by a previous daemon and watches the live
 * ones again.  Returns the number of VMs found running. */
int vm_manager_reconcile(struct vm_manager *m);

/* Readable when a watched VM has ended: then call vm_manager_on_vm_ended(). */
int vm_manager_watch_fd(struct vm_manager *m);
void vm_manager_on_vm_ended(struct vm_manager *m);

/* Each returns new JSON (caller decrefs), or NULL with err filled.  `who`
 * is the client (vm_access.h): list shows a user who is not an
 * administrator only their own VMs; the others answer 403 for a VM that is
 * not theirs.  create opens every file the definition names with who's
 * rights and records who as the VM's owner; start opens them again with
 * the owner's. */
json_t *vm_manager_list(struct vm_manager *m, const struct cp_user *who, bool detailed,
                        const struct vm_filter *filter, struct cp_error *err);
json_t *vm_manager_info(struct vm_manager *m, const char *name, const struct cp_user *who,
                        struct cp_error *err);
json_t *vm_manager_create(struct vm_manager *m, json_t *spec, const struct cp_user *who,
                          struct cp_error *err);
json_t *vm_manager_act(struct vm_manager *m, const char *name, const struct cp_user *who,
                       enum vm_action action, struct cp_error *err);
/* Overcommit (cp/mem_policy.h): replaces the default (MemTotal, x2). */
void vm_manager_set_memory_policy(struct vm_manager *m, const struct mem_policy *p);
/* {"host_mib", "overcommit", "limit_mib", "committed_mib"} (GET /v1/memory). */
json_t *vm_manager_memory(struct vm_manager *m);

/* The balloon target of a running or paused VM, in MiB (1 .. its
 * mem_mib; the VM refuses one below its floor). Returns the VM's JSON. */
json_t *vm_manager_mem_set(struct vm_manager *m, const char *name, const struct cp_user *who,
                           uint64_t target_mib, struct cp_error *err);
json_t *vm_manager_console(struct vm_manager *m, const char *name, const struct cp_user *who,
                           struct cp_error *err);
int vm_manager_delete(struct vm_manager *m, const char *name, const struct cp_user *who,
                      struct cp_error *err);
/* Saves a running or paused PV VM into file, which the client (who) must be
 * able to write (it must exist: the client creates it); the VM ends after
 * unless keep_running (a snapshot). */
json_t *vm_manager_save(struct vm_manager *m, const char *name, const struct cp_user *who,
                        const char *file, bool keep_running, struct cp_error *err);
/* Opens the last `tail` bytes of the VM's output log, to be read with
 * log_tail_read() and closed with log_tail_close(); 0, or -1 with err. */
int vm_manager_log(struct vm_manager *m, const char *name, const struct cp_user *who,
                   uint64_t tail, struct log_tail *out, struct cp_error *err);

/* Renames the VM ({"name": NEW}) or sets its autostart flag
 * ({"autostart": BOOL}): one change per request, recorded as an event. */
json_t *vm_manager_update(struct vm_manager *m, const char *name, const struct cp_user *who,
                          json_t *changes, struct cp_error *err);
/* The VM's definition as POST /v1/vms accepts it (vm_spec_definition). */
json_t *vm_manager_definition(struct vm_manager *m, const char *name, const struct cp_user *who,
                              struct cp_error *err);
/* Starts every VM marked autostart that is not live (at daemon start, after
 * reconciliation); returns how many started.  Failures are logged. */
int vm_manager_autostart(struct vm_manager *m);

/* {"events": [{"id","vm","vm_id","time_ns","event"}...], "last": ID}: the
 * events after id `after` that `who` may see, of VMs whose name matches
 * name_glob (NULL: all), at most `limit` examined, and the id to ask after
 * next time.  after < 0: none, only "last". */
json_t *vm_manager_events(struct vm_manager *m, const struct cp_user *who, int64_t after,
                          int limit, const char *name_glob, struct cp_error *err);
/* fn(arg) is called (with the manager's lock held: it must not call back)
 * after every event is recorded. */
void vm_manager_on_event(struct vm_manager *m, void (*fn)(void *arg), void *arg);

struct vm_manager_counters vm_manager_counters(struct vm_manager *m);

#endif
