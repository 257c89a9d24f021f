/* mica-runc without KVM: the state store (oci/oci_state.h) and the whole
 * create/start/kill/delete cycle through oci_main with a fake VM body in
 * place of `mica run` (it waits at the start gate, then exits or sleeps as
 * told), the console socket, the log and bad bundles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cp/proc_info.h"
#include "oci/oci_runtime.h"
#include "oci/oci_state.h"
#include "run/start_hold.h"
#include "support/test_text.h"

static char dir[64], root[128], bundle[128], argv_file[160];
static char err[1024];

/* ---- the fake VM: what oci_vm_process hands `mica run` ---------------------- */

static int fake_vm(int argc, char **argv)
{
    const char *hold = NULL;
    FILE *f = fopen(argv_file, "w");
    for (int i = 0; i < argc; i++) {
        fprintf(f, "%s\n", argv[i]);
        if (!strcmp(argv[i], "--hold") && i + 1 < argc)
            hold = argv[i + 1];
    }
    fprintf(f, "stdin-is-a-tty=%d\n", isatty(0));
    fclose(f);
    char why[256];
    if (!hold || start_hold_wait(hold, why, sizeof why) < 0)
        return 125;
    const char *mode = getenv("FAKE_VM");
    if (mode && !strcmp(mode, "exit7"))
        return 7;
    for (;;)
        pause(); /* "running" until a signal ends it */
}

static int runtime(const char *cmd, ...)
{
    char *argv[32] = {"mica-runc", "--root", root, "--log", NULL, "--log-format", "json"};
    char log[192];
    snprintf(log, sizeof log, "%s/log.json", dir);
    argv[4] = log;
    int n = 7;
    argv[n++] = (char *)cmd;
    va_list ap;
    va_start(ap, cmd);
    for (char *a; n < 31 && (a = va_arg(ap, char *));)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return oci_main(n, argv, fake_vm);
}
#define RT(...) runtime(__VA_ARGS__, (char *)NULL)

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    return buf;
}

/* What the fake VM was given: create returns once the VM process is set
 * up, which may be a moment before the body has written it down. */
static const char *fake_vm_argv(void)
{
    for (int i = 0; i < 500 && !strstr(read_text(argv_file), "stdin-is-a-tty="); i++)
        sleep_ms(10);
    return read_text(argv_file);
}

/* The bundle: rootfs/app.elf is a real guest-kit ELF (create checks it). */
static void make_bundle(const char *process_extra)
{
    char path[256], cmd[512], cfg[2048];
    snprintf(path, sizeof path, "%s/rootfs", bundle);
    mkdir(bundle, 0700);
    mkdir(path, 0700);
    snprintf(cmd, sizeof cmd, "cp %s/ocienv.elf %s/rootfs/app.elf && echo not-elf > %s/rootfs/text",
             getenv("GUESTS") ? getenv("GUESTS") : "build/guests", bundle, bundle);
    assert_int_equal(system(cmd), 0);
    snprintf(cfg, sizeof cfg,
             "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{%s"
             "\"args\":[\"/app.elf\",\"3\"],\"env\":[\"OCI_GREETING=hi\"]},"
             "\"linux\":{\"resources\":{\"memory\":{\"limit\":67108864}}}}",
             process_extra);
    snprintf(path, sizeof path, "%s/config.json", bundle);
    write_file(path, cfg);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mica-oci-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(root, sizeof root, "%s/root", dir);
    snprintf(bundle, sizeof bundle, "%s/bundle", dir);
    snprintf(argv_file, sizeof argv_file, "%s/argv", dir);
    make_bundle("");
    unsetenv("FAKE_VM");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static pid_t pid_of(const char *id)
{
    struct oci_state st;
    if (oci_state_load(root, id, &st, err, sizeof err) < 0)
        return -1;
    oci_state_free(&st);
    return st.pid;
}

static enum oci_status status_of(const char *id)
{
    struct oci_state st;
    assert_int_equal(oci_state_load(root, id, &st, err, sizeof err), 0);
    enum oci_status s = oci_state_status(&st);
    oci_state_free(&st);
    return s;
}

static bool dir_exists(const char *id)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, id);
    return access(p, F_OK) == 0;
}

/* ---- the state store ---------------------------------------------------------- */

static void container_ids(void **state)
{
    (void)state;
    static const char *good[] = {"a", "web-1", "A.b_c+d", "0123456789abcdef0123456789abcdef"
                                                          "0123456789abcdef0123456789abcdef"};
    static const char *bad[] = {"", ".", "..", "a/b", "../x", "a b", "é", "x\n"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_int_equal(oci_id_check(good[i], err, sizeof err), 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(oci_id_check(bad[i], err, sizeof err), -1);
        assert_contains(err, "invalid container id");
    }
    char longid[OCI_ID_MAX + 2];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    assert_int_equal(oci_id_check(longid, err, sizeof err), -1);
}

static void store_round_trip_and_damage(void **state)
{
    (void)state;
    struct oci_state st = {.pid = getpid(), .started = true, .mem_mib = 64, .cpu_shares = 512};
    struct proc_info pi;
    assert_int_equal(proc_info_read(getpid(), &pi), 0);
    st.pid_start = pi.start_ticks;
    strcpy(st.id, "s1");
    strcpy(st.bundle, "/b");
    strcpy(st.rootfs, "/b/rootfs");
    strcpy(st.created, "2026-01-01T00:00:00Z");
    strcpy(st.kind, "pv");
    st.annotations = json_pack("{s:s}", "k", "v");
    assert_int_equal(oci_state_create_dir(root, "s1", err, sizeof err), 0);
    assert_int_equal(oci_state_create_dir(root, "s1", err, sizeof err), -1);
    assert_contains(err, "container s1 already exists");
    assert_int_equal(oci_state_save(root, &st, err, sizeof err), 0);
    oci_state_free(&st);

    struct oci_state back;
    assert_int_equal(oci_state_load(root, "s1", &back, err, sizeof err), 0);
    assert_int_equal(back.pid, getpid());
    assert_int_equal(back.mem_mib, 64);
    assert_int_equal(back.cpu_shares, 512);
    assert_string_equal(back.rootfs, "/b/rootfs");
    assert_string_equal(json_string_value(json_object_get(back.annotations, "k")), "v");
    assert_int_equal(oci_state_status(&back), OCI_RUNNING); /* this very process */
    back.paused = true;
    assert_int_equal(oci_state_status(&back), OCI_PAUSED);
    back.started = false;
    assert_int_equal(oci_state_status(&back), OCI_CREATED);
    back.pid_start++; /* the same pid, another process: a reused pid */
    assert_int_equal(oci_state_status(&back), OCI_STOPPED);
    oci_state_free(&back);

    assert_int_equal(oci_state_load(root, "nope", &back, err, sizeof err), -ENOENT);
    assert_contains(err, "container nope does not exist");
    assert_int_equal(oci_state_load(root, "../s1", &back, err, sizeof err), -1);
    assert_contains(err, "invalid container id");

    char path[256];
    snprintf(path, sizeof path, "%s/s1/state.json", root);
    static const char *damaged[] = {
        "", "{", "[]", "{\"id\":\"s1\"}",
        "{\"id\":\"s1\",\"pid\":-1,\"pid_start\":0,\"bundle\":\"/b\",\"rootfs\":\"/r\","
        "\"created\":\"x\",\"started\":true,\"paused\":false,\"kind\":\"pv\",\"mem_mib\":0,"
        "\"cpu_shares\":0}",
        "{\"id\":\"s1\",\"pid\":5,\"pid_start\":0,\"bundle\":7,\"rootfs\":\"/r\","
        "\"created\":\"x\",\"started\":true,\"paused\":false,\"kind\":\"pv\",\"mem_mib\":0,"
        "\"cpu_shares\":0}",
        "{\"id\":\"s1\",\"pid\":5,\"pid_start\":0,\"bundle\":\"/b\",\"rootfs\":\"/r\","
        "\"created\":\"x\",\"started\":true,\"paused\":false,\"kind\":\"toolongkind\",\"mem_mib\":0,"
        "\"cpu_shares\":0}",
    };
    for (size_t i = 0; i < sizeof damaged / sizeof *damaged; i++) {
        write_file(path, damaged[i]);
        assert_int_equal(oci_state_load(root, "s1", &back, err, sizeof err), -1);
        assert_contains(err, "state.json is damaged");
    }
    write_file(path, "{\"id\":\"s2\",\"pid\":5,\"pid_start\":0,\"bundle\":\"/b\",\"rootfs\":\"/r\","
                     "\"created\":\"x\",\"started\":true,\"paused\":false,\"kind\":\"pv\","
                     "\"mem_mib\":0,\"cpu_shares\":0}");
    assert_int_equal(oci_state_load(root, "s1", &back, err, sizeof err), -1);
    assert_contains(err, "names another id");
    assert_int_equal(oci_state_remove(root, "s1", err, sizeof err), 0);
    assert_false(dir_exists("s1"));
}

/* ---- the commands, with the fake VM ------------------------------------------ */

static void create_start_kill_delete(void **state)
{
    (void)state;
    char pid_file[192];
    snprintf(pid_file, sizeof pid_file, "%s/pid", dir);
    assert_int_equal(RT("create", "--bundle", bundle, "--pid-file", pid_file, "c1"), 0);
    pid_t pid = pid_of("c1");
    assert_true(pid > 0);
    assert_int_equal(atoi(read_text(pid_file)), pid);
    assert_int_equal(status_of("c1"), OCI_CREATED);
    const char *args = fake_vm_argv(); /* what `mica run` was given */
    assert_contains(args, "run\n--control\n");
    assert_contains(args, "--control-stdin\n--hold\n");
    assert_contains(args, "--name\nc1\n--mem\n64\n--env\nOCI_GREETING=hi\n");
    assert_contains(args, "--\n3\n");
    assert_contains(args, "stdin-is-a-tty=0");

    assert_int_equal(RT("create", "--bundle", bundle, "c1"), 1); /* the id is taken */
    assert_int_equal(RT("pause", "c1"), 1);                     /* not running yet */
    assert_int_equal(RT("start", "c1"), 0);
    assert_int_equal(status_of("c1"), OCI_RUNNING);
    assert_int_equal(RT("start", "c1"), 1);
    assert_int_equal(RT("delete", "c1"), 1); /* running: only with --force */
    assert_int_equal(RT("exec", "c1"), 1);
    assert_int_equal(RT("kill", "c1", "SIGNOPE"), 1);
    assert_int_equal(RT("kill", "c1", "15"), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    assert_int_equal(status_of("c1"), OCI_STOPPED);
    assert_int_equal(RT("kill", "c1", "KILL"), 1); /* container not running */
    assert_int_equal(RT("delete", "c1"), 0);
    assert_false(dir_exists("c1"));
    assert_int_equal(RT("delete", "c1"), 1);
    assert_int_equal(RT("delete", "--force", "c1"), 0); /* gone already: fine with --force */
    char log[192];
    snprintf(log, sizeof log, "%s/log.json", dir);
    assert_contains(read_text(log), "{\"level\":\"error\",\"msg\":\"create: container c1 already exists\"");
    assert_contains(read_text(log), "container not running");
}

static void exit_status_and_deleting_a_created_one(void **state)
{
    (void)state;
    setenv("FAKE_VM", "exit7", 1);
    assert_int_equal(RT("create", "--bundle", bundle, "c2"), 0);
    pid_t pid = pid_of("c2");
    assert_int_equal(RT("start", "c2"), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 7); /* the guest's code is the container's */
    assert_int_equal(RT("delete", "c2"), 0);

    assert_int_equal(RT("create", "--bundle", bundle, "c3"), 0);
    pid = pid_of("c3");
    assert_int_equal(RT("delete", "c3"), 0); /* created, never started: killed, as runc does */
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    assert_false(dir_exists("c3"));
}

static void set_args0(const char *args0)
{
    char path[256], cfg[512];
    snprintf(cfg, sizeof cfg, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
                              "\"process\":{\"args\":[\"%s\"]}}", args0);
    snprintf(path, sizeof path, "%s/config.json", bundle);
    write_file(path, cfg);
}

static void bad_bundles_leave_nothing(void **state)
{
    (void)state;
    char path[256], log[192];
    snprintf(log, sizeof log, "%s/log.json", dir);
    set_args0("/text");
    assert_int_equal(RT("create", "--bundle", bundle, "b1"), 1);
    assert_contains(read_text(log), "process.args[0] is not a mica guest");
    set_args0("/missing.elf");
    assert_int_equal(RT("create", "--bundle", bundle, "b1"), 1);
    assert_contains(read_text(log), "'/missing.elf' in the rootfs");
    /* A symlink out of the rootfs resolves inside it: the host's file is
     * never read. */
    snprintf(path, sizeof path, "%s/rootfs/esc.elf", bundle);
    assert_int_equal(symlink("/../../../../../../bin/true", path), 0);
    set_args0("/esc.elf");
    assert_int_equal(RT("create", "--bundle", bundle, "b1"), 1);
    assert_contains(read_text(log), "No such file or directory");
    set_args0("/../../../../../../bin/true");
    assert_int_equal(RT("create", "--bundle", bundle, "b1"), 1);
    set_args0("/");
    assert_int_equal(RT("create", "--bundle", bundle, "b1"), 1);
    assert_contains(read_text(log), "not a regular file");
    snprintf(path, sizeof path, "%s/config.json", bundle);
    unlink(path);
    assert_int_equal(RT("create", "--bundle", bundle, "b1"), 1);
    assert_contains(read_text(log), "config.json: No such file or directory");
    assert_int_equal(RT("create", "--bundle", "/nonexistent-bundle", "b1"), 1);
    assert_int_equal(RT("create", "--bundle", bundle, "bad/id"), 1);
    assert_int_equal(RT("create", "--bundle", bundle, "--preserve-fds", "2", "b1"), 1);
    assert_int_equal(RT("create", "--bundle", bundle), 1);
    assert_false(dir_exists("b1"));
    assert_int_equal(RT("state", "b1"), 1);
    assert_int_equal(RT("frobnicate"), 1);
    char *argv[] = {"mica-runc", "--root", "relative", "state", "x", NULL};
    assert_int_equal(oci_main(5, argv, fake_vm), 1);
}

/* org.mica.kind=linux: `mica run --kernel` with the kernel and initrd
 * opened inside the rootfs, the command line, the memory limit. */
static void linux_kind_runs_a_kernel(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/rootfs/vmlinuz", bundle);
    write_file(path, "not checked before the VM starts");
    snprintf(path, sizeof path, "%s/rootfs/initrd", bundle);
    write_file(path, "cpio");
    snprintf(path, sizeof path, "%s/config.json", bundle);
    write_file(path, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":"
                     "{\"args\":[]},\"annotations\":{\"org.mica.kind\":\"linux\","
                     "\"org.mica.kernel\":\"/vmlinuz\",\"org.mica.initrd\":\"/initrd\","
                     "\"org.mica.cmdline\":\"console=ttyS0 quiet\"},\"linux\":{\"resources\":"
                     "{\"memory\":{\"limit\":268435456}}}}");
    assert_int_equal(RT("create", "--bundle", bundle, "fv1"), 0);
    const char *args = fake_vm_argv();
    assert_contains(args, "run\n--kernel\n/proc/self/fd/");
    assert_contains(args, "--initrd\n/proc/self/fd/");
    assert_contains(args, "--cmdline\nconsole=ttyS0 quiet\n");
    assert_contains(args, "--mem\n256\n");
    assert_null(strstr(args, "--env"));
    pid_t pid = pid_of("fv1");
    assert_int_equal(RT("delete", "fv1"), 0);
    waitpid(pid, NULL, 0);
    write_file(path, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":"
                     "{\"args\":[]},\"annotations\":{\"org.mica.kind\":\"linux\","
                     "\"org.mica.kernel\":\"/missing\"}}");
    assert_int_equal(RT("create", "--bundle", bundle, "fv2"), 1);
    assert_false(dir_exists("fv2"));
}

/* A Kubernetes pod sandbox: no VM (its /pause is no mica guest), the
 * process holds the pod's network namespace until a signal ends it. */
static void pod_sandbox_holds_without_a_vm(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/config.json", bundle);
    write_file(path, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":"
                     "{\"args\":[\"/pause\"]},\"annotations\":{\"io.kubernetes.cri."
                     "container-type\":\"sandbox\"}}");
    unlink(argv_file);
    assert_int_equal(RT("create", "--bundle", bundle, "pod1"), 0);
    pid_t pid = pid_of("pod1");
    assert_int_equal(RT("start", "pod1"), 0);
    assert_int_equal(status_of("pod1"), OCI_RUNNING);
    assert_int_equal(access(argv_file, F_OK), -1); /* `mica run` never ran */
    assert_int_equal(RT("kill", "pod1", "TERM"), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(RT("delete", "pod1"), 0);
}

/* process.terminal: the pty master arrives over the console socket, the
 * VM process has the slave as its stdin. */
static void console_socket_gets_the_terminal(void **state)
{
    (void)state;
    make_bundle("\"terminal\":true,");
    assert_int_equal(RT("create", "--bundle", bundle, "t0"), 1); /* no socket to send it to */
    char sock[192];
    snprintf(sock, sizeof sock, "%s/console.sock", dir);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, sock);
    assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l, 1), 0);
    assert_int_equal(RT("create", "--bundle", bundle, "--console-socket", sock, "t1"), 0);
    int conn = accept(l, NULL, NULL);
    char name[128], ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof ctl};
    ssize_t n = recvmsg(conn, &m, 0);
    assert_true(n > 0);
    name[n] = 0;
    assert_contains(name, "/dev/pts/");
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    assert_non_null(c);
    assert_int_equal(c->cmsg_type, SCM_RIGHTS);
    int master;
    memcpy(&master, CMSG_DATA(c), sizeof master);
    assert_true(isatty(master));
    pid_t pid = pid_of("t1");
    assert_int_equal(RT("start", "t1"), 0); /* the fake VM has written its argv by now */
    assert_contains(fake_vm_argv(), "stdin-is-a-tty=1");
    assert_int_equal(RT("kill", "t1", "SIGKILL"), 0);
    waitpid(pid, NULL, 0);
    assert_int_equal(RT("delete", "t1"), 0);
    close(master);
    close(conn);
    close(l);
    make_bundle("");
    assert_int_equal(RT("create", "--bundle", bundle, "--console-socket", sock, "t2"), 1);
    assert_false(dir_exists("t2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(container_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(store_round_trip_and_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(create_start_kill_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(exit_status_and_deleting_a_created_one, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_bundles_leave_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(linux_kind_runs_a_kernel, setup, teardown),
        cmocka_unit_test_setup_teardown(pod_sandbox_holds_without_a_vm, setup, teardown),
        cmocka_unit_test_setup_teardown(console_socket_gets_the_terminal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
