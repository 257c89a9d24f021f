/*
 * The registry: every VM definition, its state and its history, in SQLite.
 *
 * Crash safety comes from the database, not from care in the daemon: WAL
 * with synchronous=FULL, and every change in one transaction together with
 * the event that explains it, so SIGKILL at any instant leaves either the
 * old row or the new one.  Where a VM runs is opaque to the registry: the
 * backend that runs it stores what it needs in `runtime` (JSON text), so a
 * later backend (many VMs per "cell" process) needs no schema change.
 */
#ifndef MICA_CP_REGISTRY_H
#define MICA_CP_REGISTRY_H

#include "ctl/cp_error.h"
#include "cp/vm_state.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* PRAGMA user_version of a database this mica wrote (migrations applied). */
#define REGISTRY_SCHEMA_VERSION 3

/* What runs inside: a paravirtualized mica guest (an ELF image) or a
 * full-virtualization PC booting a Linux kernel.  Both are managed alike;
 * only the VMM's command line differs. */
enum vm_kind {
    VM_KIND_PV,
    VM_KIND_LINUX,
    VM_KIND_RESTORE, /* a PV guest continued from a snapshot (guest: the file) */
    VM_KIND_CLONE,   /* the same, its memory mapped copy-on-write from the file */
};

/* Whether a VM of kind k starts from a snapshot file. */
static inline bool vm_kind_from_snapshot(enum vm_kind k)
{
    return k == VM_KIND_RESTORE || k == VM_KIND_CLONE;
}

const char *vm_kind_name(enum vm_kind k);
/* -1 when unknown. */
int vm_kind_parse(const char *name);

struct vm_record {
    int64_t id;
    char *name;
    enum vm_kind kind;
    char *guest;     /* absolute path of the guest image (PV) or kernel (linux) */
    char *args;      /* JSON array of strings (PV)             */
    char *initrd;    /* linux: absolute path or NULL           */
    char *cmdline;   /* linux: kernel command line or NULL (the VMM's default) */
    char *disks;     /* JSON array of {"path","readonly"}      */
    bool rng;        /* linux: a virtio-rng device             */
    uint32_t mem_mib;
    uint32_t vcpus;
    uid_t owner_uid; /* who defined it: only they (and root) manage it */
    gid_t owner_gid; /* their primary group then */
    bool autostart;  /* started when the daemon starts, if not running */
    int64_t started_ns; /* CLOCK_REALTIME when it last started running, 0: unknown */
    enum vm_state state;
    char *backend;   /* "process"                              */
    char *runtime;   /* backend-owned JSON, NULL when not live */
    int exit_code;   /* -1 when none                           */
    char *crash_report;
    int64_t created_ns, changed_ns;
};

struct registry;

/* Opens (creating) the database at path; NULL with err filled on failure. */
struct registry *registry_open(const char *path, struct cp_error *err);
void registry_close(struct registry *r);

/* Inserts vm (state defined); sets vm->id.  409 on a duplicate name. */
int registry_create(struct registry *r, struct vm_record *vm, struct cp_error *err);
/* 404 when there is no such VM. */
int registry_get(struct registry *r, const char *name, struct vm_record *vm,
                 struct cp_error *err);
int registry_get_by_id(struct registry *r, int64_t id, struct vm_record *vm,
                       struct cp_error *err);
/* Calls fn for every VM, in id order, from one query. */
int registry_for_each(struct registry *r, void (*fn)(const struct vm_record *, void *),
                      void *arg, struct cp_error *err);
/* Records a new state with its runtime, exit code, crash report and start
 * time (the row's other fields are kept) and an event line, in one transaction. */
int registry_set_state(struct registry *r, const struct vm_record *vm, const char *event,
                       struct cp_error *err);
int registry_delete(struct registry *r, int64_t id, struct cp_error *err);
/* Records vm's name and autostart flag (what `mica rename` and `mica set`
 * change) with an event line, in one transaction; 409 when the name is
 * taken. */
int registry_set_settings(struct registry *r, const struct vm_record *vm, const char *event,
                          struct cp_error *err);
/* One line of any VM's history, with what deciding who may see it needs. */
struct vm_event_row {
    int64_t id; /* grows with every event recorded */
    int64_t vm_id;
    const char *vm_name;
    uid_t owner_uid;
    int64_t time_ns;
    const char *text;
};
/* Events of every VM after event id `after` (at most `limit`, oldest
 * first).  A deleted VM's events go with it. */
int registry_events_after(struct registry *r, int64_t after, int limit,
                          void (*fn)(const struct vm_event_row *, void *), void *arg,
                          struct cp_error *err);
/* The id of the last event recorded (0 when none). */
int64_t registry_last_event(struct registry *r);
/* The last `limit` events of a VM, oldest first: fn(time_ns, text, arg). */
int registry_events(struct registry *r, int64_t id, int limit,
                    void (*fn)(int64_t, const char *, void *), void *arg,
                    struct cp_error *err);

void vm_record_free(struct vm_record *vm);
int64_t cp_now_ns(void); /* CLOCK_REALTIME */

#endif
