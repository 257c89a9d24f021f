/*
 * What hostile guests and local clients must not be able to do to the
 * control program (issue 15, findings 5-8; docs/security.md): fill the disk
 * through a console log, crash or exhaust the daemon with a log tail, make a
 * VM process spin on its control socket, lock others out of the API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"
#include "support/test_text.h"

#include "cp/log_rotate.h"
#include "cp/log_tail.h"
#include "cp/peer_quota.h"
#include "ctl/unix_socket.h"
#include "ctl/vm_control.h"
#include "util/file.h"

#include <grp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : 0;
}

/* A response counted, not kept (cp_request's growing buffer is slow under
 * ASan for tens of MiB): its size and its last bytes. */
struct counted {
    size_t len;
    char last[64];
};

static size_t count_body(char *data, size_t size, size_t n, void *arg)
{
    struct counted *c = arg;
    size_t len = size * n, keep = sizeof c->last - 1;
    if (len >= keep) {
        memcpy(c->last, data + len - keep, keep);
    } else {
        size_t old = strlen(c->last), drop = old + len > keep ? old + len - keep : 0;
        memmove(c->last, c->last + drop, old - drop);
        memcpy(c->last + old - drop, data, len);
        c->last[old - drop + len] = '\0';
    }
    c->last[keep] = '\0';
    c->len += len;
    return len;
}

static long timed_get(struct cp_harness *h, const char *path, long timeout_ms,
                      struct counted *body)
{
    char url[256];
    snprintf(url, sizeof url, "http://localhost%s", path);
    struct counted ignored;
    if (!body)
        body = &ignored;
    memset(body, 0, sizeof *body);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->socket);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

/* STATE/vms/ID of the harness's only VM. */
static void only_vm_dir(struct cp_harness *h, char *out, size_t size)
{
    char vms[PATH_MAX];
    snprintf(vms, sizeof vms, "%s/vms", h->state);
    DIR *d = opendir(vms);
    assert_non_null(d);
    struct dirent *e;
    out[0] = '\0';
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            snprintf(out, size, "%s/%s", vms, e->d_name);
    closedir(d);
    assert_true(out[0] != '\0');
}

/* Waits (up to 20 s) until the VM's log tail ends with "flood done". */
static bool wait_flood_done(struct cp_harness *h, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/vms/%s/logs?tail=64", name);
    for (int i = 0; i < 2000; i++) {
        struct cp_reply r = cp_request(h, "GET", path, NULL);
        bool done = r.status == 200 && r.body && strstr(r.body, "flood done\n");
        cp_reply_free(&r);
        if (done)
            return true;
        cp_sleep_ms(10);
    }
    return false;
}

/* A daemon whose VM logs are capped at `mib` MiB per file. */
static int setup_with_log_cap(void **state, const char *mib)
{
    static struct cp_harness h;
    cp_harness_init(&h);
    h.daemon_args[0] = "--log-max-mib";
    h.daemon_args[1] = mib;
    cp_harness_start_daemon(&h);
    *state = &h;
    return 0;
}

static int setup_small_logs(void **state)
{
    return setup_with_log_cap(state, "1");
}

static int setup_big_logs(void **state)
{
    return setup_with_log_cap(state, "24");
}

/* A VM whose guest prints `mode` (flood=MIB), once it has printed it all. */
static void start_flooding_vm(struct cp_harness *h, const char *name, const char *mode)
{
    assert_int_equal(cp_create_vm(h, name, mode), 201);
    assert_int_equal(cp_vm_action(h, name, "start"), 200);
    assert_true(wait_flood_done(h, name));
}

/* Finding 5: a guest printing 48 MiB leaves at most 2 x 1 MiB on disk, and
 * the newest output is what is kept. */
static void test_flooding_guest_cannot_grow_its_log_past_the_cap(void **state)
{
    struct cp_harness *h = *state;
    start_flooding_vm(h, "flood", "flood=48");
    char dir[PATH_MAX], log[PATH_MAX + 8], old[PATH_MAX + 8];
    only_vm_dir(h, dir, sizeof dir);
    snprintf(log, sizeof log, "%s/log", dir);
    snprintf(old, sizeof old, "%s/log.1", dir);
    assert_true(file_size(log) <= 1 << 20);
    assert_true(file_size(old) <= 1 << 20);
    assert_true(file_size(old) > 0); /* it rotated */
    /* The whole tail there is: both files, newest last. */
    struct counted body;
    assert_int_equal(timed_get(h, "/v1/vms/flood/logs?tail=67108864", 60000, &body), 200);
    assert_int_equal(body.len, file_size(log) + file_size(old));
    assert_true(body.len >= 1 << 20);
    assert_string_equal(body.last + strlen(body.last) - 11, "flood done\n");
    /* Deleting the VM removes the rotated file too. */
    assert_int_equal(cp_vm_action(h, "flood", "destroy"), 200);
    assert_int_equal(cp_status(h, "DELETE", "/v1/vms/flood", NULL), 200);
    assert_int_equal(access(old, F_OK), -1);
}

/* The writer itself: rotation keeps the newest bytes, under the cap. */
static void test_log_writer_rotates(void **state)
{
    (void)state;
    char dir[] = "/tmp/mica-log-XXXXXX", path[64], rotated[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/log", dir);
    assert_int_equal(log_rotated_path(path, rotated, sizeof rotated), 0);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    struct log_writer w;
    log_writer_init(&w, fd, path, rotated, LOG_ROTATE_MIN_BYTES);
    char line[1000];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(line, sizeof line, "line %d\n", i);
        log_writer_append(&w, line, (size_t)n);
    }
    assert_true(file_size(path) <= LOG_ROTATE_MIN_BYTES);
    assert_true(file_size(rotated) <= LOG_ROTATE_MIN_BYTES);
    char *tail = read_file_tail(path, 9, NULL);
    assert_string_equal(tail, "line 999\n");
    free(tail);
    close(w.fd);
    unlink(path);
    unlink(rotated);
    rmdir(dir);
}

/* Finding 6: every out-of-range or malformed tail is a 400 with one reason,
 * in the sanitizer build too (no overflow, no SIZE_MAX malloc). */
static void test_hostile_tail_values_are_400(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "vm", "run"), 201);
    static const char *const bad[] = {
        "9223372036854775808", "18446744073709551614", "18446744073709551615",
        "18446744073709551616", "99999999999999999999999999", "-1", "abc", "", "1e3",
        "%205", "+5", "5x", "0x10", "67108865",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/vms/vm/logs?tail=%s", bad[i]);
        struct cp_reply r = cp_request(h, "GET", path, NULL);
        if (r.status != 400)
            fail_msg("tail=%s: HTTP %ld, expected 400", bad[i], r.status);
        assert_contains(json_string_value(json_object_get(r.json, "error")), "tail must be");
        cp_reply_free(&r);
    }
    assert_int_equal(cp_status(h, "GET", "/v1/vms/vm/logs?tail=0", NULL), 200);
    assert_int_equal(cp_status(h, "GET", "/v1/vms/vm/logs?tail=67108864", NULL), 200);
    assert_int_equal(cp_status(h, "GET", "/v1/version", NULL), 200); /* still there */
}

static long vm_hwm_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* Finding 5: a ~46 MiB tail is streamed, not read into memory (twice). */
static void test_huge_tail_is_served_in_bounded_memory(void **state)
{
    struct cp_harness *h = *state;
    start_flooding_vm(h, "big", "flood=70");
    long before = vm_hwm_kib(h->daemon);
    struct counted body;
    assert_int_equal(timed_get(h, "/v1/vms/big/logs?tail=67108864", 60000, &body), 200);
    long after = vm_hwm_kib(h->daemon);
    assert_true(body.len > 40u << 20);
    assert_string_equal(body.last + strlen(body.last) - 11, "flood done\n");
    size_t served = body.len;
    if (after - before >= 16 * 1024)
        fail_msg("the daemon's peak memory grew by %ld KiB serving a %zu-byte tail",
                 after - before, served);
}

/* ---- finding 7: a VM process out of descriptors ------------------------------ */

static int nop(void *ctx)
{
    (void)ctx;
    return 0;
}

static int nop_stats(void *ctx, struct vm_control_stats *out)
{
    (void)ctx;
    out->exits = 1;
    return 0;
}

static long thread_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

/* Serves `c` as a VMM's event loop does, for ms of wall time. */
static void serve_for(struct vm_control *c, int ms)
{
    for (int64_t end = now_ms() + ms; now_ms() < end;) {
        struct pollfd p = {.fd = vm_control_fd(c), .events = POLLIN};
        if (poll(&p, 1, (int)(end - now_ms() > 0 ? end - now_ms() : 0)) > 0)
            vm_control_on_readable(c);
    }
}

/* A control server of our own, in a scratch directory. */
struct scratch_control {
    char dir[32], path[64];
    struct vm_control *c;
};

static void scratch_control_open(struct scratch_control *s)
{
    static const struct vm_control_ops ops = {nop, nop, nop, nop_stats, NULL, NULL, NULL, NULL};
    char err[256];
    snprintf(s->dir, sizeof s->dir, "/tmp/mica-ctl-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->path, sizeof s->path, "%s/control.sock", s->dir);
    s->c = vm_control_open(s->path, &ops, NULL, err, sizeof err);
    assert_non_null(s->c);
}

static void scratch_control_close(struct scratch_control *s)
{
    vm_control_close(s->c);
    rmdir(s->dir);
}

/* What the server has sent on fd so far (NUL-terminated), without waiting. */
static void received(int fd, char *buf, size_t size)
{
    ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);
    assert_true(n > 0);
    buf[n] = '\0';
}

static void test_control_server_out_of_descriptors_does_not_spin(void **state)
{
    (void)state;
    struct scratch_control sc;
    scratch_control_open(&sc);
    struct vm_control *c = sc.c;
    const char *path = sc.path;
    /* Clients waiting in the backlog, then no descriptor left to accept them. */
    int clients[20];
    for (int i = 0; i < 20; i++)
        assert_true((clients[i] = unix_connect(path)) >= 0);
    struct rlimit saved;
    getrlimit(RLIMIT_NOFILE, &saved);
    int hog[256], hogged = 0;
    while (hogged < 256 && (hog[hogged] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        hogged++;
    struct rlimit few = {(rlim_t)hog[hogged - 1] + 1, saved.rlim_max};
    setrlimit(RLIMIT_NOFILE, &few);
    assert_int_equal(open("/dev/null", O_RDONLY), -1);
    long cpu_before = thread_cpu_us();
    serve_for(c, 500);
    long cpu_us = thread_cpu_us() - cpu_before;
    setrlimit(RLIMIT_NOFILE, &saved);
    for (int i = 0; i < hogged; i++)
        close(hog[i]);
    /* Spinning would cost the whole 500 ms; shedding the 20 costs little. */
    if (cpu_us > 150000)
        fail_msg("the control server used %ld us of CPU in 500 ms while out of descriptors",
                 cpu_us);
    /* Each waiting client was told why and closed, not left hanging. */
    for (int i = 0; i < 20; i++) {
        char reply[256];
        received(clients[i], reply, sizeof reply);
        assert_contains(reply, "out of file descriptors");
        close(clients[i]);
    }
    /* With descriptors again, it serves as before. */
    int fd = unix_connect(path);
    assert_true(fd >= 0);
    assert_int_equal(send(fd, "{\"cmd\":\"stats\"}\n", 16, 0), 16);
    serve_for(c, 100);
    char reply[512];
    received(fd, reply, sizeof reply);
    assert_contains(reply, "\"ok\":true");
    close(fd);
    scratch_control_close(&sc);
}

/* A VM process keeps at most VM_CONTROL_CONNS_PER_UID connections of one
 * user; the next is told so and closed. */
static void test_control_connections_are_limited(void **state)
{
    (void)state;
    struct scratch_control sc;
    scratch_control_open(&sc);
    struct vm_control *c = sc.c;
    const char *path = sc.path;
    int clients[VM_CONTROL_CONNS_PER_UID + 1];
    for (unsigned i = 0; i <= VM_CONTROL_CONNS_PER_UID; i++) {
        assert_true((clients[i] = unix_connect(path)) >= 0);
        serve_for(c, 5);
    }
    char reply[256];
    received(clients[VM_CONTROL_CONNS_PER_UID], reply, sizeof reply);
    assert_contains(reply, "too many control connections");
    assert_int_equal(recv(clients[0], reply, sizeof reply, MSG_DONTWAIT), -1); /* kept */
    for (unsigned i = 0; i <= VM_CONTROL_CONNS_PER_UID; i++)
        close(clients[i]);
    scratch_control_close(&sc);
}

/* A child acting as user `uid` (in group 0, the scratch socket's group):
 * it opens n connections, says so on `to_parent`, waits for a byte on
 * `from_parent` (the server has run meanwhile), then reports how many of
 * its connections were refused (an error line waiting) and exits. */
static pid_t connect_as(const char *path, uid_t uid, int n, int to_parent, int from_parent)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (setgroups(0, NULL) < 0 || setgid(0) < 0 || setuid(uid) < 0)
        _exit(1);
    int fds[64], refused = 0;
    for (int i = 0; i < n; i++)
        fds[i] = unix_connect(path);
    char go;
    if (write(to_parent, &n, sizeof n) < 0 || read(from_parent, &go, 1) != 1)
        _exit(1);
    for (int i = 0; i < n; i++) {
        char line[256];
        refused += fds[i] < 0 || recv(fds[i], line, sizeof line, MSG_DONTWAIT) > 0;
    }
    if (write(to_parent, &refused, sizeof refused) < 0)
        _exit(1);
    _exit(0);
}

/* Other users together cannot take the daemon's share of a VM's control
 * connections: three users fill theirs, root still gets in. */
static void test_control_keeps_a_share_for_the_daemon(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("skipped: acting as other users needs root\n");
        skip();
    }
    struct scratch_control sc;
    scratch_control_open(&sc);
    chmod(sc.dir, 0755); /* so the other users can reach the socket */
    int up[2], down[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    const uid_t users[] = {65532, 65533, 65534};
    pid_t kids[3];
    int refused[3], opened;
    for (int i = 0; i < 3; i++) {
        kids[i] = connect_as(sc.path, users[i], VM_CONTROL_CONNS_PER_UID, up[1], down[0]);
        assert_int_equal(read(up[0], &opened, sizeof opened), sizeof opened);
        serve_for(sc.c, 100); /* accepts (or refuses) this user's connections */
    }
    int mine = unix_connect(sc.path);
    assert_true(mine >= 0);
    serve_for(sc.c, 100);
    char line[256];
    assert_int_equal(recv(mine, line, sizeof line, MSG_DONTWAIT), -1); /* root is served */
    assert_int_equal(write(down[1], "ggg", 3), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(read(up[0], &refused[i], sizeof refused[i]), sizeof refused[i]);
        waitpid(kids[i], NULL, 0);
    }
    /* 64 from other users in all: the third user's were refused. */
    assert_int_equal(refused[0] + refused[1] + refused[2],
                     3 * (int)VM_CONTROL_CONNS_PER_UID - (int)VM_CONTROL_MAX_CONNS);
    close(mine);
    int pipes[] = {up[0], up[1], down[0], down[1]};
    close_fds(pipes, 4);
    scratch_control_close(&sc);
}

static pid_t only_vm_pid(struct cp_harness *h)
{
    char dir[PATH_MAX], pids[PATH_MAX + 8];
    only_vm_dir(h, dir, sizeof dir);
    snprintf(pids, sizeof pids, "%s/pids", dir);
    FILE *f = fopen(pids, "r");
    int pid = -1;
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = -1;
        fclose(f);
    }
    return pid;
}

/* Finding 7 end to end: the daemon's pause of a VM out of descriptors is
 * answered at once (an error), the VM does not spin, the API stays up. */
static void test_daemon_answers_for_a_vm_out_of_descriptors(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "hog", "fdhog"), 201);
    assert_int_equal(cp_vm_action(h, "hog", "start"), 200);
    pid_t vm = only_vm_pid(h);
    assert_true(vm > 0);
    cp_sleep_ms(200); /* it has used up its descriptors by now */
    long ticks = process_cpu_ticks(vm);
    int64_t t0 = now_ms();
    long status = cp_vm_action(h, "hog", "pause");
    int64_t pause_ms = now_ms() - t0;
    assert_int_not_equal(status, 200);
    assert_int_equal(cp_status(h, "GET", "/v1/version", NULL), 200);
    cp_sleep_ms(1000 - (int)(now_ms() - t0 > 1000 ? 1000 : now_ms() - t0));
    long used = process_cpu_ticks(vm) - ticks; /* in 1/100 s, over ~1 s */
    if (pause_ms > 2000)
        fail_msg("pause of a VM out of descriptors took %lld ms", (long long)pause_ms);
    if (used > 30)
        fail_msg("the VM process used %ld/100 s of CPU in 1 s: it spins", used);
    assert_string_equal(cp_vm_state(h, "hog"), "running");
    assert_int_equal(cp_vm_action(h, "hog", "destroy"), 200);
}

/* ---- finding 8: idle connections ------------------------------------------- */

/* A child holding `n` idle connections (opened without blocking); it says
 * how many it opened on `ready` and then waits to be killed. */
static pid_t hold_idle_connections(struct cp_harness *h, int n, int ready)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    struct rlimit many = {(rlim_t)n + 64, (rlim_t)n + 64};
    setrlimit(RLIMIT_NOFILE, &many);
    int opened = 0;
    for (int i = 0; i < n; i++) {
        for (int tries = 0; tries < 100; tries++) { /* a full backlog: a moment */
            int fd = unix_connect_nonblocking(h->socket);
            opened += fd >= 0;
            if (fd != -EAGAIN)
                break;
            cp_sleep_ms(1);
        }
    }
    if (write(ready, &opened, sizeof opened) != sizeof opened)
        _exit(1);
    for (;;)
        pause();
}

static void test_idle_connections_do_not_lock_out_others(void **state)
{
    struct cp_harness *h = *state;
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t holder = hold_idle_connections(h, 1100, ready[1]);
    int opened = 0;
    assert_int_equal(read(ready[0], &opened, sizeof opened), sizeof opened);
    assert_true(opened >= 1000);
    cp_sleep_ms(200); /* the daemon has seen them all */
    for (int i = 0; i < 5; i++) {
        int64_t t0 = now_ms();
        long status = timed_get(h, "/v1/version", 3000, NULL);
        if (status != 200)
            fail_msg("request %d while another client holds %d idle connections: HTTP %ld "
                     "after %lld ms", i, opened, status, (long long)(now_ms() - t0));
    }
    kill(holder, SIGKILL);
    waitpid(holder, NULL, 0);
    close(ready[0]);
    close(ready[1]);
    /* The refusals were logged, once a second at most. */
    FILE *f = fopen(h->daemon_log, "r");
    char line[512];
    int refusals = 0;
    while (f && fgets(line, sizeof line, f))
        refusals += strstr(line, "connection refused") != NULL;
    if (f)
        fclose(f);
    assert_true(refusals >= 1 && refusals <= 5);
}

/* The shares themselves: per process, per user, and given back. */
static void test_peer_quota_shares(void **state)
{
    (void)state;
    static struct peer_quota q;
    peer_quota_init(&q, 2, 3);
    struct peer a1 = {.pid = 100, .uid = 1000}, a2 = {.pid = 101, .uid = 1000},
                b = {.pid = 200, .uid = 2000};
    assert_true(peer_quota_take(&q, &a1));
    assert_true(peer_quota_take(&q, &a1));
    assert_false(peer_quota_take(&q, &a1)); /* its process's share */
    assert_true(peer_quota_take(&q, &a2));
    assert_false(peer_quota_take(&q, &a2)); /* its user's share */
    assert_true(peer_quota_take(&q, &b));   /* another user is not affected */
    peer_quota_release(&q, &a1);
    assert_true(peer_quota_take(&q, &a2));
    peer_quota_destroy(&q);
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flooding_guest_cannot_grow_its_log_past_the_cap,
                                        setup_small_logs, cp_harness_teardown),
        cmocka_unit_test(test_log_writer_rotates),
        CP_TEST(test_hostile_tail_values_are_400),
        cmocka_unit_test_setup_teardown(test_huge_tail_is_served_in_bounded_memory,
                                        setup_big_logs, cp_harness_teardown),
        cmocka_unit_test(test_control_server_out_of_descriptors_does_not_spin),
        cmocka_unit_test(test_control_connections_are_limited),
        cmocka_unit_test(test_control_keeps_a_share_for_the_daemon),
        CP_TEST(test_daemon_answers_for_a_vm_out_of_descriptors),
        CP_TEST(test_idle_connections_do_not_lock_out_others),
        cmocka_unit_test(test_peer_quota_shares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
