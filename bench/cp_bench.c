/*
 * Control-program benchmark: API round trips, creating and starting many
 * real PV VMs through the API, and what that costs the daemon.
 *
 *   cp_bench MICA GUEST_DIR VMS RUNS
 *
 * Each run starts a fresh daemon (MICA daemon, release build, which also
 * runs the VMs as `MICA run --control`) on a scratch state directory and:
 *   - GET /v1/version  x200 (baseline: HTTP over the Unix socket, no work)
 *   - GET /v1/vms      x200 with no VM
 *   - POST /v1/vms     VMS times (shell.elf, 16 MiB), timed in total
 *   - GET /v1/vms      x100 with VMS VMs defined
 *   - POST .../start   VMS times, timed in total; then the daemon's RSS and
 *                      the VMs' total PSS (VMMs and monitors), and how much
 *                      MemAvailable dropped (KVM's kernel memory included)
 *   - GET /v1/vms      x100 with VMS VMs running
 *   - destroy + DELETE all, timed
 * and, as the baseline for a start, spawns 50 `MICA run --control` directly
 * and waits for each control socket to answer, as the daemon does.
 * Every request opens a new connection, as the CLI does.  Prints each run,
 * then the median over the runs.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *mica, *guests;
static char dir[64], sock[128], state[128];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p, (void)ctx;
    return size * n;
}

/* One request on a new connection; returns the HTTP status. */
static long request(const char *method, const char *path, const char *body)
{
    char url[512];
    snprintf(url, sizeof url, "http://localhost%s", path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

static void must(long got, long want, const char *what)
{
    if (got != want) {
        fprintf(stderr, "cp_bench: %s: HTTP %ld, expected %ld (daemon log in %s)\n", what, got,
                want, dir);
        exit(1);
    }
}

/* Median round trip of n GETs of path, in microseconds. */
static double round_trip_us(const char *path, int n)
{
    double *t = malloc((size_t)n * sizeof *t);
    for (int i = 0; i < n; i++) {
        double t0 = now_s();
        must(request("GET", path, NULL), 200, path);
        t[i] = (now_s() - t0) * 1e6;
    }
    double m = median(t, n);
    free(t);
    return m;
}

static bool socket_answers(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static pid_t start_daemon(void)
{
    char log[192];
    snprintf(log, sizeof log, "%s/daemon.log", dir);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 2);
        execl(mica, mica, "daemon", "--socket", sock, "--state-dir", state, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1000 && !socket_answers(sock); i++)
        usleep(10000);
    return pid;
}

/* kB from a "Key:   N kB" line of a /proc file; 0 when absent. */
static long proc_kb(pid_t pid, const char *file, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    FILE *f = fopen(path, "r");
    long kb = 0;
    size_t klen = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':')
            kb = strtol(line + klen + 1, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* Total PSS of the VM processes (their pids files). */
static long vms_pss_kb(void)
{
    char vms[192];
    snprintf(vms, sizeof vms, "%s/vms", state);
    DIR *d = opendir(vms);
    struct dirent *e;
    long total = 0;
    while (d && (e = readdir(d))) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s/pids", vms, e->d_name);
        FILE *f = fopen(path, "r");
        int pid, monitor;
        if (f && fscanf(f, "%d %d", &pid, &monitor) == 2)
            total += proc_kb(pid, "smaps_rollup", "Pss") + proc_kb(monitor, "smaps_rollup", "Pss");
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return total;
}

struct result {
    double version_us, list0_us, list_def_us, list_run_us;
    double create_s, start_s, teardown_s, direct_start_ms;
    long daemon_rss_kb, daemon_rss0_kb, vms_pss_kb, host_used_mb;
};

static void name_of(char *buf, size_t size, int i) { snprintf(buf, size, "bench%04d", i); }

static double create_all(int n)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        char name[32], body[1024];
        name_of(name, sizeof name, i);
        snprintf(body, sizeof body, "{\"name\":\"%s\",\"guest\":\"%s/shell.elf\",\"mem_mib\":16}",
                 name, guests);
        must(request("POST", "/v1/vms", body), 201, "create");
    }
    return now_s() - t0;
}

static double act_all(int n, const char *action)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        char name[32], path[96];
        name_of(name, sizeof name, i);
        snprintf(path, sizeof path, "/v1/vms/%s/%s", name, action);
        must(request("POST", path, NULL), 200, action);
    }
    return now_s() - t0;
}

static double delete_all(int n)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        char name[32], path[96];
        name_of(name, sizeof name, i);
        snprintf(path, sizeof path, "/v1/vms/%s", name);
        must(request("DELETE", path, NULL), 200, "delete");
    }
    return now_s() - t0;
}

/* The baseline for a start: the same VMM spawned directly (fork + exec,
 * no monitor, no registry), until its control socket answers. */
static double direct_start_ms(int n)
{
    double *t = malloc((size_t)n * sizeof *t);
    pid_t *pids = malloc((size_t)n * sizeof *pids);
    char guest[512];
    snprintf(guest, sizeof guest, "%s/shell.elf", guests);
    for (int i = 0; i < n; i++) {
        char csock[160];
        snprintf(csock, sizeof csock, "%s/direct%d.sock", dir, i);
        double t0 = now_s();
        if ((pids[i] = fork()) == 0) {
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0), dup2(null, 1), dup2(null, 2);
            execl(mica, mica, "run", guest, "--mem", "16", "--control", csock, (char *)NULL);
            _exit(127);
        }
        while (!socket_answers(csock))
            usleep(200);
        t[i] = (now_s() - t0) * 1e3;
    }
    for (int i = 0; i < n; i++) {
        kill(pids[i], SIGTERM);
        waitpid(pids[i], NULL, 0);
    }
    double m = median(t, n);
    free(t);
    free(pids);
    return m;
}

static void one_run(int n, struct result *r)
{
    snprintf(dir, sizeof dir, "/tmp/mica-cp-bench-XXXXXX");
    if (!mkdtemp(dir))
        exit(1);
    snprintf(sock, sizeof sock, "%s/mica.sock", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    pid_t daemon = start_daemon();
    long avail0 = proc_kb(getpid(), "../meminfo", "MemAvailable");
    r->daemon_rss0_kb = proc_kb(daemon, "status", "VmRSS");
    r->version_us = round_trip_us("/v1/version", 200);
    r->list0_us = round_trip_us("/v1/vms", 200);
    r->create_s = create_all(n);
    r->list_def_us = round_trip_us("/v1/vms", 100);
    r->start_s = act_all(n, "start");
    r->daemon_rss_kb = proc_kb(daemon, "status", "VmRSS");
    r->vms_pss_kb = vms_pss_kb();
    r->host_used_mb = (avail0 - proc_kb(getpid(), "../meminfo", "MemAvailable")) / 1024;
    r->list_run_us = round_trip_us("/v1/vms", 100);
    r->teardown_s = act_all(n, "destroy") + delete_all(n);
    r->direct_start_ms = direct_start_ms(50);
    kill(daemon, SIGTERM);
    waitpid(daemon, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cp_bench: cannot remove %s\n", dir);
}

static void print(const char *label, const struct result *r, int n)
{
    printf("%-7s version %6.0f us | list: 0 VMs %6.0f us, %d defined %7.0f us, %d running %7.0f us"
           " | create %d %6.2f s | start %d %6.2f s (%5.2f ms/VM; direct spawn %5.2f ms) |"
           " destroy+delete %6.2f s | daemon RSS %ld -> %ld kB | VMs PSS %ld MB, host %ld MB\n",
           label, r->version_us, r->list0_us, n, r->list_def_us, n, r->list_run_us, n,
           r->create_s, n, r->start_s, r->start_s * 1e3 / n, r->direct_start_ms, r->teardown_s,
           r->daemon_rss0_kb, r->daemon_rss_kb, r->vms_pss_kb / 1024, r->host_used_mb);
}

#define MEDIAN_OF(field)                                                                   \
    do {                                                                                   \
        double v[64];                                                                      \
        for (int i = 0; i < runs; i++)                                                     \
            v[i] = (double)res[i].field;                                                   \
        m.field = median(v, runs);                                                         \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: cp_bench MICA GUEST_DIR VMS RUNS\n");
        return 2;
    }
    mica = argv[1];
    guests = realpath(argv[2], NULL);
    int n = atoi(argv[3]), runs = atoi(argv[4]);
    if (!guests || n < 1 || runs < 1 || runs > 64)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct result res[64], m;
    for (int i = 0; i < runs; i++) {
        char label[16];
        one_run(n, &res[i]);
        snprintf(label, sizeof label, "run %d", i + 1);
        print(label, &res[i], n);
        fflush(stdout);
    }
    MEDIAN_OF(version_us);
    MEDIAN_OF(list0_us);
    MEDIAN_OF(list_def_us);
    MEDIAN_OF(list_run_us);
    MEDIAN_OF(create_s);
    MEDIAN_OF(start_s);
    MEDIAN_OF(teardown_s);
    MEDIAN_OF(direct_start_ms);
    MEDIAN_OF(daemon_rss_kb);
    MEDIAN_OF(daemon_rss0_kb);
    MEDIAN_OF(vms_pss_kb);
    MEDIAN_OF(host_used_mb);
    print("median", &m, n);
    printf("ratios: list(0 VMs)/version %.2f, list(%d defined)/list(0) %.1f, list(%d running)/list(0)"
           " %.1f, API start/direct spawn %.2f\n",
           m.list0_us / m.version_us, n, m.list_def_us / m.list0_us, n,
           m.list_run_us / m.list0_us, m.start_s * 1e3 / n / m.direct_start_ms);
    return 0;
}
