/* The control program's HTTP API over the real socket, against a real daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"

#include "cp/registry.h"

#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>

static void test_lifecycle_create_to_delete(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "alpha", "run"), 201);
    assert_string_equal(cp_vm_state(h, "alpha"), "defined");
    assert_int_equal(cp_vm_action(h, "alpha", "start"), 200);
    assert_string_equal(cp_vm_state(h, "alpha"), "running");
    assert_int_equal(cp_vm_action(h, "alpha", "pause"), 200);
    assert_string_equal(cp_vm_state(h, "alpha"), "paused");
    assert_int_equal(cp_vm_action(h, "alpha", "resume"), 200);
    assert_string_equal(cp_vm_state(h, "alpha"), "running");
    assert_int_equal(cp_vm_action(h, "alpha", "shutdown"), 200);
    assert_true(cp_wait_state(h, "alpha", "shutdown"));
    assert_int_equal(cp_vm_action(h, "alpha", "start"), 200);
    assert_string_equal(cp_vm_state(h, "alpha"), "running");
    assert_int_equal(cp_vm_action(h, "alpha", "destroy"), 200);
    assert_string_equal(cp_vm_state(h, "alpha"), "shutdown");
    assert_int_equal(cp_status(h, "DELETE", "/v1/vms/alpha", NULL), 200);
    assert_string_equal(cp_vm_state(h, "alpha"), "absent");
}

static void test_list_and_info(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "one", "run"), 201);
    assert_int_equal(cp_create_vm(h, "two", "run"), 201);
    assert_int_equal(cp_vm_action(h, "two", "start"), 200);
    struct cp_reply r = cp_request(h, "GET", "/v1/vms?detail=1", NULL);
    assert_int_equal(r.status, 200);
    json_t *vms = json_object_get(r.json, "vms");
    assert_int_equal(json_array_size(vms), 2);
    json_t *two = json_array_get(vms, 1);
    assert_string_equal(json_string_value(json_object_get(two, "name")), "two");
    assert_string_equal(json_string_value(json_object_get(two, "state_letter")), "b");
    assert_true(json_integer_value(json_object_get(json_object_get(two, "stats"), "exits")) > 0);
    cp_reply_free(&r);
    r = cp_request(h, "GET", "/v1/vms/two", NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "events")), 3);
    cp_reply_free(&r);
}

static void test_every_state_error(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "vm", "run"), 201);
    const char *invalid_when_defined[] = {"pause", "resume", "shutdown", "destroy"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(cp_vm_action(h, "vm", invalid_when_defined[i]), 409);
    assert_int_equal(cp_vm_action(h, "vm", "start"), 200);
    assert_int_equal(cp_vm_action(h, "vm", "start"), 409);
    assert_int_equal(cp_vm_action(h, "vm", "resume"), 409);
    assert_int_equal(cp_status(h, "DELETE", "/v1/vms/vm", NULL), 409);
    assert_int_equal(cp_vm_action(h, "vm", "pause"), 200);
    assert_int_equal(cp_vm_action(h, "vm", "pause"), 409);
    struct cp_reply r = cp_request(h, "POST", "/v1/vms/vm/pause", NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "error")),
                        "cannot pause VM 'vm': it is paused");
    cp_reply_free(&r);
    assert_int_equal(cp_vm_action(h, "vm", "destroy"), 200);
    assert_int_equal(cp_vm_action(h, "vm", "pause"), 409);
}

static void test_request_errors(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_status(h, "GET", "/v1/vms/ghost", NULL), 404);
    assert_int_equal(cp_vm_action(h, "ghost", "start"), 404);
    assert_int_equal(cp_status(h, "DELETE", "/v1/vms/ghost", NULL), 404);
    assert_int_equal(cp_create_vm(h, "dup", "run"), 201);
    assert_int_equal(cp_create_vm(h, "dup", "run"), 409);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", "{\"name\": \"x\","), 400);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", "[1,2]"), 400);
    assert_int_equal(cp_create_vm(h, "bad name!", "run"), 400);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", "{\"name\":\"g\",\"guest\":\"/nonexistent\"}"),
                     400);
    char body[1024];
    snprintf(body, sizeof body, "{\"name\":\"m\",\"guest\":\"%s\",\"mem_mib\":1}", h->guest);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", body), 400);
    snprintf(body, sizeof body, "{\"name\":\"m\",\"guest\":\"%s\",\"colour\":1}", h->guest);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", body), 400);
    assert_int_equal(cp_status(h, "GET", "/v1/nothing", NULL), 404);
    assert_int_equal(cp_status(h, "PUT", "/v1/vms", NULL), 405);
    assert_int_equal(cp_vm_action(h, "dup", "explode"), 404);
    /* Every error is JSON with a message. */
    struct cp_reply r = cp_request(h, "GET", "/v1/vms/ghost", NULL);
    assert_non_null(json_string_value(json_object_get(r.json, "error")));
    cp_reply_free(&r);
}

static void test_body_too_large(void **state)
{
    struct cp_harness *h = *state;
    size_t size = 200 * 1024;
    char *big = malloc(size + 1);
    memset(big, ' ', size);
    big[size] = '\0';
    big[0] = '{';
    big[size - 1] = '}';
    assert_int_equal(cp_status(h, "POST", "/v1/vms", big), 413);
    free(big);
    assert_int_equal(cp_status(h, "GET", "/v1/vms", NULL), 200);
}

static int raw_connect(struct cp_harness *h)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", h->socket);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return found;
}

static void test_client_disconnects_mid_request(void **state)
{
    struct cp_harness *h = *state;
    int fd = raw_connect(h);
    const char *partial = "POST /v1/vms HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"name\":";
    assert_int_equal(write(fd, partial, strlen(partial)), (ssize_t)strlen(partial));
    cp_sleep_ms(50);
    close(fd);
    fd = raw_connect(h); /* and one that leaves in the middle of the headers */
    assert_int_equal(write(fd, "GET /v1/vm", 10), 10);
    close(fd);
    struct cp_reply r = cp_request(h, "GET", "/v1/vms", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "vms")), 0);
    cp_reply_free(&r);
    for (int i = 0; i < 200 && !file_contains(h->daemon_log, "disconnected mid-request"); i++)
        cp_sleep_ms(10);
    assert_true(file_contains(h->daemon_log, "disconnected mid-request"));
}

static void test_guest_exit_and_crash(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "exits", "exit=7"), 201);
    assert_int_equal(cp_create_vm(h, "crashes", "crash"), 201);
    assert_int_equal(cp_vm_action(h, "exits", "start"), 200);
    assert_int_equal(cp_vm_action(h, "crashes", "start"), 200);
    assert_true(cp_wait_state(h, "exits", "shutdown"));
    assert_true(cp_wait_state(h, "crashes", "crashed"));
    struct cp_reply r = cp_request(h, "GET", "/v1/vms/exits", NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "exit_code")), 7);
    cp_reply_free(&r);
    r = cp_request(h, "GET", "/v1/vms/crashes", NULL);
    assert_non_null(strstr(json_string_value(json_object_get(r.json, "crash_report")),
                           "vector 14"));
    assert_string_equal(json_string_value(json_object_get(r.json, "state_letter")), "c");
    cp_reply_free(&r);
    r = cp_request(h, "GET", "/v1/vms/exits/logs", NULL);
    assert_non_null(strstr(r.body, "fake VM exits booted"));
    cp_reply_free(&r);
}

/* Runs a request as user nobody; returns the HTTP status (0: cannot connect). */
static long status_as_nobody(struct cp_harness *h)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(100);
        long s = cp_status(h, "GET", "/v1/vms", NULL);
        _exit(s == 0 ? 0 : s == 403 ? 3 : 4);
    }
    int status;
    waitpid(pid, &status, 0);
    int code = WEXITSTATUS(status);
    return code == 0 ? 0 : code == 3 ? 403 : code == 100 ? -1 : 200;
}

static void test_only_owner_and_group(void **state)
{
    struct cp_harness *h = *state;
    if (geteuid() != 0) {
        print_message("skipped: the access test needs root to act as another user\n");
        skip();
    }
    struct stat st;
    assert_int_equal(stat(h->socket, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);
    assert_int_equal(status_as_nobody(h), 0); /* the file's mode stops it */
    chmod(h->socket, 0666);                   /* a mistake: SO_PEERCRED still does */
    chmod(h->dir, 0755);
    assert_int_equal(status_as_nobody(h), 403);
    assert_true(file_contains(h->daemon_log, "uid=65534 gid=65534 GET /v1/vms -> 403"));
    assert_true(file_contains(h->daemon_log, "uid=0 gid=0 GET /v1/vms -> 200") ||
                cp_status(h, "GET", "/v1/vms", NULL) == 200);
}

static void test_full_disk(void **state)
{
    struct cp_harness *h = *state;
    cp_harness_stop_daemon(h, SIGTERM);
    if (mount("tmpfs", h->state, "tmpfs", 0, "size=192k") < 0) {
        print_message("skipped: cannot mount a small tmpfs (%s)\n", strerror(errno));
        skip();
    }
    cp_harness_start_daemon(h);
    char args[3000];
    memset(args, 'x', sizeof args - 1);
    args[sizeof args - 1] = '\0';
    long status = 0;
    int created = 0;
    for (int i = 0; i < 500; i++) {
        char body[4096];
        snprintf(body, sizeof body, "{\"name\":\"vm%d\",\"guest\":\"%s\",\"args\":[\"%s\"]}", i,
                 h->guest, args);
        status = cp_status(h, "POST", "/v1/vms", body);
        if (status != 201)
            break;
        created++;
    }
    assert_int_equal(status, 507);
    char late[512]; /* a bootable guest: create checks what the file holds first */
    snprintf(late, sizeof late, "{\"name\":\"late\",\"guest\":\"%s\",\"args\":[]}", h->guest);
    struct cp_reply r = cp_request(h, "POST", "/v1/vms", late);
    assert_int_equal(r.status, 507);
    assert_non_null(strstr(json_string_value(json_object_get(r.json, "error")), "disk is full"));
    cp_reply_free(&r);
    r = cp_request(h, "GET", "/v1/vms", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal((int)json_array_size(json_object_get(r.json, "vms")), created);
    cp_reply_free(&r);
    cp_harness_stop_daemon(h, SIGKILL);
    cp_harness_start_daemon(h); /* nothing lost, nothing half-made */
    r = cp_request(h, "GET", "/v1/vms", NULL);
    assert_int_equal((int)json_array_size(json_object_get(r.json, "vms")), created);
    cp_reply_free(&r);
    cp_harness_stop_daemon(h, SIGTERM);
    umount2(h->state, MNT_DETACH);
}

/* ---- linux (full-virtualization) VMs -------------------------------------- */

/* A file in the test's directory (content irrelevant to the fake VM). */
static const char *scratch_file(struct cp_harness *h, const char *name, mode_t mode)
{
    static char paths[4][PATH_MAX];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, PATH_MAX, "%s/%s", h->dir, name);
    cp_write_guest(path); /* passes as a guest, a kernel, an initrd and a disk */
    chmod(path, mode);
    return path;
}

static json_t *get_vm(struct cp_harness *h, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/vms/%s", name);
    struct cp_reply r = cp_request(h, "GET", path, NULL);
    json_t *j = json_incref(r.json);
    cp_reply_free(&r);
    return j;
}

/* True when descriptor fd of process pid is the file at path. */
static bool vmm_fd_is(pid_t pid, int fd, const char *path)
{
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)pid, fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return false;
    target[n] = '\0';
    return strcmp(target, path) == 0;
}

/* Created, shown, started (the fake VMM gets `run --kernel ...`), paused,
 * resumed, destroyed, deleted: the same life as a PV VM's. */
static void test_linux_vm_create_to_delete(void **state)
{
    struct cp_harness *h = *state;
    const char *initrd = scratch_file(h, "initrd.img", 0644);
    const char *disk = scratch_file(h, "disk.img", 0644);
    char body[2048];
    snprintf(body, sizeof body,
             "{\"name\":\"lx\",\"kernel\":\"%s\",\"initrd\":\"%s\",\"cmdline\":\"console=ttyS0 quiet\","
             "\"vcpus\":2,\"mem_mib\":64,\"disks\":[{\"path\":\"%s\"},{\"path\":\"%s\","
             "\"readonly\":true}],\"rng\":true}",
             h->guest, initrd, disk, h->guest);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", body), 201);
    json_t *vm = get_vm(h, "lx");
    assert_string_equal(json_string_value(json_object_get(vm, "kind")), "linux");
    assert_string_equal(json_string_value(json_object_get(vm, "kernel")), h->guest);
    assert_string_equal(json_string_value(json_object_get(vm, "initrd")), initrd);
    assert_string_equal(json_string_value(json_object_get(vm, "cmdline")), "console=ttyS0 quiet");
    assert_int_equal(json_integer_value(json_object_get(vm, "vcpus")), 2);
    assert_int_equal(json_integer_value(json_object_get(vm, "mem_mib")), 64);
    assert_int_equal(json_array_size(json_object_get(vm, "disks")), 2);
    assert_true(json_is_true(json_object_get(vm, "rng")));
    assert_null(json_object_get(vm, "guest"));
    json_decref(vm);
    assert_int_equal(cp_vm_action(h, "lx", "start"), 200);
    assert_string_equal(cp_vm_state(h, "lx"), "running");
    pid_t pids[16];
    int n = cp_harness_processes(h, pids, 16), found = 0;
    char want[PATH_MAX * 2];
    /* The VMM gets the files as descriptors 5.. (kernel, initrd, disks),
     * opened with the owner's rights: it never opens the paths itself. */
    snprintf(want, sizeof want, "run --kernel /proc/self/fd/5 --name lx --mem 64 --control");
    for (int i = 0; i < n; i++)
        found += cp_cmdline_mentions(pids[i], want) &&
                 cp_cmdline_mentions(pids[i], "--cpus 2 --initrd /proc/self/fd/6") &&
                 cp_cmdline_mentions(pids[i], "--cmdline console=ttyS0 quiet --disk "
                                              "/proc/self/fd/7 --disk /proc/self/fd/8,ro --rng") &&
                 vmm_fd_is(pids[i], 5, h->guest) && vmm_fd_is(pids[i], 6, initrd) &&
                 vmm_fd_is(pids[i], 7, disk) && vmm_fd_is(pids[i], 8, h->guest);
    assert_true(found >= 1);
    assert_int_equal(cp_vm_action(h, "lx", "pause"), 200);
    assert_int_equal(cp_vm_action(h, "lx", "resume"), 200);
    assert_int_equal(cp_vm_action(h, "lx", "destroy"), 200);
    assert_string_equal(cp_vm_state(h, "lx"), "shutdown");
    assert_int_equal(cp_status(h, "DELETE", "/v1/vms/lx", NULL), 200);
    assert_string_equal(cp_vm_state(h, "lx"), "absent");
}

/* A PV VM's disks: shown, and handed to its VMM as descriptors after the
 * guest image, as `--disk` before the guest's arguments. */
static void test_pv_vm_with_disks(void **state)
{
    struct cp_harness *h = *state;
    const char *disk = scratch_file(h, "pv-disk.img", 0644);
    char body[2048];
    snprintf(body, sizeof body,
             "{\"name\":\"pvd\",\"guest\":\"%s\",\"args\":[\"run\"],"
             "\"disks\":[{\"path\":\"%s\",\"readonly\":true}]}", h->guest, disk);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", body), 201);
    json_t *vm = get_vm(h, "pvd");
    assert_int_equal(json_array_size(json_object_get(vm, "disks")), 1);
    json_decref(vm);
    assert_int_equal(cp_vm_action(h, "pvd", "start"), 200);
    pid_t pids[16];
    int n = cp_harness_processes(h, pids, 16), found = 0;
    for (int i = 0; i < n; i++)
        found += cp_cmdline_mentions(pids[i], "--disk /proc/self/fd/6,ro -- run") &&
                 vmm_fd_is(pids[i], 5, h->guest) && vmm_fd_is(pids[i], 6, disk);
    assert_true(found >= 1);
    assert_int_equal(cp_vm_action(h, "pvd", "destroy"), 200);
    snprintf(body, sizeof body,
             "{\"name\":\"pvbad\",\"guest\":\"%s\",\"disks\":[{\"path\":\"/nonexistent.img\"}]}",
             h->guest);
    struct cp_reply r = cp_request(h, "POST", "/v1/vms", body);
    assert_int_equal(r.status, 400);
    cp_reply_free(&r);
}

/* Defaults are the VMM's (256 MiB, 1 vCPU, its own command line); a PV VM
 * in the same list says it is one. */
static void test_linux_vm_defaults_and_list(void **state)
{
    struct cp_harness *h = *state;
    char body[1024];
    snprintf(body, sizeof body, "{\"name\":\"lx\",\"kind\":\"linux\",\"kernel\":\"%s\"}", h->guest);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", body), 201);
    assert_int_equal(cp_create_vm(h, "pv", "run"), 201);
    struct cp_reply r = cp_request(h, "GET", "/v1/vms", NULL);
    json_t *vms = json_object_get(r.json, "vms");
    json_t *lx = json_array_get(vms, 0), *pv = json_array_get(vms, 1);
    assert_string_equal(json_string_value(json_object_get(lx, "kind")), "linux");
    assert_int_equal(json_integer_value(json_object_get(lx, "mem_mib")), 256);
    assert_int_equal(json_integer_value(json_object_get(lx, "vcpus")), 1);
    assert_true(json_is_null(json_object_get(lx, "cmdline")));
    assert_true(json_is_false(json_object_get(lx, "rng")));
    assert_string_equal(json_string_value(json_object_get(pv, "kind")), "pv");
    assert_string_equal(json_string_value(json_object_get(pv, "guest")), h->guest);
    cp_reply_free(&r);
}

/* Every malformed linux definition: 400 with a message that names the
 * problem, and nothing created. */
static void test_linux_vm_bad_input(void **state)
{
    struct cp_harness *h = *state;
    const char *disk = scratch_file(h, "disk.img", 0644);
    const char *ro_disk = scratch_file(h, "ro.img", 0444);
    const char *comma = scratch_file(h, "a,b.img", 0644);
    char long_cmdline[2100];
    memset(long_cmdline, 'x', sizeof long_cmdline - 1);
    long_cmdline[sizeof long_cmdline - 1] = '\0';
    struct { const char *fields, *arg, *message; } cases[] = {
        {"\"kind\":\"linux\"", NULL, "'kernel' (the kernel image's path) is required"},
        {"\"kernel\":\"relative/bzImage\"", NULL, "must be an absolute path"},
        {"\"kernel\":\"/nonexistent/bzImage\"", NULL, "is not a readable file"},
        {"\"kernel\":\"/tmp\"", NULL, "is not a readable file"},
        {"\"kernel\":\"%1$s\",\"initrd\":\"/nonexistent/initrd\"", NULL, "initrd '/nonexistent/initrd'"},
        {"\"kernel\":\"%1$s\",\"initrd\":7", NULL, "'initrd' must be a path"},
        {"\"kernel\":\"%1$s\",\"vcpus\":0", NULL, "'vcpus' 0 is out of range (1..254)"},
        {"\"kernel\":\"%1$s\",\"vcpus\":255", NULL, "'vcpus' 255 is out of range"},
        {"\"kernel\":\"%1$s\",\"vcpus\":\"2\"", NULL, "'vcpus' must be an integer"},
        {"\"kernel\":\"%1$s\",\"mem_mib\":8", NULL, "out of range for a linux VM (16..3072 MiB)"},
        {"\"kernel\":\"%1$s\",\"mem_mib\":4096", NULL, "out of range for a linux VM"},
        {"\"kernel\":\"%1$s\",\"cmdline\":\"%2$s\"", long_cmdline, "'cmdline' is 2099 bytes; at most 2047"},
        {"\"kernel\":\"%1$s\",\"cmdline\":[]", NULL, "'cmdline' must be a string"},
        {"\"kernel\":\"%1$s\",\"rng\":\"yes\"", NULL, "'rng' must be true or false"},
        {"\"kernel\":\"%1$s\",\"disks\":\"%2$s\"", disk, "'disks' must be an array"},
        {"\"kernel\":\"%1$s\",\"disks\":[\"%2$s\"]", disk, "each of 'disks' must be {"},
        {"\"kernel\":\"%1$s\",\"disks\":[{\"path\":\"%2$s\",\"ro\":true}]", disk, "each of 'disks'"},
        {"\"kernel\":\"%1$s\",\"disks\":[{\"path\":\"/nonexistent.img\"}]", NULL, "disk '/nonexistent.img' is not a readable file"},
        {"\"kernel\":\"%1$s\",\"disks\":[{\"path\":\"%2$s\"}]", comma, "a path with ','"},
        /* root may write a 0444 file: then a plain file stands in */
        {"\"kernel\":\"%1$s\",\"disks\":[{\"path\":\"%2$s\"}]", geteuid() ? ro_disk : "/nonexistent",
         geteuid() ? "is not writable (add \"readonly\": true?)" : "is not a readable file"},
        {"\"kernel\":\"%1$s\",\"disks\":[{\"path\":\"%1$s\"},{\"path\":\"%1$s\"},{\"path\":\"%1$s\"},"
         "{\"path\":\"%1$s\"},{\"path\":\"%1$s\"}]", NULL, "at most 4 disks"},
        {"\"kernel\":\"%1$s\",\"args\":[]", NULL, "'args' is not a field of a linux VM"},
        {"\"kernel\":\"%1$s\",\"guest\":\"%1$s\"", NULL, "'guest' is not a field of a linux VM"},
        {"\"kind\":\"pv\",\"kernel\":\"%1$s\"", NULL, "'kernel' is not a field of a pv VM"},
        {"\"guest\":\"%1$s\",\"cmdline\":\"quiet\"", NULL, "'cmdline' is not a field of a pv VM"},
        {"\"kind\":\"windows\",\"kernel\":\"%1$s\"", NULL, "'kind' must be \"pv\" or \"linux\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char fields[4096], body[8192];
        /* %1$s is the kernel; %2$s, the case's own argument. */
        snprintf(fields, sizeof fields, cases[i].fields, h->guest, cases[i].arg ? cases[i].arg : "");
        snprintf(body, sizeof body, "{\"name\":\"bad\",%s}", fields);
        struct cp_reply r = cp_request(h, "POST", "/v1/vms", body);
        const char *error = json_string_value(json_object_get(r.json, "error"));
        if (r.status != 400 || !error || !strstr(error, cases[i].message))
            fail_msg("case %zu %s: %ld %s (wanted 400 '%s')", i, body, r.status,
                     r.body ? r.body : "", cases[i].message);
        cp_reply_free(&r);
    }
    assert_string_equal(cp_vm_state(h, "bad"), "absent");
}

/* The registry as the first release wrote it: no kind, no linux fields. */
static const char old_schema[] =
    "CREATE TABLE vms (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    " guest TEXT NOT NULL, args TEXT NOT NULL DEFAULT '[]', mem_mib INTEGER NOT NULL,"
    " vcpus INTEGER NOT NULL DEFAULT 1, state TEXT NOT NULL,"
    " backend TEXT NOT NULL DEFAULT 'process', runtime TEXT,"
    " exit_code INTEGER NOT NULL DEFAULT -1, crash_report TEXT, created_ns INTEGER NOT NULL,"
    " changed_ns INTEGER NOT NULL);"
    "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, vm_id INTEGER NOT NULL,"
    " time_ns INTEGER NOT NULL, text TEXT NOT NULL);"
    "CREATE INDEX events_by_vm ON events(vm_id, id);";

static void write_old_registry(struct cp_harness *h)
{
    char db_path[PATH_MAX], sql[1024];
    mkdir(h->state, 0700);
    snprintf(db_path, sizeof db_path, "%s/registry.db", h->state);
    snprintf(sql, sizeof sql,
             "%s INSERT INTO vms(name, guest, args, mem_mib, state, created_ns, changed_ns)"
             " VALUES('old', '%s', '[\"run\"]', 4, 'defined', 1, 1);"
             "INSERT INTO events(vm_id, time_ns, text) VALUES(1, 1, 'created');",
             old_schema, h->guest);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int user_version(struct cp_harness *h)
{
    char db_path[PATH_MAX];
    snprintf(db_path, sizeof db_path, "%s/registry.db", h->state);
    sqlite3 *db;
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return version;
}

/* A database from before linux VMs: its PV VM is kept as a PV VM and still
 * runs, linux VMs can be added, and a restarted daemon migrates nothing twice. */
static int setup_old_registry(void **state)
{
    static struct cp_harness h;
    cp_harness_init(&h);
    write_old_registry(&h);
    cp_harness_start_daemon(&h);
    *state = &h;
    return 0;
}

static void test_registry_migration_keeps_old_vms(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(user_version(h), REGISTRY_SCHEMA_VERSION);
    json_t *vm = get_vm(h, "old");
    assert_string_equal(json_string_value(json_object_get(vm, "kind")), "pv");
    assert_string_equal(json_string_value(json_object_get(vm, "guest")), h->guest);
    assert_int_equal(json_array_size(json_object_get(vm, "events")), 1);
    /* before owners were recorded: root's, never whoever asks first */
    assert_int_equal(json_integer_value(json_object_get(vm, "owner_uid")), 0);
    json_decref(vm);
    assert_int_equal(cp_vm_action(h, "old", "start"), 200);
    assert_string_equal(cp_vm_state(h, "old"), "running");
    char body[1024];
    snprintf(body, sizeof body, "{\"name\":\"lx\",\"kernel\":\"%s\",\"rng\":true}", h->guest);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", body), 201);
    cp_harness_stop_daemon(h, SIGKILL);
    cp_harness_start_daemon(h);
    assert_int_equal(user_version(h), REGISTRY_SCHEMA_VERSION);
    assert_string_equal(cp_vm_state(h, "old"), "running");
    vm = get_vm(h, "lx");
    assert_string_equal(json_string_value(json_object_get(vm, "kind")), "linux");
    assert_true(json_is_true(json_object_get(vm, "rng")));
    json_decref(vm);
    assert_int_equal(cp_vm_action(h, "old", "destroy"), 200);
}

/* A database from a newer mica is refused rather than misread. */
static void test_registry_from_a_newer_mica_is_refused(void **state)
{
    (void)state;
    char dir[] = "/tmp/mica-cp-test-XXXXXX", db_path[PATH_MAX];
    assert_non_null(mkdtemp(dir));
    snprintf(db_path, sizeof db_path, "%s/registry.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct cp_error err = {0};
    struct registry *r = registry_open(db_path, &err);
    assert_null(r);
    assert_non_null(strstr(err.message, "schema version 99 is newer"));
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        CP_TEST(test_lifecycle_create_to_delete),
        CP_TEST(test_list_and_info),
        CP_TEST(test_every_state_error),
        CP_TEST(test_request_errors),
        CP_TEST(test_body_too_large),
        CP_TEST(test_client_disconnects_mid_request),
        CP_TEST(test_guest_exit_and_crash),
        CP_TEST(test_only_owner_and_group),
        CP_TEST(test_full_disk),
        CP_TEST(test_linux_vm_create_to_delete),
        CP_TEST(test_pv_vm_with_disks),
        CP_TEST(test_linux_vm_defaults_and_list),
        CP_TEST(test_linux_vm_bad_input),
        cmocka_unit_test_setup_teardown(test_registry_migration_keeps_old_vms, setup_old_registry,
                                        cp_harness_teardown),
        cmocka_unit_test(test_registry_from_a_newer_mica_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
