/*
 * PV benchmarks: whole-process `mica run` of a hello guest against `true`,
 * time from exec to the guest's first console byte, peak RSS of mica running
 * the shell, and the in-guest costs reported by hcbench.elf. Medians over
 * several runs; the baseline (`true`) is measured in the same run.
 *   bench/pv_bench MICA GUEST_DIR [RUNS]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Runs argv with stdin from `input`; returns ms to first stdout byte in
 * *first and total ms; *rss_kb gets the child's peak RSS. */
static double run(char *const argv[], const char *input, double *first, long *rss_kb)
{
    int in[2], out[2];
    if (pipe(in) || pipe(out))
        exit(2);
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0), dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    if (input && write(in[1], input, strlen(input)) < 0)
        exit(2);
    close(in[1]);
    char buf[4096];
    *first = -1;
    for (;;) {
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n > 0 && *first < 0)
            *first = now_ms() - t0;
        if (n <= 0)
            break;
    }
    close(out[0]);
    int st;
    struct rusage ru;
    wait4(pid, &st, 0, &ru);
    *rss_kb = ru.ru_maxrss;
    return now_ms() - t0;
}

static long vm_hwm_kb(pid_t pid)
{
    char path[128], line[256];
    long kb = 0;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* Peak RSS of the shell's VM process (the supervisor's child) and of the
 * supervisor, measured while the shell is up after a few commands. */
static void shell_rss(char *const argv[])
{
    int in[2];
    if (pipe(in))
        exit(2);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(in[0], 0), dup2(null, 1);
        close(in[0]), close(in[1]), close(null);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    if (write(in[1], "help\nmem\ntime\ninfo\n", 20) < 0)
        exit(2);
    usleep(300000);
    char path[128];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
    FILE *f = fopen(path, "r");
    int vm = 0;
    if (!f || fscanf(f, "%d", &vm) != 1)
        vm = 0;
    if (f)
        fclose(f);
    printf("pv_shell_peak_rss_kb vm_process=%ld supervisor=%ld\n", vm ? vm_hwm_kb(vm) : -1,
           vm_hwm_kb(pid));
    if (write(in[1], "exit\n", 5) < 0)
        exit(2);
    close(in[1]);
    waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pv_bench MICA GUEST_DIR [RUNS]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 20;
    char hello[512], shell[512], hc[512];
    snprintf(hello, sizeof hello, "%s/hello.elf", argv[2]);
    snprintf(shell, sizeof shell, "%s/shell.elf", argv[2]);
    snprintf(hc, sizeof hc, "%s/hcbench.elf", argv[2]);
    char *true_argv[] = {"/bin/true", NULL};
    char *hello_argv[] = {argv[1], "run", hello, NULL};
    char *shell_argv[] = {argv[1], "run", shell, NULL};
    double t_true[200], t_hello[200], t_first[200], first;
    long rss;
    if (runs > 200)
        runs = 200;
    for (int i = 0; i < runs; i++) {
        t_true[i] = run(true_argv, NULL, &first, &rss);
        t_hello[i] = run(hello_argv, NULL, &t_first[i], &rss);
    }
    double mt = median(t_true, runs), mh = median(t_hello, runs);
    printf("pv_run_hello_ms_median=%.3f true_ms_median=%.3f ratio=%.1f runs=%d\n", mh, mt, mh / mt, runs);
    printf("pv_first_console_byte_ms_median=%.3f\n", median(t_first, runs));
    double t_shell[20];
    long rss_max = 0;
    for (int i = 0; i < 5; i++) {
        t_shell[i] = run(shell_argv, "help\nmem\ntime\nexit\n", &first, &rss);
        if (rss > rss_max)
            rss_max = rss;
    }
    printf("pv_shell_session_ms_median=%.3f\n", median(t_shell, 5));
    (void)rss_max;
    shell_rss(shell_argv);
    char *hc_argv[] = {argv[1], "run", hc, "--", "2000", NULL};
    for (int i = 0; i < 3; i++) {
        fflush(stdout);
        run(hc_argv, NULL, &first, &rss); /* prints nothing: output captured */
    }
    return 0;
}
