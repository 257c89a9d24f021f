/*
 * mica-runc under the real client: Debian's containerd, started here with
 * its own root, state and socket, and `ctr run --runc-binary mica-runc`
 * (containerd's runc shim calling create, start, state, kill, delete...).
 * Bad bundles are refused through the whole stack without KVM; a run
 * without /dev/kvm must fail cleanly (status 125, the reason, nothing
 * left); with KVM the guest's output, exit code, `ctr task ls`, pause,
 * resume, kill and a TTY run are checked. Needs root and containerd
 * (scripts/install-deps.sh); without them every test says "skipped".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"

static char tmp[64], sock[128], runtime[128], app[128], bb[128], ns[64];
static pid_t containerd = -1;
static const char *skip_reason;
static struct cmd_result res;

static char ctr_path[256], containerd_path[256];

/* The program's full path (run_cmd execs without a PATH search). */
static bool find_program(const char *prog, char *out, size_t outlen)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s 2>/dev/null", prog);
    FILE *p = popen(cmd, "r");
    bool ok = p && fgets(out, (int)outlen, p) && out[0] == '/';
    if (p)
        pclose(p);
    out[strcspn(out, "\n")] = 0;
    return ok;
}

#define REQUIRE_CONTAINERD()                                                                       \
    do {                                                                                           \
        if (skip_reason) {                                                                         \
            printf("skipped: %s\n", skip_reason);                                                  \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* ctr against our containerd and namespace; its status and output in res. */
static void ctr(const char *input, int limit_s, ...)
{
    char *argv[40] = {ctr_path, "--address", sock, "--namespace", ns};
    int n = 5;
    va_list ap;
    va_start(ap, limit_s);
    for (char *a; n < 39 && (a = va_arg(ap, char *));)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(run_cmd(argv, input, limit_s, &res), 0);
    assert_false(res.timed_out);
}
#define CTR(...) ctr(NULL, 60, __VA_ARGS__, (char *)NULL)
#define RUN_MICA(id, ...)                                                                          \
    CTR("run", "--rm", "--runc-binary", runtime, "--rootfs", app, id, __VA_ARGS__)

static void write_config(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "version = 2\nroot = \"%s/root\"\nstate = \"%s/state\"\n"
            "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
            "[grpc]\n  address = \"%s\"\n[ttrpc]\n  address = \"%s.ttrpc\"\n"
            "[debug]\n  address = \"%s/debug.sock\"\n",
            tmp, tmp, sock, sock, tmp);
    fclose(f);
}

static void make_rootfs(void)
{
    char cmd[8192], exe[PATH_MAX];
    const char *guests = getenv("GUESTS") ? getenv("GUESTS") : "build/guests";
    assert_non_null(realpath(mica(), exe));
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s %s/bin && cp %s/ocienv.elf %s/app.elf && cp %s/sleeper.elf %s/sleeper.elf"
             " && cp /bin/busybox %s/bin/ 2>/dev/null; ln -sf %s %s",
             app, bb, guests, app, guests, app, bb, exe, runtime);
    assert_int_equal(system(cmd), 0);
}

static int start_containerd(void **state)
{
    (void)state;
    if (getuid() != 0) {
        skip_reason = "containerd needs root";
        return 0;
    }
    if (!find_program("containerd", containerd_path, sizeof containerd_path) ||
        !find_program("ctr", ctr_path, sizeof ctr_path)) {
        skip_reason = "containerd is not installed (scripts/install-deps.sh installs it)";
        return 0;
    }
    snprintf(tmp, sizeof tmp, "/tmp/mica-ctrd-XXXXXX");
    assert_non_null(mkdtemp(tmp));
    snprintf(sock, sizeof sock, "%s/c.sock", tmp);
    snprintf(runtime, sizeof runtime, "%s/mica-runc", tmp);
    snprintf(app, sizeof app, "%s/app", tmp);
    snprintf(bb, sizeof bb, "%s/bb", tmp);
    snprintf(ns, sizeof ns, "mica-test-%d", (int)getpid());
    make_rootfs();
    char config[128], log[128];
    snprintf(config, sizeof config, "%s/config.toml", tmp);
    snprintf(log, sizeof log, "%s/containerd.log", tmp);
    write_config(config);
    containerd = spawn_cmd((char *[]){containerd_path, "--config", config, NULL}, log);
    for (int i = 0; i < 200; i++) {
        char *argv[] = {ctr_path, "--address", sock, "version", NULL};
        if (run_cmd(argv, NULL, 10, &res) == 0 && res.status == 0)
            return 0;
        sleep_ms(50);
    }
    skip_reason = "containerd did not start (see its log)";
    return 0;
}

static int stop_containerd(void **state)
{
    (void)state;
    if (containerd > 0) {
        kill(containerd, SIGTERM);
        waitpid(containerd, NULL, 0);
    }
    char shim_root[128]; /* the runc shim's --root for our namespace, empty by now */
    snprintf(shim_root, sizeof shim_root, "/run/containerd/runc/%s", ns);
    rmdir(shim_root);
    if (tmp[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

/* Nothing of a refused container stays: not in containerd, not in the
 * runtime's state (the shim's --root is /run/containerd/runc/NS). */
static void assert_nothing_left(const char *id)
{
    CTR("container", "ls", "-q");
    assert_null(strstr(res.out, id));
    char dir[256];
    snprintf(dir, sizeof dir, "/run/containerd/runc/%s/%s", ns, id);
    assert_int_equal(access(dir, F_OK), -1);
}

static void bad_input_is_refused(void **state)
{
    (void)state;
    REQUIRE_CONTAINERD();
    CTR("run", "--rm", "--runc-binary", runtime, "--rootfs", bb, "bad1", "/bin/busybox", "echo");
    assert_int_not_equal(res.status, 0);
    assert_contains(res.err, "OCI runtime create failed");
    assert_contains(res.err, "process.args[0] is not a mica guest");
    assert_nothing_left("bad1");
    RUN_MICA("bad2", "/missing.elf");
    assert_int_not_equal(res.status, 0);
    assert_contains(res.err, "'/missing.elf' in the rootfs");
    assert_nothing_left("bad2");
    /* A limit below the smallest VM cannot be honoured. */
    CTR("run", "--rm", "--runc-binary", runtime, "--memory-limit", "1048576", "--rootfs", app,
        "bad3", "/app.elf");
    assert_int_not_equal(res.status, 0);
    assert_contains(res.err, "below the 2 MiB a mica VM needs");
    assert_nothing_left("bad3");
    CTR("run", "--rm", "--runc-binary", runtime, "--label", "x=y", "--annotation",
        "org.mica.kidn=pv", "--rootfs", app, "bad4", "/app.elf");
    if (res.status != 0) /* ctr 1.6 may not pass --annotation through */
        assert_contains(res.err, "unknown mica annotation");
    assert_nothing_left("bad4");
}

/* Through create, start, the shim's wait and delete: the guest's output
 * and exit code with KVM; without it the VM process's error and 125. */
static void hello_run(void **state)
{
    (void)state;
    REQUIRE_CONTAINERD();
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    bool kvm = fd >= 0;
    if (fd >= 0)
        close(fd);
    CTR("run", "--rm", "--runc-binary", runtime, "--env", "OCI_GREETING=hello there", "--rootfs",
        app, "hello1", "/app.elf", "3", "x y");
    if (kvm) {
        assert_int_equal(res.status, 3);
        assert_contains(res.out, "arg 1: 3\n");
        assert_contains(res.out, "arg 2: x y\n");
        assert_contains(res.out, "OCI_GREETING=hello there\n");
    } else {
        printf("no /dev/kvm: the VM process must fail at start with 125 and say why\n");
        assert_int_equal(res.status, 125);
        assert_contains(res.err, "/dev/kvm"); /* the container's stderr */
    }
    assert_nothing_left("hello1");
}

static bool task_status(const char *id, const char *status)
{
    CTR("task", "ls");
    const char *line = strstr(res.out, id);
    return line && strstr(line, status) && strchr(line, '\n') > strstr(line, status);
}

static void wait_task_status(const char *id, const char *status)
{
    for (int i = 0; i < 200 && !task_status(id, status); i++)
        sleep_ms(50);
    if (!task_status(id, status))
        fail_msg("task %s never became %s:\n%s", id, status, res.out);
}

static void task_ls_pause_resume_kill(void **state)
{
    (void)state;
    REQUIRE_CONTAINERD();
    if (!kvm_available())
        skip();
    CTR("run", "-d", "--runc-binary", runtime, "--rootfs", app, "long1", "/sleeper.elf", "600000");
    assert_int_equal(res.status, 0);
    wait_task_status("long1", "RUNNING");
    CTR("task", "pause", "long1");
    assert_int_equal(res.status, 0);
    wait_task_status("long1", "PAUSED");
    CTR("task", "resume", "long1");
    assert_int_equal(res.status, 0);
    wait_task_status("long1", "RUNNING");
    CTR("task", "ps", "long1");
    assert_int_equal(res.status, 0);
    CTR("task", "kill", "long1");
    assert_int_equal(res.status, 0);
    wait_task_status("long1", "STOPPED");
    CTR("task", "rm", "long1");
    CTR("container", "rm", "long1");
    assert_nothing_left("long1");
}

/* ctr run -t: ctr on a pseudo-terminal of ours, the guest on the one
 * mica-runc made and sent over the console socket. */
static void tty_run(void **state)
{
    (void)state;
    REQUIRE_CONTAINERD();
    if (!kvm_available())
        skip();
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(ctr_path, "ctr", "--address", sock, "--namespace", ns, "run", "--rm", "-t",
               "--runc-binary", runtime, "--rootfs", app, "tty1", "/app.elf", "0", "read",
               (char *)NULL);
        _exit(127);
    }
    char out[8192] = "";
    size_t got = 0;
    bool typed = false;
    for (int i = 0; i < 600 && !strstr(out, "read: hello"); i++) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            ssize_t n = read(master, out + got, sizeof out - 1 - got);
            if (n <= 0)
                break;
            out[got += (size_t)n] = 0;
        }
        if (!typed && strstr(out, "OCI_GREETING")) {
            (void)!write(master, "hello\r", 6);
            typed = true;
        }
    }
    assert_contains(out, "read: hello");
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    close(master);
}

static void docker_runtime(void **state)
{
    (void)state;
    printf("skipped: dockerd is not installed here; docs/oci.md shows the daemon.json for "
           "`docker run --runtime mica`\n");
    skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_input_is_refused),
        cmocka_unit_test(hello_run),
        cmocka_unit_test(task_ls_pause_resume_kill),
        cmocka_unit_test(tty_run),
        cmocka_unit_test(docker_runtime),
    };
    return cmocka_run_group_tests(tests, start_containerd, stop_containerd);
}
