/*
 * Issue 15, finding 1: a non-root member of the API socket's group must not
 * get the (root) daemon to read or write a file it could not, and must not
 * touch another user's VMs.  A real daemon with fake VMs; the clients are
 * children of this (root) test that drop to other uids in the socket's
 * group, as `mica` run by those users would be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"

#include <grp.h>
#include <sys/stat.h>

#define SOCKET_GID 61000 /* the API socket's group */
#define UID_A 61001
#define UID_B 61002

struct owner_test {
    struct cp_harness h;
    char secret[128];  /* 0600 root: what no user may reach */
    char root_ro[128]; /* 0644 root: readable, not writable */
    char home_a[128];  /* user A's own directory */
};

/* ---- requests as another user ------------------------------------------- */

/* One request made by a child that runs as uid (group uid, supplementary
 * group SOCKET_GID): status and body come back through a pipe. */
static struct cp_reply request_as(struct cp_harness *h, uid_t uid, const char *method,
                                  const char *path, const char *body)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        gid_t groups[1] = {SOCKET_GID};
        if (setgroups(1, groups) < 0 || setgid((gid_t)uid) < 0 || setuid(uid) < 0)
            _exit(100);
        struct cp_reply r = cp_request(h, method, path, body);
        if (write(p[1], &r.status, sizeof r.status) != sizeof r.status ||
            (r.len && write(p[1], r.body, r.len) != (ssize_t)r.len))
            _exit(101);
        _exit(0);
    }
    close(p[1]);
    struct cp_reply r = {0};
    char buf[65536];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(got >= sizeof r.status);
    memcpy(&r.status, buf, sizeof r.status);
    r.len = got - sizeof r.status;
    r.body = strndup(buf + sizeof r.status, r.len);
    r.json = json_loadb(r.body, r.len, 0, NULL);
    return r;
}

static long status_as(struct cp_harness *h, uid_t uid, const char *method, const char *path,
                      const char *body)
{
    struct cp_reply r = request_as(h, uid, method, path, body);
    long status = r.status;
    cp_reply_free(&r);
    return status;
}

/* Asserts status and that the error names `file` and says `reason`. */
static void expect_refusal(struct cp_harness *h, uid_t uid, const char *path, const char *body,
                           long want, const char *file, const char *reason)
{
    struct cp_reply r = request_as(h, uid, "POST", path, body);
    const char *error = json_string_value(json_object_get(r.json, "error"));
    if (r.status != want || !error || !strstr(error, file) || !strstr(error, reason))
        fail_msg("%s %s as uid %u: %ld %s (wanted %ld naming %s: %s)", path, body,
                 (unsigned)uid, r.status, r.body ? r.body : "", want, file, reason);
    cp_reply_free(&r);
}

/* ---- fixture -------------------------------------------------------------- */

static void write_file(const char *path, uid_t uid, mode_t mode)
{
    cp_write_guest(path); /* a bootable guest, kernel and disk alike */
    assert_int_equal(chown(path, uid, (gid_t)uid), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* The scratch directory belongs to the socket's group (setgid, so the
 * socket the daemon creates in it does too) and others may pass through it
 * (the daemon takes a user's groups from the group database, where these
 * test users are not); the state stays root's. */
static int setup(void **state)
{
    static struct owner_test t;
    if (geteuid() != 0) {
        *state = NULL;
        return 0;
    }
    struct cp_harness *h = &t.h;
    cp_harness_init(h);
    if (chown(h->dir, 0, SOCKET_GID) < 0 || chmod(h->dir, 02751) < 0 || mkdir(h->state, 0700) < 0)
        return -1;
    snprintf(t.secret, sizeof t.secret, "%s/secret", h->dir);
    snprintf(t.root_ro, sizeof t.root_ro, "%s/root-ro.img", h->dir);
    snprintf(t.home_a, sizeof t.home_a, "%s/home-a", h->dir);
    write_file(t.secret, 0, 0600);
    write_file(t.root_ro, 0, 0644);
    if (mkdir(t.home_a, 0700) < 0 || chown(t.home_a, UID_A, UID_A) < 0)
        return -1;
    cp_harness_start_daemon(h);
    *state = &t;
    return 0;
}

static int teardown(void **state)
{
    struct owner_test *t = *state;
    void *h = t ? &t->h : NULL;
    return h ? cp_harness_teardown(&h) : 0;
}

static struct owner_test *need_root(void **state)
{
    if (!*state) {
        print_message("skipped: acting as other users needs root\n");
        skip();
    }
    return *state;
}

/* A file of user A's, in A's directory (static buffer per slot). */
static const char *file_of_a(struct owner_test *t, const char *name, mode_t mode)
{
    static char paths[4][256];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, sizeof paths[0], "%s/%s", t->home_a, name);
    write_file(path, UID_A, mode);
    return path;
}

/* ---- the tests ----------------------------------------------------------- */

static void check_vm_absent(struct cp_harness *h, const char *name)
{
    assert_string_equal(cp_vm_state(h, name), "absent");
}

/* Every file a definition names is opened with the client's rights: a
 * root-only file as guest image, kernel, initrd or writable disk is refused
 * (403, the file named); a root file readable by all cannot be a writable
 * disk (400: add "readonly"); a FIFO is no file at all; A's own files do. */
static void test_files_are_opened_with_the_clients_rights(void **state)
{
    struct owner_test *t = need_root(state);
    struct cp_harness *h = &t->h;
    const char *kernel = file_of_a(t, "bzImage", 0600);
    const char *disk = file_of_a(t, "disk.img", 0600);
    char body[4096], fifo[256];
    snprintf(body, sizeof body, "{\"name\":\"pv\",\"guest\":\"%s\",\"args\":[\"run\"]}", t->secret);
    expect_refusal(h, UID_A, "/v1/vms", body, 403, "guest '", "permission denied for uid 61001");
    snprintf(body, sizeof body, "{\"name\":\"lx\",\"kernel\":\"%s\"}", t->secret);
    expect_refusal(h, UID_A, "/v1/vms", body, 403, "kernel '", t->secret);
    snprintf(body, sizeof body, "{\"name\":\"lx\",\"kernel\":\"%s\",\"initrd\":\"%s\"}", kernel,
             t->secret);
    expect_refusal(h, UID_A, "/v1/vms", body, 403, "initrd '", t->secret);
    snprintf(body, sizeof body, "{\"name\":\"lx\",\"kernel\":\"%s\",\"disks\":[{\"path\":\"%s\"}]}",
             kernel, t->secret);
    expect_refusal(h, UID_A, "/v1/vms", body, 403, "disk '", t->secret);
    snprintf(body, sizeof body, "{\"name\":\"lx\",\"kernel\":\"%s\",\"disks\":[{\"path\":\"%s\"}]}",
             kernel, t->root_ro);
    expect_refusal(h, UID_A, "/v1/vms", body, 400, t->root_ro, "is not writable");
    snprintf(fifo, sizeof fifo, "%s/fifo", t->home_a);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(chown(fifo, UID_A, UID_A), 0);
    snprintf(body, sizeof body, "{\"name\":\"lx\",\"kernel\":\"%s\"}", fifo);
    expect_refusal(h, UID_A, "/v1/vms", body, 400, fifo, "not a regular file");
    check_vm_absent(h, "pv");
    check_vm_absent(h, "lx");
    /* Readable by all, read-only: fine.  A's own files: fine. */
    snprintf(body, sizeof body,
             "{\"name\":\"lx\",\"kernel\":\"%s\",\"initrd\":\"%s\",\"disks\":[{\"path\":\"%s\"},"
             "{\"path\":\"%s\",\"readonly\":true}]}",
             kernel, h->guest, disk, t->root_ro);
    struct cp_reply r = request_as(h, UID_A, "POST", "/v1/vms", body);
    assert_int_equal(r.status, 201);
    assert_int_equal(json_integer_value(json_object_get(r.json, "owner_uid")), UID_A);
    assert_int_equal(json_integer_value(json_object_get(r.json, "owner_gid")), UID_A);
    cp_reply_free(&r);
    assert_int_equal(status_as(h, UID_A, "POST", "/v1/vms/lx/start", NULL), 200);
    assert_string_equal(cp_vm_state(h, "lx"), "running");
    assert_int_equal(status_as(h, UID_A, "POST", "/v1/vms/lx/destroy", NULL), 200);
    /* root keeps full rights: its own VM may name the root-only file */
    snprintf(body, sizeof body, "{\"name\":\"rootvm\",\"guest\":\"%s\",\"args\":[\"run\"]}",
             t->secret);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", body), 201);
    assert_int_equal(cp_vm_action(h, "rootvm", "start"), 200);
    assert_int_equal(cp_vm_action(h, "rootvm", "destroy"), 200);
}

/* The files are opened again at start, with the owner's rights: one
 * swapped for a root-only file since create is refused, and nothing
 * changes; put back, the VM starts with A's file as its descriptor. */
static void test_file_swapped_after_create_is_refused_at_start(void **state)
{
    struct owner_test *t = need_root(state);
    struct cp_harness *h = &t->h;
    const char *guest = file_of_a(t, "guest.elf", 0600);
    const char *kernel = file_of_a(t, "vmlinux", 0600);
    const char *disk = file_of_a(t, "rw.img", 0600);
    char body[2048], saved[300];
    snprintf(body, sizeof body, "{\"name\":\"pv\",\"guest\":\"%s\",\"args\":[\"run\"]}", guest);
    assert_int_equal(status_as(h, UID_A, "POST", "/v1/vms", body), 201);
    snprintf(body, sizeof body, "{\"name\":\"lx\",\"kernel\":\"%s\",\"disks\":[{\"path\":\"%s\"}]}",
             kernel, disk);
    assert_int_equal(status_as(h, UID_A, "POST", "/v1/vms", body), 201);
    /* A swaps the image for a symlink to the secret, the disk for the secret itself */
    snprintf(saved, sizeof saved, "%s.saved", guest);
    assert_int_equal(rename(guest, saved), 0);
    assert_int_equal(symlink(t->secret, guest), 0);
    assert_int_equal(unlink(disk), 0);
    assert_int_equal(link(t->secret, disk), 0);
    expect_refusal(h, UID_A, "/v1/vms/pv/start", NULL, 403, guest, "permission denied");
    expect_refusal(h, UID_A, "/v1/vms/lx/start", NULL, 403, disk, "permission denied");
    assert_string_equal(cp_vm_state(h, "pv"), "defined");
    assert_string_equal(cp_vm_state(h, "lx"), "defined");
    assert_true(cp_harness_processes(h, (pid_t[4]){0}, 4) == 1); /* the daemon alone */
    /* Put back: the VM starts, and its VMM holds A's file, not the path. */
    assert_int_equal(rename(saved, guest), 0);
    assert_int_equal(status_as(h, UID_A, "POST", "/v1/vms/pv/start", NULL), 200);
    pid_t pids[8];
    int n = cp_harness_processes(h, pids, 8), found = 0;
    char link_path[64], target[PATH_MAX];
    for (int i = 0; i < n; i++) {
        snprintf(link_path, sizeof link_path, "/proc/%d/fd/5", (int)pids[i]);
        ssize_t len = readlink(link_path, target, sizeof target - 1);
        target[len > 0 ? len : 0] = '\0';
        found += cp_cmdline_mentions(pids[i], "run /proc/self/fd/5 --name pv") &&
                 strcmp(target, guest) == 0;
    }
    assert_int_equal(found, 1);
    assert_int_equal(status_as(h, UID_A, "POST", "/v1/vms/pv/destroy", NULL), 200);
}

static bool list_has(json_t *list, const char *name)
{
    size_t i;
    json_t *vm;
    json_array_foreach(json_object_get(list, "vms"), i, vm)
        if (strcmp(json_string_value(json_object_get(vm, "name")), name) == 0)
            return true;
    return false;
}

/* Each VM belongs to who defined it: user B gets 403 for every request
 * about A's VM and does not see it listed; root sees and manages both. */
static void test_other_users_vms_are_out_of_reach(void **state)
{
    struct owner_test *t = need_root(state);
    struct cp_harness *h = &t->h;
    char body[1024];
    snprintf(body, sizeof body, "{\"name\":\"vm-a\",\"guest\":\"%s\",\"args\":[\"run\"]}", h->guest);
    assert_int_equal(status_as(h, UID_A, "POST", "/v1/vms", body), 201);
    snprintf(body, sizeof body, "{\"name\":\"vm-b\",\"guest\":\"%s\",\"args\":[\"run\"]}", h->guest);
    assert_int_equal(status_as(h, UID_B, "POST", "/v1/vms", body), 201);
    assert_int_equal(status_as(h, UID_A, "POST", "/v1/vms/vm-a/start", NULL), 200);
    static const struct { const char *method, *path; } of_a[] = {
        {"GET", "/v1/vms/vm-a"},          {"POST", "/v1/vms/vm-a/start"},
        {"POST", "/v1/vms/vm-a/pause"},   {"POST", "/v1/vms/vm-a/resume"},
        {"POST", "/v1/vms/vm-a/shutdown"}, {"POST", "/v1/vms/vm-a/destroy"},
        {"DELETE", "/v1/vms/vm-a"},       {"GET", "/v1/vms/vm-a/console"},
        {"GET", "/v1/vms/vm-a/logs"},
    };
    for (size_t i = 0; i < sizeof of_a / sizeof of_a[0]; i++) {
        struct cp_reply r = request_as(h, UID_B, of_a[i].method, of_a[i].path, NULL);
        const char *error = json_string_value(json_object_get(r.json, "error"));
        if (r.status != 403 || !error || !strstr(error, "belongs to uid 61001"))
            fail_msg("%s %s as B: %ld %s", of_a[i].method, of_a[i].path, r.status,
                     r.body ? r.body : "");
        cp_reply_free(&r);
    }
    assert_string_equal(cp_vm_state(h, "vm-a"), "running"); /* B changed nothing */
    struct cp_reply r = request_as(h, UID_B, "GET", "/v1/vms", NULL);
    assert_true(list_has(r.json, "vm-b") && !list_has(r.json, "vm-a"));
    cp_reply_free(&r);
    r = request_as(h, UID_A, "GET", "/v1/vms/vm-a/logs", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "fake VM vm-a booted"));
    cp_reply_free(&r);
    /* root: sees both with their owners, manages both */
    r = cp_request(h, "GET", "/v1/vms", NULL);
    assert_true(list_has(r.json, "vm-a") && list_has(r.json, "vm-b"));
    json_t *first = json_array_get(json_object_get(r.json, "vms"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "owner_uid")), UID_A);
    cp_reply_free(&r);
    assert_int_equal(cp_vm_action(h, "vm-a", "pause"), 200);
    assert_int_equal(cp_vm_action(h, "vm-a", "resume"), 200);
    assert_int_equal(cp_vm_action(h, "vm-a", "destroy"), 200);
    assert_int_equal(cp_vm_action(h, "vm-b", "start"), 200);
    assert_int_equal(cp_vm_action(h, "vm-b", "destroy"), 200);
    assert_int_equal(cp_status(h, "DELETE", "/v1/vms/vm-a", NULL), 200);
    assert_int_equal(cp_status(h, "DELETE", "/v1/vms/vm-b", NULL), 200);
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_are_opened_with_the_clients_rights, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_file_swapped_after_create_is_refused_at_start,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_users_vms_are_out_of_reach, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
