#include "cp/registry.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/time.h"

struct registry {
    sqlite3 *db;
    char *path;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS vms ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL UNIQUE,"
    " guest TEXT NOT NULL,"
    " args TEXT NOT NULL DEFAULT '[]',"
    " mem_mib INTEGER NOT NULL,"
    " vcpus INTEGER NOT NULL DEFAULT 1,"
    " state TEXT NOT NULL,"
    " backend TEXT NOT NULL DEFAULT 'process',"
    " runtime TEXT,"
    " exit_code INTEGER NOT NULL DEFAULT -1,"
    " crash_report TEXT,"
    " created_ns INTEGER NOT NULL,"
    " changed_ns INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " vm_id INTEGER NOT NULL,"
    " time_ns INTEGER NOT NULL,"
    " text TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_by_vm ON events(vm_id, id);";

/* Schema changes after the first release, applied in order; PRAGMA
 * user_version counts those done.  ALTER TABLE ... ADD COLUMN with a default
 * gives every existing row (all PV VMs) the value it had implicitly. */
static const char *const migrations[] = {
    /* 1: full-virtualization (linux) VMs */
    "ALTER TABLE vms ADD COLUMN kind TEXT NOT NULL DEFAULT 'pv';"
    "ALTER TABLE vms ADD COLUMN initrd TEXT;"
    "ALTER TABLE vms ADD COLUMN cmdline TEXT;"
    "ALTER TABLE vms ADD COLUMN disks TEXT NOT NULL DEFAULT '[]';"
    "ALTER TABLE vms ADD COLUMN rng INTEGER NOT NULL DEFAULT 0;",
    /* 2: owners.  VMs defined before belong to root (so only root and the
     * daemon's own user manage them), never to whoever asks first. */
    ("ALTER TABLE vms ADD COLUMN owner_uid INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE vms ADD COLUMN owner_gid INTEGER NOT NULL DEFAULT 0;"),
    /* 3: autostart (off for every VM defined before); when the VM last
     * started running (0: unknown, as for VMs started before) */
    ("ALTER TABLE vms ADD COLUMN autostart INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE vms ADD COLUMN started_ns INTEGER NOT NULL DEFAULT 0;"),
};
_Static_assert(sizeof migrations / sizeof migrations[0] == REGISTRY_SCHEMA_VERSION,
               "REGISTRY_SCHEMA_VERSION counts the migrations");

#define VM_COLUMNS                                                                      \
    "id, name, guest, args, mem_mib, vcpus, state, backend, runtime, exit_code, "       \
    "crash_report, created_ns, changed_ns, kind, initrd, cmdline, disks, rng, owner_uid, "  \
    "owner_gid, autostart, started_ns"

static const char *const kind_names[] = {
    [VM_KIND_PV] = "pv", [VM_KIND_LINUX] = "linux", [VM_KIND_RESTORE] = "restore",
    [VM_KIND_CLONE] = "clone",
};

const char *vm_kind_name(enum vm_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "pv";
}

int vm_kind_parse(const char *name)
{
    for (unsigned k = 0; name && k < sizeof kind_names / sizeof kind_names[0]; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return (int)k;
    return -1;
}

int64_t cp_now_ns(void) { return (int64_t)wall_ns(); }

/* Turns an SQLite failure into a client-facing error; a full disk is its own
 * status (507) because the operator, not the client, must act. */
static int db_fail(struct registry *r, int rc, struct cp_error *err)
{
    int sys = sqlite3_system_errno(r->db);
    if (rc == SQLITE_FULL || sys == ENOSPC)
        return cp_fail(err, 507,
                       "registry %s: the disk is full; nothing was changed (free space and retry)",
                       r->path);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return cp_fail(err, 409, "registry: %s", sqlite3_errmsg(r->db));
    return cp_fail(err, 500, "registry %s: %s", r->path, sqlite3_errmsg(r->db));
}

static int exec_sql(struct registry *r, const char *sql, struct cp_error *err)
{
    int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_fail(r, rc, err);
}

static int read_user_version(struct registry *r, int *version, struct cp_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(r, rc, err);
    rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : db_fail(r, rc, err);
}

/* Brings an older database up to date.  The version is read and every step
 * applied in one IMMEDIATE transaction (DDL is transactional in SQLite), so
 * a daemon killed here leaves the old schema or the new one, never half. */
static int migrate(struct registry *r, struct cp_error *err)
{
    const int latest = (int)(sizeof migrations / sizeof migrations[0]);
    int version;
    if (exec_sql(r, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    int rc = read_user_version(r, &version, err);
    if (rc == 0 && version > latest)
        rc = cp_fail(err, 500, "registry %s: schema version %d is newer than this mica (%d)",
                     r->path, version, latest);
    for (; rc == 0 && version < latest; version++)
        rc = exec_sql(r, migrations[version], err);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", latest);
    if (rc < 0 || exec_sql(r, sql, err) < 0 || exec_sql(r, "COMMIT", err) < 0) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

struct registry *registry_open(const char *path, struct cp_error *err)
{
    struct registry *r = calloc(1, sizeof *r);
    if (!r) {
        cp_fail(err, 500, "out of memory");
        return NULL;
    }
    r->path = strdup(path);
    int rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                               SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        cp_fail(err, 500, "registry %s: cannot open: %s", path,
                r->db ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
        registry_close(r);
        return NULL;
    }
    sqlite3_busy_timeout(r->db, 5000);
    sqlite3_extended_result_codes(r->db, 1);
    if (exec_sql(r, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err) < 0 ||
        exec_sql(r, schema, err) < 0 || migrate(r, err) < 0) {
        registry_close(r);
        return NULL;
    }
    return r;
}

void registry_close(struct registry *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    free(r->path);
    free(r);
}

static char *column_strdup(sqlite3_stmt *st, int col)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    return text ? strdup((const char *)text) : NULL;
}

static void read_row(sqlite3_stmt *st, struct vm_record *vm)
{
    vm->id = sqlite3_column_int64(st, 0);
    vm->name = column_strdup(st, 1);
    vm->guest = column_strdup(st, 2);
    vm->args = column_strdup(st, 3);
    vm->mem_mib = (uint32_t)sqlite3_column_int(st, 4);
    vm->vcpus = (uint32_t)sqlite3_column_int(st, 5);
    int state = vm_state_parse((const char *)sqlite3_column_text(st, 6));
    vm->state = state < 0 ? VM_CRASHED : (enum vm_state)state;
    vm->backend = column_strdup(st, 7);
    vm->runtime = column_strdup(st, 8);
    vm->exit_code = sqlite3_column_int(st, 9);
    vm->crash_report = column_strdup(st, 10);
    vm->created_ns = sqlite3_column_int64(st, 11);
    vm->changed_ns = sqlite3_column_int64(st, 12);
    int kind = vm_kind_parse((const char *)sqlite3_column_text(st, 13));
    vm->kind = kind < 0 ? VM_KIND_PV : (enum vm_kind)kind;
    vm->initrd = column_strdup(st, 14);
    vm->cmdline = column_strdup(st, 15);
    vm->disks = column_strdup(st, 16);
    vm->rng = sqlite3_column_int(st, 17) != 0;
    vm->owner_uid = (uid_t)sqlite3_column_int64(st, 18);
    vm->owner_gid = (gid_t)sqlite3_column_int64(st, 19);
    vm->autostart = sqlite3_column_int(st, 20) != 0;
    vm->started_ns = sqlite3_column_int64(st, 21);
}

void vm_record_free(struct vm_record *vm)
{
    free(vm->name);
    free(vm->guest);
    free(vm->args);
    free(vm->backend);
    free(vm->runtime);
    free(vm->crash_report);
    free(vm->initrd);
    free(vm->cmdline);
    free(vm->disks);
    memset(vm, 0, sizeof *vm);
}

static int insert_event(struct registry *r, int64_t id, const char *text, struct cp_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db, "INSERT INTO events(vm_id, time_ns, text) VALUES(?,?,?)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, cp_now_ns());
        sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return rc == SQLITE_DONE ? 0 : db_fail(r, rc, err);
}

/* Runs `change` and its event in one transaction; rolls back on failure. */
static int in_transaction(struct registry *r, int64_t (*change)(struct registry *, void *,
                                                               struct cp_error *),
                          void *arg, const char *event, struct cp_error *err)
{
    if (exec_sql(r, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    int64_t id = change(r, arg, err);
    if (id < 0 || (event && insert_event(r, id, event, err) < 0) ||
        exec_sql(r, "COMMIT", err) < 0) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

static int64_t insert_vm(struct registry *r, void *arg, struct cp_error *err)
{
    struct vm_record *vm = arg;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db,
                                "INSERT INTO vms(name, guest, args, mem_mib, vcpus, state,"
                                " backend, created_ns, changed_ns, kind, initrd, cmdline, disks,"
                                " rng, owner_uid, owner_gid, autostart)"
                                " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(r, rc, err);
    vm->created_ns = vm->changed_ns = cp_now_ns();
    sqlite3_bind_text(st, 1, vm->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, vm->guest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, vm->args ? vm->args : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)vm->mem_mib);
    sqlite3_bind_int(st, 5, (int)vm->vcpus);
    sqlite3_bind_text(st, 6, vm_state_name(vm->state), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, vm->backend ? vm->backend : "process", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, vm->created_ns);
    sqlite3_bind_int64(st, 9, vm->changed_ns);
    sqlite3_bind_text(st, 10, vm_kind_name(vm->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, vm->initrd, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, vm->cmdline, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, vm->disks ? vm->disks : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 14, vm->rng);
    sqlite3_bind_int64(st, 15, (sqlite3_int64)vm->owner_uid);
    sqlite3_bind_int64(st, 16, (sqlite3_int64)vm->owner_gid);
    sqlite3_bind_int(st, 17, vm->autostart);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return cp_fail(err, 409, "a VM named '%s' already exists (choose another name)",
                       vm->name);
    if (rc != SQLITE_DONE)
        return db_fail(r, rc, err);
    vm->id = sqlite3_last_insert_rowid(r->db);
    return vm->id;
}

int registry_create(struct registry *r, struct vm_record *vm, struct cp_error *err)
{
    vm->state = VM_DEFINED;
    vm->exit_code = -1;
    return in_transaction(r, insert_vm, vm, "created", err);
}

static int get_where(struct registry *r, const char *where, const char *name, int64_t id,
                     struct vm_record *vm, struct cp_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " VM_COLUMNS " FROM vms WHERE %s", where);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(r, rc, err);
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_row(st, vm);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) {
        if (name)
            return cp_fail(err, 404, "no VM named '%s' (see `mica list`)", name);
        return cp_fail(err, 404, "no VM with id %lld", (long long)id);
    }
    return rc == SQLITE_ROW ? 0 : db_fail(r, rc, err);
}

int registry_get(struct registry *r, const char *name, struct vm_record *vm,
                 struct cp_error *err)
{
    return get_where(r, "name = ?", name, 0, vm, err);
}

int registry_get_by_id(struct registry *r, int64_t id, struct vm_record *vm,
                       struct cp_error *err)
{
    return get_where(r, "id = ?", NULL, id, vm, err);
}

int registry_for_each(struct registry *r, void (*fn)(const struct vm_record *, void *),
                      void *arg, struct cp_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db, "SELECT " VM_COLUMNS " FROM vms ORDER BY id", -1, &st,
                                NULL);
    if (rc != SQLITE_OK)
        return db_fail(r, rc, err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct vm_record vm;
        read_row(st, &vm);
        fn(&vm, arg);
        vm_record_free(&vm);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_fail(r, rc, err);
}

/* Runs (and finalizes) an UPDATE of vm's row: vm's id, or a 409 when the
 * new name is taken, a 404 when the row is gone. */
static int64_t step_update(struct registry *r, sqlite3_stmt *st, const struct vm_record *vm,
                           struct cp_error *err)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return cp_fail(err, 409, "a VM named '%s' already exists (choose another name)",
                       vm->name);
    if (rc != SQLITE_DONE)
        return db_fail(r, rc, err);
    if (sqlite3_changes(r->db) == 0)
        return cp_fail(err, 404, "VM %lld no longer exists", (long long)vm->id);
    return vm->id;
}

static int64_t update_state(struct registry *r, void *arg, struct cp_error *err)
{
    const struct vm_record *vm = arg;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db,
                                "UPDATE vms SET state=?, runtime=?, exit_code=?, crash_report=?,"
                                " changed_ns=?, started_ns=? WHERE id=?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(r, rc, err);
    sqlite3_bind_text(st, 1, vm_state_name(vm->state), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, vm->runtime, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, vm->exit_code);
    sqlite3_bind_text(st, 4, vm->crash_report, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, cp_now_ns());
    sqlite3_bind_int64(st, 6, vm->started_ns);
    sqlite3_bind_int64(st, 7, vm->id);
    return step_update(r, st, vm, err);
}

int registry_set_state(struct registry *r, const struct vm_record *vm, const char *event,
                       struct cp_error *err)
{
    return in_transaction(r, update_state, (void *)vm, event, err);
}

static int64_t update_settings(struct registry *r, void *arg, struct cp_error *err)
{
    const struct vm_record *vm = arg;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db, "UPDATE vms SET name=?, autostart=?, changed_ns=? WHERE id=?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(r, rc, err);
    sqlite3_bind_text(st, 1, vm->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, vm->autostart);
    sqlite3_bind_int64(st, 3, cp_now_ns());
    sqlite3_bind_int64(st, 4, vm->id);
    return step_update(r, st, vm, err);
}

int registry_set_settings(struct registry *r, const struct vm_record *vm, const char *event,
                          struct cp_error *err)
{
    return in_transaction(r, update_settings, (void *)vm, event, err);
}

static int64_t delete_vm(struct registry *r, void *arg, struct cp_error *err)
{
    int64_t id = *(int64_t *)arg;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db,
                                "DELETE FROM vms WHERE id=?1; ", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE)
        return db_fail(r, rc, err);
    if (sqlite3_prepare_v2(r->db, "DELETE FROM events WHERE vm_id=?1", -1, &st, NULL) != SQLITE_OK)
        return db_fail(r, SQLITE_ERROR, err);
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? id : db_fail(r, rc, err);
}

int registry_delete(struct registry *r, int64_t id, struct cp_error *err)
{
    return in_transaction(r, delete_vm, &id, NULL, err);
}

int registry_events(struct registry *r, int64_t id, int limit,
                    void (*fn)(int64_t, const char *, void *), void *arg,
                    struct cp_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db,
                                "SELECT time_ns, text FROM (SELECT id, time_ns, text FROM events"
                                " WHERE vm_id=? ORDER BY id DESC LIMIT ?) ORDER BY id",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(r, rc, err);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1), arg);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_fail(r, rc, err);
}

int registry_events_after(struct registry *r, int64_t after, int limit,
                          void (*fn)(const struct vm_event_row *, void *), void *arg,
                          struct cp_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db,
                                "SELECT e.id, e.vm_id, v.name, v.owner_uid, e.time_ns, e.text"
                                " FROM events e JOIN vms v ON v.id = e.vm_id WHERE e.id > ?"
                                " ORDER BY e.id LIMIT ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(r, rc, err);
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct vm_event_row row = {
            sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
            (const char *)sqlite3_column_text(st, 2), (uid_t)sqlite3_column_int64(st, 3),
            sqlite3_column_int64(st, 4), (const char *)sqlite3_column_text(st, 5)};
        fn(&row, arg);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_fail(r, rc, err);
}

int64_t registry_last_event(struct registry *r)
{
    sqlite3_stmt *st;
    int64_t last = 0;
    if (sqlite3_prepare_v2(r->db, "SELECT IFNULL(MAX(id), 0) FROM events", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        last = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return last;
}
