/*
 * Where and how a VM runs, behind one interface.  The control program's
 * policy (registry, states, API) only talks to this; today's implementation
 * runs each VM in its own `mica run` process (vm_backend_process.c), and a
 * later one will place many PV VMs in one "cell" process.  What a backend
 * needs to find a VM again is its own business: it returns it as JSON text
 * (`runtime`), which the registry stores without looking inside.
 */
#ifndef MICA_CP_VM_BACKEND_H
#define MICA_CP_VM_BACKEND_H

#include "ctl/cp_error.h"
#include "cp/registry.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* How a VM ended, as found by probe(). */
struct vm_end {
    enum vm_state state; /* VM_SHUTDOWN or VM_CRASHED          */
    int exit_code;       /* guest exit code, -1 when none       */
    char *report;        /* crash report (malloc'd) or NULL     */
    char event[160];     /* one line for the history            */
};

struct vm_backend {
    const char *name;
    /* Starts vm; on success *runtime is malloc'd JSON text.  inputs[0..n)
     * are the files the definition names, already opened with the owner's
     * rights, in vm_inputs.h's order (image or kernel, initrd, disks): the
     * VM gets these descriptors and never opens those paths itself. */
    int (*spawn)(struct vm_backend *b, const struct vm_record *vm, const int *inputs,
                 size_t n_inputs, char **runtime, struct cp_error *err);
    int (*pause)(struct vm_backend *b, const struct vm_record *vm, struct cp_error *err);
    /* Saves the VM into fd (opened with its owner's rights); it ends after
     * unless keep_running (a snapshot). */
    int (*save)(struct vm_backend *b, const struct vm_record *vm, int fd, bool keep_running,
                struct cp_error *err);
    int (*resume)(struct vm_backend *b, const struct vm_record *vm, struct cp_error *err);
    /* Sets the VM's balloon target (pages of 4 KiB); the VM checks it. */
    int (*mem_set)(struct vm_backend *b, const struct vm_record *vm, uint64_t pages,
                   struct cp_error *err);
    /* Asks the VM to end; it is gone when watch_fd() fires. */
    int (*shutdown)(struct vm_backend *b, const struct vm_record *vm, struct cp_error *err);
    /* Ends the VM now; it is gone when this returns 0. */
    int (*destroy)(struct vm_backend *b, const struct vm_record *vm, struct cp_error *err);
    /* Adds usage to `into`: always cpu_ns and rss_bytes; with `detailed`,
     * what the VMM itself counts (exits, hypercalls, blocked...). */
    void (*stats)(struct vm_backend *b, const struct vm_record *vm, bool detailed,
                  json_t *into);
    /* Where a viewer connects for the console: {"socket": path}. */
    int (*console)(struct vm_backend *b, const struct vm_record *vm, json_t **endpoint,
                   struct cp_error *err);
    /* Path of the VM's output log, or NULL. */
    char *(*log_path)(struct vm_backend *b, const struct vm_record *vm);
    /* 1 when the VM still runs (*runtime may be refreshed, malloc'd or NULL);
     * 0 when it ended, with *end filled. */
    int (*probe)(struct vm_backend *b, const struct vm_record *vm, char **runtime,
                 struct vm_end *end);
    /* A descriptor that becomes readable when the VM ends, or -1. */
    int (*watch_fd)(struct vm_backend *b, const struct vm_record *vm);
    /* Removes what the backend kept for a deleted VM. */
    void (*forget)(struct vm_backend *b, const struct vm_record *vm);
    void (*close)(struct vm_backend *b);
};

/* The process-per-VM backend: runs `VMM run GUEST --name N --mem M
 * --control SOCK -- ARGS` detached (its own session), with output in
 * STATE_DIR/vms/ID/log.  vmm is the mica binary (or a test stand-in). */
struct vm_backend *vm_backend_process_new(const char *vmm, const char *state_dir);

/* Caps each VM's log at bytes_per_file, plus one rotated file of as much
 * (log.1); the default is LOG_ROTATE_DEFAULT_BYTES. */
void vm_backend_process_limit_logs(struct vm_backend *b, uint64_t bytes_per_file);

#endif
