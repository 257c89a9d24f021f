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
#include "cp/registry.h"
#include "cp/vm_access.h"
#include "cp/vm_backend.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum vm_action { VM_START, VM_PAUSE, VM_RESUME, VM_SHUTDOWN_REQ, VM_DESTROY };

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
                        struct cp_error *err);
json_t *vm_manager_info(struct vm_manager *m, const char *name, const struct cp_user *who,
                        struct cp_error *err);
json_t *vm_manager_create(struct vm_manager *m, json_t *spec, const struct cp_user *who,
                          struct cp_error *err);
json_t *vm_manager_act(struct vm_manager *m, const char *name, const struct cp_user *who,
                       enum vm_action action, struct cp_error *err);
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

#endif
