#include "oci/oci_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cp/proc_info.h"
#include "util/errmsg.h"
#include "util/file.h"

#define STATE_FILE "state.json"

/* What create and a running VM leave in ROOT/ID, removed by delete. */
static const char *const state_files[] = {STATE_FILE, STATE_FILE ".tmp", "start.fifo",
                                          "ctl.sock", NULL};

const char *oci_status_name(enum oci_status s)
{
    static const char *const names[] = {"created", "running", "paused", "stopped"};
    return (unsigned)s < 4 ? names[s] : "stopped";
}

int oci_id_check(const char *id, char *err, size_t errlen)
{
    size_t n = strlen(id);
    bool ok = n > 0 && n <= OCI_ID_MAX && strcmp(id, ".") && strcmp(id, "..");
    for (size_t i = 0; ok && i < n; i++) {
        char c = id[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '+' || c == '-' || c == '.';
    }
    if (!ok)
        return errmsg(err, errlen, -1, "invalid container id '%.*s': give 1 to %d of A-Z a-z 0-9 "
                      "_ + - .", OCI_ID_MAX, id, OCI_ID_MAX);
    return 0;
}

int oci_state_path(const char *root, const char *id, const char *name, char *out, size_t outlen)
{
    int n = name ? snprintf(out, outlen, "%s/%s/%s", root, id, name)
                 : snprintf(out, outlen, "%s/%s", root, id);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int mkdir_parents(const char *path, char *err, size_t errlen)
{
    char p[OCI_PATH_MAX];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return errmsg(err, errlen, -1, "--root %s: too long", path);
    for (char *s = p + 1;; s++) {
        bool end = *s == 0;
        if (*s == '/' || end) {
            *s = 0;
            if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return errmsg(err, errlen, -1, "--root: cannot make %s: %s", p, strerror(errno));
            if (end)
                return 0;
            *s = '/';
        }
    }
}

int oci_state_create_dir(const char *root, const char *id, char *err, size_t errlen)
{
    char dir[OCI_PATH_MAX];
    if (mkdir_parents(root, err, errlen) < 0)
        return -1;
    if (oci_state_path(root, id, NULL, dir, sizeof dir) < 0)
        return errmsg(err, errlen, -1, "container %s: state path too long", id);
    if (mkdir(dir, 0700) < 0)
        return errmsg(err, errlen, -1, errno == EEXIST ? "container %s already exists"
                                                       : "container %s: cannot make its state "
                                                         "directory: %s",
                      id, strerror(errno));
    return 0;
}

static json_t *state_json(const struct oci_state *st)
{
    json_t *j = json_pack("{s:s, s:i, s:I, s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I}", "id", st->id,
                          "pid", (int)st->pid, "pid_start", (json_int_t)st->pid_start, "bundle",
                          st->bundle, "rootfs", st->rootfs, "created", st->created, "started",
                          st->started, "paused", st->paused, "kind", st->kind, "mem_mib",
                          (json_int_t)st->mem_mib, "cpu_shares", (json_int_t)st->cpu_shares);
    if (j && st->annotations)
        json_object_set(j, "annotations", st->annotations);
    return j;
}

int oci_state_save(const char *root, const struct oci_state *st, char *err, size_t errlen)
{
    char path[OCI_PATH_MAX], tmp[OCI_PATH_MAX];
    if (oci_state_path(root, st->id, STATE_FILE, path, sizeof path) < 0 ||
        oci_state_path(root, st->id, STATE_FILE ".tmp", tmp, sizeof tmp) < 0)
        return errmsg(err, errlen, -1, "container %s: state path too long", st->id);
    json_t *j = state_json(st);
    int rc = j ? json_dump_file(j, tmp, JSON_COMPACT) : -1;
    json_decref(j);
    if (rc < 0 || rename(tmp, path) < 0) {
        unlink(tmp);
        return errmsg(err, errlen, -1, "container %s: cannot write %s", st->id, path);
    }
    return 0;
}

/* A string field into a fixed buffer, which it must fit. */
static int copy_field(json_t *j, const char *key, char *out, size_t outlen)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s && strlen(s) < outlen ? (snprintf(out, outlen, "%s", s), 0) : -1;
}

int oci_state_parse(const char *text, size_t len, struct oci_state *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    json_error_t jerr;
    json_t *j = json_loadb(text, len, 0, &jerr);
    json_t *pid = json_object_get(j, "pid"), *start = json_object_get(j, "pid_start");
    json_t *mem = json_object_get(j, "mem_mib"), *shares = json_object_get(j, "cpu_shares");
    json_t *ann = json_object_get(j, "annotations");
    bool ok = json_is_object(j) && copy_field(j, "id", st->id, sizeof st->id) == 0 &&
              copy_field(j, "bundle", st->bundle, sizeof st->bundle) == 0 &&
              copy_field(j, "rootfs", st->rootfs, sizeof st->rootfs) == 0 &&
              copy_field(j, "created", st->created, sizeof st->created) == 0 &&
              copy_field(j, "kind", st->kind, sizeof st->kind) == 0 && json_is_integer(pid) &&
              json_integer_value(pid) > 0 && json_integer_value(pid) < (1 << 30) &&
              json_is_integer(start) && json_integer_value(start) >= 0 &&
              json_is_integer(mem) && json_integer_value(mem) >= 0 &&
              json_is_integer(shares) && json_integer_value(shares) >= 0 &&
              json_is_boolean(json_object_get(j, "started")) &&
              json_is_boolean(json_object_get(j, "paused")) && (!ann || json_is_object(ann));
    if (ok) {
        st->pid = (pid_t)json_integer_value(pid);
        st->pid_start = (uint64_t)json_integer_value(start);
        st->mem_mib = (uint64_t)json_integer_value(mem);
        st->cpu_shares = (uint64_t)json_integer_value(shares);
        st->started = json_is_true(json_object_get(j, "started"));
        st->paused = json_is_true(json_object_get(j, "paused"));
        st->annotations = json_incref(ann);
    }
    json_decref(j);
    return ok ? 0 : errmsg(err, errlen, -1, "state.json is damaged (%s)",
                           j ? "a field is missing or out of range" : jerr.text);
}

int oci_state_load(const char *root, const char *id, struct oci_state *st, char *err,
                   size_t errlen)
{
    char path[OCI_PATH_MAX];
    memset(st, 0, sizeof *st);
    if (oci_id_check(id, err, errlen) < 0)
        return -1;
    if (oci_state_path(root, id, STATE_FILE, path, sizeof path) < 0)
        return errmsg(err, errlen, -1, "container %s: state path too long", id);
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return errmsg(err, errlen, -ENOENT, "container %s does not exist", id);
    uint8_t *text;
    size_t len;
    if (read_whole_file(path, OCI_STATE_MAX, &text, &len, err, errlen) < 0)
        return -1;
    char why[256];
    int rc = oci_state_parse((const char *)text, len, st, why, sizeof why);
    free(text);
    if (rc < 0)
        return errmsg(err, errlen, -1, "container %s: %s: %s", id, path, why);
    if (strcmp(st->id, id)) {
        oci_state_free(st);
        return errmsg(err, errlen, -1, "container %s: %s names another id", id, path);
    }
    return 0;
}

void oci_state_free(struct oci_state *st)
{
    json_decref(st->annotations);
    st->annotations = NULL;
}

int oci_state_remove(const char *root, const char *id, char *err, size_t errlen)
{
    char path[OCI_PATH_MAX];
    for (const char *const *f = state_files; *f; f++)
        if (oci_state_path(root, id, *f, path, sizeof path) == 0)
            unlink(path);
    if (oci_state_path(root, id, NULL, path, sizeof path) < 0 ||
        (rmdir(path) < 0 && errno != ENOENT))
        return errmsg(err, errlen, -1, "container %s: cannot remove %s: %s", id, path,
                      strerror(errno));
    return 0;
}

enum oci_status oci_state_status(const struct oci_state *st)
{
    if (!proc_is_alive(st->pid, st->pid_start))
        return OCI_STOPPED;
    if (!st->started)
        return OCI_CREATED;
    return st->paused ? OCI_PAUSED : OCI_RUNNING;
}
