/*
 * Test harness for the control program: a scratch directory, a real daemon
 * process on a real socket (this test binary re-executed as `daemon`, with
 * itself as the VMM so VMs are fake_vm processes), HTTP requests with
 * libcurl, and the CLI run as a child process.  A test binary using it calls
 * cp_harness_main_hook() first thing in main().
 * Header-only: see cp_fake_vm.h for why.
 */
#ifndef MICA_TESTS_CP_HARNESS_H
#define MICA_TESTS_CP_HARNESS_H

#include "cli/cp_commands.h"
#include "support/cp_fake_vm.h"
#include "util/proc_title.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define CP_UNUSED __attribute__((unused))

struct cp_harness {
    char dir[64];
    char socket[100];
    char state[200];
    char guest[200];
    char daemon_log[200];
    char self[200];
    pid_t daemon;
    const char *daemon_args[8]; /* more options for the daemon, NULL-terminated */
};

/* `TEST run ...` is a fake VM, `TEST daemon ...` the daemon, `TEST cli CMD
 * ...` one CLI command: returns true with *status when argv asked for one. */
static CP_UNUSED bool cp_harness_main_hook(int argc, char **argv, int *status)
{
    if (argc >= 2 && strcmp(argv[1], "run") == 0) {
        *status = fake_vm_main(argc, argv);
        return true;
    }
    if (argc >= 2 && strcmp(argv[1], "daemon") == 0) {
        proc_title_init(argc, argv); /* as main.c does */
        *status = cmd_daemon(argc - 1, argv + 1);
        return true;
    }
    if (argc >= 3 && strcmp(argv[1], "cli") == 0) {
        const struct cp_command *c = cp_command_find(argv[2]);
        *status = c ? cp_command_run(c, argc - 2, argv + 2) : 125;
        return true;
    }
    return false;
}

static CP_UNUSED void cp_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Writes a copy of the bundled hello.elf (build/guests, found from this
 * test binary at build/test/unit/) padded with zeros to a multiple of 512
 * bytes: the daemon checks what a definition names at create and start
 * (issue 13, defect 6), and this one file passes as a PV guest, as a
 * kernel (an ELF) and as a disk.  The fake VM ignores what it holds. */
static CP_UNUSED void cp_write_guest(const char *path)
{
    char self[PATH_MAX], src[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(src, sizeof src, "%s/../../guests/hello.elf", self);
    FILE *in = fopen(src, "r"), *out = fopen(path, "w");
    if (!in || !out) {
        fprintf(stderr, "cp_harness: cannot copy %s to %s (run 'make guests')\n", src, path);
        abort();
    }
    char buf[4096];
    size_t got, total = 0;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        total += fwrite(buf, 1, got, out);
    for (; total % 512; total++)
        fputc(0, out);
    fclose(in);
    fclose(out);
}

static CP_UNUSED void cp_harness_init(struct cp_harness *h)
{
    memset(h, 0, sizeof *h);
    snprintf(h->dir, sizeof h->dir, "/tmp/mica-cp-test-XXXXXX");
    if (!mkdtemp(h->dir))
        abort();
    snprintf(h->socket, sizeof h->socket, "%s/mica.sock", h->dir);
    snprintf(h->state, sizeof h->state, "%s/state", h->dir);
    snprintf(h->guest, sizeof h->guest, "%s/guest.elf", h->dir);
    snprintf(h->daemon_log, sizeof h->daemon_log, "%s/daemon.log", h->dir);
    ssize_t n = readlink("/proc/self/exe", h->self, sizeof h->self - 1);
    h->self[n > 0 ? n : 0] = '\0';
    cp_write_guest(h->guest);
}

static CP_UNUSED bool cp_socket_answers(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static CP_UNUSED void cp_harness_wait_daemon(struct cp_harness *h);

static CP_UNUSED void cp_harness_start_daemon(struct cp_harness *h)
{
    h->daemon = fork();
    if (h->daemon == 0) {
        int log = open(h->daemon_log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(log, 2);
        const char *argv[20] = {h->self,  "daemon", "--socket", h->socket, "--state-dir",
                                h->state, "--vmm",  h->self};
        for (int i = 0, n = 8; i < 8 && h->daemon_args[i]; i++)
            argv[n++] = h->daemon_args[i];
        execv(h->self, (char **)argv);
        _exit(127);
    }
    cp_harness_wait_daemon(h);
}

static CP_UNUSED int cp_harness_stop_daemon(struct cp_harness *h, int sig)
{
    int status = -1;
    if (h->daemon > 0) {
        kill(h->daemon, sig);
        waitpid(h->daemon, &status, 0);
        h->daemon = 0;
    }
    return status;
}

/* Kills every VM process the daemon's backend recorded (pids files). */
static CP_UNUSED void cp_harness_kill_vms(struct cp_harness *h)
{
    char vms[PATH_MAX + 8];
    snprintf(vms, sizeof vms, "%s/vms", h->state);
    DIR *d = opendir(vms);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s/pids", vms, e->d_name);
        FILE *f = fopen(path, "r");
        int pid, monitor;
        if (f && fscanf(f, "%d %d", &pid, &monitor) == 2)
            kill(pid, SIGKILL);
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
}

/* True when process `pid`'s command line mentions `needle`. */
static CP_UNUSED bool cp_cmdline_mentions(pid_t pid, const char *needle)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    for (size_t i = 0; i < n; i++) /* arguments are NUL-separated */
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

/* The processes of this test: their command line names its scratch
 * directory (the daemon, its VM monitors, which are forks of it, and the
 * VMs, by their --control path).  Fills pids (up to max); returns how many. */
static CP_UNUSED int cp_harness_processes(struct cp_harness *h, pid_t *pids, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) && n < max) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid > 0 && pid != getpid() && cp_cmdline_mentions(pid, h->dir))
            pids[n++] = pid;
    }
    if (d)
        closedir(d);
    return n;
}

/* SIGKILLs whatever process of this test is left (by pid: other tests and
 * other users' VMs are never touched); returns how many there were. */
static CP_UNUSED int cp_harness_kill_leftovers(struct cp_harness *h)
{
    pid_t pids[256];
    int found = 0;
    /* A monitor may fork its VM after the first pass: look again until calm. */
    for (int pass = 0; pass < 50; pass++) {
        int n = cp_harness_processes(h, pids, 256);
        if (n == 0)
            break;
        for (int i = 0; i < n; i++) {
            fprintf(stderr, "cp_harness: killing leftover process %d of %s\n", (int)pids[i],
                    h->dir);
            kill(pids[i], SIGKILL);
        }
        found += n;
        cp_sleep_ms(20);
    }
    return found;
}

/* Stops the daemon and every VM; returns how many processes were still
 * there after the recorded ones were killed (0 unless something leaked). */
static CP_UNUSED int cp_harness_cleanup(struct cp_harness *h)
{
    cp_harness_stop_daemon(h, SIGKILL);
    cp_harness_kill_vms(h);
    cp_sleep_ms(50);
    int leftovers = cp_harness_kill_leftovers(h);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", h->dir);
    if (getenv("CP_KEEP") == NULL && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", h->dir);
    return leftovers;
}

/* The usual cmocka fixture: a scratch directory and a daemon. */
static CP_UNUSED int cp_harness_setup(void **state)
{
    static struct cp_harness h;
    cp_harness_init(&h);
    cp_harness_start_daemon(&h);
    *state = &h;
    return 0;
}

/* Fails (cmocka reports the test's teardown as failed) when a process of
 * the test outlived the killing of the VMs the daemon had recorded. */
static CP_UNUSED int cp_harness_teardown(void **state)
{
    return cp_harness_cleanup(*state) == 0 ? 0 : -1;
}

/* A test with that fixture. */
#define CP_TEST(fn) cmocka_unit_test_setup_teardown(fn, cp_harness_setup, cp_harness_teardown)

struct cp_reply {
    long status;
    json_t *json; /* NULL when the body is not JSON */
    char *body;
    size_t len;
};

static size_t cp_collect(char *data, size_t size, size_t n, void *arg)
{
    struct cp_reply *r = arg;
    r->body = realloc(r->body, r->len + size * n + 1);
    memcpy(r->body + r->len, data, size * n);
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

/* One HTTP request over the daemon's socket. */
static CP_UNUSED struct cp_reply cp_request(struct cp_harness *h, const char *method,
                                            const char *path, const char *body)
{
    struct cp_reply r = {0};
    char url[1024];
    snprintf(url, sizeof url, "http://localhost%s", path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->socket);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cp_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    if (r.body)
        r.json = json_loadb(r.body, r.len, 0, NULL);
    return r;
}

static CP_UNUSED void cp_reply_free(struct cp_reply *r)
{
    json_decref(r->json);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* Status of a request, freeing the reply. */
static CP_UNUSED long cp_status(struct cp_harness *h, const char *method, const char *path,
                                const char *body)
{
    struct cp_reply r = cp_request(h, method, path, body);
    long status = r.status;
    cp_reply_free(&r);
    return status;
}

/* Waits (up to 10 s) until the daemon answers HTTP.  A socket that merely
 * accepts is not enough: after a SIGKILL, the old daemon's socket file may
 * still be there, and a VM monitor it had just forked may hold its
 * listening socket open for an instant, so a connect can succeed before the
 * new daemon has even started. */
static CP_UNUSED void cp_harness_wait_daemon(struct cp_harness *h)
{
    for (int i = 0; i < 1000; i++) {
        if (cp_socket_answers(h->socket) && cp_status(h, "GET", "/v1/version", NULL) == 200)
            return;
        cp_sleep_ms(10);
    }
}

static CP_UNUSED long cp_create_vm(struct cp_harness *h, const char *name, const char *mode)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"guest\":\"%s\",\"mem_mib\":4,\"args\":[\"%s\"]}",
             name, h->guest, mode);
    return cp_status(h, "POST", "/v1/vms", body);
}

static CP_UNUSED long cp_vm_action(struct cp_harness *h, const char *name, const char *action)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/vms/%s/%s", name, action);
    return cp_status(h, "POST", path, NULL);
}

/* The VM's state as the daemon reports it (static buffer). */
static CP_UNUSED const char *cp_vm_state(struct cp_harness *h, const char *name)
{
    static char state[32];
    char path[256];
    snprintf(path, sizeof path, "/v1/vms/%s", name);
    struct cp_reply r = cp_request(h, "GET", path, NULL);
    const char *s = json_string_value(json_object_get(r.json, "state"));
    snprintf(state, sizeof state, "%s", s ? s : r.status == 404 ? "absent" : "?");
    cp_reply_free(&r);
    return state;
}

/* Polls until the VM reaches `want` (up to 10 s); true on success. */
static CP_UNUSED bool cp_wait_state(struct cp_harness *h, const char *name, const char *want)
{
    for (int i = 0; i < 1000; i++) {
        if (strcmp(cp_vm_state(h, name), want) == 0)
            return true;
        cp_sleep_ms(10);
    }
    return false;
}

/* Runs `TEST cli ARGS... --socket S` with stdin from `input` (may be NULL);
 * stdout and stderr go to out/err (malloc'd, may be NULL).  Returns the exit status. */
static CP_UNUSED int cp_cli(struct cp_harness *h, const char *input, char **out, char **err, ...)
{
    char *args[32] = {h->self, "cli"};
    int n = 2;
    va_list ap;
    va_start(ap, err);
    for (const char *a; (a = va_arg(ap, const char *)) && n < 28;)
        args[n++] = (char *)a;
    va_end(ap);
    args[n++] = "--socket";
    args[n++] = h->socket;
    args[n] = NULL;
    char out_path[PATH_MAX + 8], err_path[PATH_MAX + 8], in_path[PATH_MAX + 8];
    snprintf(out_path, sizeof out_path, "%s/cli.out", h->dir);
    snprintf(err_path, sizeof err_path, "%s/cli.err", h->dir);
    snprintf(in_path, sizeof in_path, "%s/cli.in", h->dir);
    FILE *f = fopen(in_path, "w");
    if (input)
        fputs(input, f);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open(in_path, O_RDONLY), o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644),
            e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        execv(h->self, args);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    const char *paths[2] = {out_path, err_path};
    char **dest[2] = {out, err};
    for (int i = 0; i < 2; i++) {
        if (!dest[i])
            continue;
        FILE *rf = fopen(paths[i], "r");
        char *buf = calloc(1, 1 << 20);
        size_t got = fread(buf, 1, (1 << 20) - 1, rf);
        buf[got] = '\0';
        fclose(rf);
        *dest[i] = buf;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif
