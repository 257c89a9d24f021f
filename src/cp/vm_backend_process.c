/*
 * Process-per-VM backend.  The daemon forks a small monitor in a session of
 * its own; the monitor forks and execs the VMM, tells the daemon the VMM's
 * pid, waits for it and writes its wait status to a file.  So the VM
 * survives the daemon, and its end is known even when the daemon was not
 * there to see it.  Between fork and exec only async-signal-safe calls are
 * made: the daemon has other threads.
 *
 * A daemon may be SIGKILLed in the middle of a start, before it recorded
 * the VM's processes.  So that such a start never leaves a VM nobody knows
 * about, every start holds an exclusive flock on STATE/vms/ID/monitor.lock
 * for as long as its monitor lives (taken by the daemon before the fork, so
 * there is no instant where a monitor exists without it), and the monitor
 * carries on when the daemon is gone.  A restarted daemon waits for a
 * monitor that still holds the lock to name its VM (pids file), or finds a
 * VM whose monitor vanished by asking its control socket who serves it
 * (SO_PEERCRED).
 *
 * The VMM runs as root, so it must never open a file the definition names
 * by itself: the daemon opened them with the owner's rights (vm_inputs.h)
 * and the VMM inherits them as descriptors 5, 6, ... in that order; its
 * command line names them /proc/self/fd/N, which reopens the very file the
 * owner opened (never whatever the path names by then).
 */
#include "cp/vm_backend.h"
#include "fv/fv_limits.h"

#include "cp/log_rotate.h"
#include "cp/proc_info.h"
#include "cp/vm_inputs.h"
#include "ctl/peer_access.h"
#include "ctl/unix_socket.h"
#include "ctl/vm_control_client.h"
#include "util/file.h"
#include "run/confine.h"
#include "run/jail.h"
#include "util/proc_title.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_MS 10000
#define REPORT_TAIL_BYTES 4096
#define VMM_FIRST_INPUT_FD 5  /* after the log (0-2), the pipe (3) and the lock (4) */
#define PARKING_FD 64         /* above every fd the monitor arranges */

struct process_backend {
    struct vm_backend base; /* first: the interface */
    char *vmm;
    char *state_dir;
    uint64_t log_max; /* bytes per log file (log_rotate.h) */
    bool jail; /* mica daemon --jail: each VMM starts as PID 1 of its own PID namespace */
};

/* The files of one VM, all under STATE_DIR/vms/ID. */
struct vm_files {
    char dir[PATH_MAX - 32];
    char log[PATH_MAX], log_old[PATH_MAX + 2], sock[PATH_MAX], exit[PATH_MAX];
    char exit_tmp[PATH_MAX];
    char pids[PATH_MAX], pids_tmp[PATH_MAX], lock[PATH_MAX];
};

static struct process_backend *impl(struct vm_backend *b)
{
    return (struct process_backend *)b;
}

static void vm_files_init(struct vm_backend *b, int64_t id, struct vm_files *f)
{
    snprintf(f->dir, sizeof f->dir, "%s/vms/%lld", impl(b)->state_dir, (long long)id);
    snprintf(f->log, sizeof f->log, "%s/log", f->dir);
    log_rotated_path(f->log, f->log_old, sizeof f->log_old);
    snprintf(f->sock, sizeof f->sock, "%s/control.sock", f->dir);
    snprintf(f->exit, sizeof f->exit, "%s/exit", f->dir);
    snprintf(f->exit_tmp, sizeof f->exit_tmp, "%s/exit.tmp", f->dir);
    snprintf(f->pids, sizeof f->pids, "%s/pids", f->dir);
    snprintf(f->pids_tmp, sizeof f->pids_tmp, "%s/pids.tmp", f->dir);
    snprintf(f->lock, sizeof f->lock, "%s/monitor.lock", f->dir);
}

/* ---- in the monitor: async-signal-safe only ----------------------------- */

static size_t format_uint(char *out, unsigned long v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Writes "a b\n" (or "a\n") to tmp, then renames it over path: readers see
 * the whole content or none. */
static void write_numbers_atomically(const char *tmp, const char *path, unsigned long a,
                                     long b)
{
    char buf[64];
    size_t n = format_uint(buf, a);
    if (b >= 0) {
        buf[n++] = ' ';
        n += format_uint(buf + n, (unsigned long)b);
    }
    buf[n++] = '\n';
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return;
    if (write(fd, buf, n) == (ssize_t)n && fsync(fd) == 0)
        rename(tmp, path);
    close(fd);
}

static void write_str(int fd, const char *s)
{
    if (write(fd, s, strlen(s)) < 0)
        return;
}

/* The descriptors a monitor starts with (the daemon's numbers). */
struct monitor_fds {
    int null_fd, log_fd, pipe_w, lock_fd;
    const int *inputs; /* the VM's files, opened with its owner's rights */
    size_t n_inputs;
};

/* 0-2: /dev/null and the log, 3: the pipe to the daemon, 4: the start lock,
 * 5...: the VM's files (inherited by the VMM); nothing else of the
 * daemon's (not its sockets, not the registry). */
static void monitor_arrange_fds(const struct monitor_fds *fds)
{
    int lock = fcntl(fds->lock_fd, F_DUPFD, 10); /* out of the way of 3 and 4 */
    int parked[VM_MAX_INPUTS];
    for (size_t i = 0; i < fds->n_inputs; i++) /* out of the way of 0..10 */
        parked[i] = fcntl(fds->inputs[i], F_DUPFD, PARKING_FD);
    dup2(fds->null_fd, 0);
    dup2(fds->log_fd, 1);
    dup2(fds->log_fd, 2);
    if (fds->pipe_w != 3)
        dup2(fds->pipe_w, 3);
    dup2(lock, 4);
    fcntl(4, F_SETFD, FD_CLOEXEC); /* the VMM must not hold the monitor's lock */
    for (size_t i = 0; i < fds->n_inputs; i++)
        dup2(parked[i], VMM_FIRST_INPUT_FD + (int)i); /* without FD_CLOEXEC */
    syscall(SYS_close_range, (unsigned)(VMM_FIRST_INPUT_FD + fds->n_inputs), ~0u, 0u);
}

static void pump_output(const struct vm_files *f, int out_r, pid_t vmm_pid, uint64_t log_max)
{
    struct log_writer w;
    log_writer_init(&w, 1, f->log, f->log_old, log_max);
    int ended = (int)syscall(SYS_pidfd_open, vmm_pid, 0);
    log_writer_pump(&w, out_r, ended);
    if (ended >= 0)
        close(ended);
    close(out_r);
}

/* The VM's name in the VMM's arguments (both kinds pass --name). */
static const char *vm_name_in(char *const argv[])
{
    for (int i = 0; argv[i] && argv[i + 1]; i++)
        if (strcmp(argv[i], "--name") == 0)
            return argv[i + 1];
    return "";
}

static _Noreturn void monitor_main(const char *vmm, char *const argv[], const struct vm_files *f,
                                   const struct monitor_fds *fds, uint64_t log_max, bool jail)
{
    proc_title_set("mica-monitor", vm_name_in(argv)); /* not another daemon in ps */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the daemon blocks some for signalfd */
    signal(SIGPIPE, SIG_IGN); /* a dead daemon must not kill the VM's monitor */
    setsid();
    monitor_arrange_fds(fds);
    /* The VMM's stdout and stderr are a pipe the monitor copies into the
     * log, so the log stays capped (log_rotate.h) whatever the guest
     * prints.  Without a pipe the VMM writes to the log directly rather
     * than not run. */
    int out[2] = {-1, -1};
    int out_r = pipe2(out, O_CLOEXEC) == 0 ? out[0] : -1;
    if (jail) /* the VMM becomes PID 1 there, pid below still its own (on failure it forks a keeper itself) */
        jail_new_pid_namespace();
    pid_t vmm_pid = fork();
    if (vmm_pid == 0) {
        close(3);
        if (out_r >= 0) {
            dup2(out[1], 1);
            dup2(out[1], 2);
        }
        signal(SIGPIPE, SIG_DFL);
        execv(vmm, argv);
        write_str(2, "mica: cannot execute the VMM ");
        write_str(2, vmm);
        write_str(2, "\n");
        _exit(125);
    }
    if (vmm_pid < 0)
        _exit(1);
    /* The VM's files are the VMM's now; the output pipe's read end, opened
     * after them (so numbered above them), stays. */
    if (out_r >= 0)
        close(out[1]);
    syscall(SYS_close_range, (unsigned)VMM_FIRST_INPUT_FD,
            out_r >= 0 ? (unsigned)out_r - 1 : ~0u, 0u);
    write_numbers_atomically(f->pids_tmp, f->pids, (unsigned long)vmm_pid, getpid());
    /* Fails (EPIPE; SIGPIPE is ignored, as in the daemon) when the daemon
     * died meanwhile: the VM is still ours to watch, and the next daemon
     * finds it from the pids file. */
    if (write(3, &vmm_pid, sizeof vmm_pid) < 0)
        write_str(2, "mica: the control program went away while this VM started\n");
    close(3);
    if (out_r >= 0)
        pump_output(f, out_r, vmm_pid, log_max);
    int status;
    while (waitpid(vmm_pid, &status, 0) < 0)
        if (errno != EINTR)
            _exit(1);
    write_numbers_atomically(f->exit_tmp, f->exit, (unsigned long)status, -1);
    _exit(0);
}

/* ---- in the daemon ------------------------------------------------------- */

/* argv[FIRST_OWNED..] are strdup'd; the ones before point into vm, f, pb
 * or the input paths. */
#define FIRST_OWNED 9

/* The VMM's names for the VM's files: /proc/self/fd/5, 6, ... in order. */
struct input_paths {
    char path[VM_MAX_INPUTS][32];
    size_t n, next;
};

static void input_paths_init(struct input_paths *ip, size_t n)
{
    ip->n = n < VM_MAX_INPUTS ? n : VM_MAX_INPUTS;
    ip->next = 0;
    for (size_t i = 0; i < ip->n; i++)
        snprintf(ip->path[i], sizeof ip->path[i], "/proc/self/fd/%d",
                 VMM_FIRST_INPUT_FD + (int)i);
}

/* The next file's path, or NULL when the daemon passed fewer files than
 * the definition names (then the VM is not started). */
static char *next_input(struct input_paths *ip)
{
    return ip->next < ip->n ? ip->path[ip->next++] : NULL;
}

/* `VMM run --restore SNAPSHOT [--clone] --name N --control SOCK` */
static char **build_restore_argv(struct process_backend *pb, const struct vm_record *vm,
                                 const struct vm_files *f, struct input_paths *ip)
{
    char *snapshot = next_input(ip);
    char **argv = snapshot ? calloc(FIRST_OWNED + 2, sizeof *argv) : NULL;
    if (!argv)
        return NULL;
    size_t n = 0;
    argv[n++] = pb->vmm;
    argv[n++] = "run";
    argv[n++] = "--restore";
    argv[n++] = snapshot;
    argv[n++] = "--name";
    argv[n++] = vm->name;
    argv[n++] = "--control";
    argv[n++] = (char *)f->sock;
    if (vm->kind == VM_KIND_CLONE)
        argv[n++] = "--clone";
    return argv;
}

/* --disk FILE[,ro] for each disk, strdup'd, from argv[*n] on. */
static void add_disks(char **argv, size_t *n, const char *disks_json, struct input_paths *ip)
{
    json_t *disks = json_loads(disks_json ? disks_json : "[]", 0, NULL);
    size_t i;
    json_t *disk;
    json_array_foreach(disks, i, disk) {
        const char *path = next_input(ip);
        bool ro = json_is_true(json_object_get(disk, "readonly"));
        char *spec = NULL;
        if (path && asprintf(&spec, "%s%s", path, ro ? ",ro" : "") >= 0) {
            argv[(*n)++] = strdup("--disk");
            argv[(*n)++] = spec;
        }
    }
    json_decref(disks);
}

/* `VMM run GUEST --name N --mem M --control SOCK [--disk D[,ro]]... -- ARGS` */
static char **build_pv_argv(struct process_backend *pb, const struct vm_record *vm,
                            const struct vm_files *f, char *mem, struct input_paths *ip)
{
    char *guest = next_input(ip);
    if (!guest)
        return NULL;
    json_t *args = json_loads(vm->args ? vm->args : "[]", 0, NULL);
    size_t nargs = json_is_array(args) ? json_array_size(args) : 0;
    char **argv = calloc(nargs + FIRST_OWNED + 2 * FV_MAX_DISKS + 2, sizeof *argv);
    if (!argv) {
        json_decref(args);
        return NULL;
    }
    size_t n = 0;
    char *fixed[FIRST_OWNED] = {pb->vmm, "run", guest, "--name", vm->name,
                                "--mem", mem, "--control", (char *)f->sock};
    for (; n < FIRST_OWNED; n++)
        argv[n] = fixed[n];
    add_disks(argv, &n, vm->disks, ip);
    argv[n++] = strdup("--");
    for (size_t i = 0; i < nargs; i++)
        argv[n++] = strdup(json_string_value(json_array_get(args, i)) ?: "");
    json_decref(args);
    return argv;
}

/* `VMM run --kernel K --name N --mem M --control SOCK --cpus C [--initrd I]
 * [--cmdline S] [--disk D[,ro]]... [--rng] --balloon`; the fixed part comes first so
 * that, as for PV, argv[FIRST_OWNED..] are the owned strings. */
static char **build_linux_argv(struct process_backend *pb, const struct vm_record *vm,
                               const struct vm_files *f, char *mem, struct input_paths *ip)
{
    char *kernel = next_input(ip);
    char **argv = kernel ? calloc(FIRST_OWNED + 8 + 2 * FV_MAX_DISKS + 2, sizeof *argv) : NULL;
    if (!argv)
        return NULL;
    size_t n = 0;
    char *fixed[FIRST_OWNED] = {pb->vmm, "run", "--kernel", kernel, "--name", vm->name,
                                "--mem", mem, "--control"};
    for (; n < FIRST_OWNED; n++)
        argv[n] = fixed[n];
    argv[n++] = strdup(f->sock);
    argv[n++] = strdup("--cpus");
    if (asprintf(&argv[n++], "%u", vm->vcpus) < 0)
        argv[n - 1] = NULL;
    char *initrd = vm->initrd ? next_input(ip) : NULL;
    if (initrd) {
        argv[n++] = strdup("--initrd");
        argv[n++] = strdup(initrd);
    }
    if (vm->cmdline) {
        argv[n++] = strdup("--cmdline");
        argv[n++] = strdup(vm->cmdline);
    }
    add_disks(argv, &n, vm->disks, ip);
    if (vm->rng)
        argv[n++] = strdup("--rng");
    argv[n++] = strdup("--balloon"); /* mica mem-set works for every linux VM */
    return argv;
}

static void free_argv(char **argv)
{
    if (!argv)
        return;
    for (size_t i = FIRST_OWNED; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* The two kinds differ only here: everything after the exec (control
 * channel, pids, exit file, log) is the same for both. */
static char **build_argv(struct process_backend *pb, const struct vm_record *vm,
                         const struct vm_files *f, char *mem, struct input_paths *ip)
{
    char **argv = vm->kind == VM_KIND_LINUX         ? build_linux_argv(pb, vm, f, mem, ip)
                  : vm_kind_from_snapshot(vm->kind) ? build_restore_argv(pb, vm, f, ip)
                                                    : build_pv_argv(pb, vm, f, mem, ip);
    if (argv && ip->next != ip->n) { /* every file handed over is named once */
        free_argv(argv);
        return NULL;
    }
    return argv;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* The VM is ready when its control socket answers. A PV VM is ready about
 * 8 ms after exec, so poll finely: each 5 ms step cost a start 2-3 ms. */
#define READY_POLL_MS 1
static bool wait_until_ready(const struct vm_files *f, pid_t vmm_pid)
{
    for (int waited = 0; waited < START_TIMEOUT_MS; waited += READY_POLL_MS) {
        json_t *reply;
        struct cp_error ignored;
        if (access(f->sock, F_OK) == 0 &&
            vmctl_request(f->sock, "stats", 1000, &reply, &ignored) == 0) {
            json_decref(reply);
            return true;
        }
        if (!proc_is_alive(vmm_pid, 0))
            return false;
        sleep_ms(READY_POLL_MS);
    }
    return false;
}

static char *make_runtime(pid_t vmm_pid, pid_t monitor_pid, const struct vm_files *f)
{
    struct proc_info vi = {0}, mi = {0};
    proc_info_read(vmm_pid, &vi);
    proc_info_read(monitor_pid, &mi);
    json_t *rt = json_pack("{s:i,s:I,s:i,s:I,s:s,s:s}", "pid", (int)vmm_pid, "pid_start",
                           (json_int_t)vi.start_ticks, "monitor", (int)monitor_pid,
                           "monitor_start", (json_int_t)mi.start_ticks, "control", f->sock,
                           "log", f->log);
    char *text = json_dumps(rt, JSON_COMPACT);
    json_decref(rt);
    return text;
}

static pid_t read_vmm_pid(int fd)
{
    pid_t pid = -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, START_TIMEOUT_MS) == 1 && read(fd, &pid, sizeof pid) != sizeof pid)
        pid = -1;
    return pid;
}

/* Takes the start lock of a VM (see the top of this file); an fd, or -1.
 * The monitor of the VM's previous run ends just after it: wait a moment. */
static int take_start_lock(const struct vm_files *f, struct cp_error *err)
{
    int fd = open(f->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return cp_fail(err, 500, "cannot create %s: %s", f->lock, strerror(errno));
    for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 2) {
        if (errno != EWOULDBLOCK || waited >= 2000) {
            close(fd);
            return cp_fail(err, 409, "the previous process of this VM has not ended yet");
        }
        sleep_ms(2);
    }
    return fd;
}

/* True while a monitor holds the VM's start lock. */
static bool monitor_holds_lock(const struct vm_files *f)
{
    int fd = open(f->lock, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return held;
}

/* "VMM MONITOR" as the monitor wrote them once it forked the VMM. */
static bool read_pids_file(const struct vm_files *f, pid_t *vmm, pid_t *monitor)
{
    FILE *fp = fopen(f->pids, "re");
    if (!fp)
        return false;
    int a = 0, b = 0;
    bool ok = fscanf(fp, "%d %d", &a, &b) == 2 && a > 0;
    fclose(fp);
    *vmm = a;
    *monitor = b;
    return ok;
}

/* The monitor did not say which VMM it forked: end both, so that no VM
 * runs that nobody knows about. */
static void abandon_monitor(const struct vm_files *f, pid_t monitor_pid)
{
    kill(monitor_pid, SIGKILL);
    waitpid(monitor_pid, NULL, 0);
    pid_t vmm, monitor;
    if (read_pids_file(f, &vmm, &monitor) && proc_has_arg(vmm, f->sock))
        kill(vmm, SIGKILL);
}

static int fork_monitor(struct process_backend *pb, char **argv, const struct vm_files *f,
                        const int *inputs, size_t n_inputs, pid_t *vmm_pid,
                        pid_t *monitor_pid, struct cp_error *err)
{
    int pipe_fds[2] = {-1, -1};
    struct monitor_fds fds = {
        .inputs = inputs,
        .n_inputs = n_inputs,
        .log_fd = open(f->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640),
        .null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC),
        .lock_fd = take_start_lock(f, err),
    };
    if (fds.lock_fd < 0) {
        /* err says why */
    } else if (fds.log_fd < 0 || fds.null_fd < 0 || pipe2(pipe_fds, O_CLOEXEC) < 0) {
        cp_fail(err, 500, "cannot prepare %s: %s", f->log, strerror(errno));
    } else if ((fds.pipe_w = pipe_fds[1], *monitor_pid = fork()) == 0) {
        monitor_main(pb->vmm, argv, f, &fds, pb->log_max, pb->jail);
    } else if (*monitor_pid < 0) {
        cp_fail(err, 500, "fork: %s", strerror(errno));
    } else {
        close(pipe_fds[1]);
        pipe_fds[1] = -1;
        *vmm_pid = read_vmm_pid(pipe_fds[0]);
        if (*vmm_pid <= 0) {
            abandon_monitor(f, *monitor_pid);
            cp_fail(err, 500, "the VM process could not be started (see %s)", f->log);
        }
    }
    /* The lock stays with the monitor, which shares our open file. */
    int opened[] = {pipe_fds[0], pipe_fds[1], fds.log_fd, fds.null_fd, fds.lock_fd};
    close_fds(opened, sizeof opened / sizeof opened[0]);
    return *monitor_pid > 0 && *vmm_pid > 0 ? 0 : -1;
}

static int read_exit_status(const struct vm_files *f, int *status);
static bool wait_for_exit(pid_t pid, uint64_t start, int timeout_ms);

/* A guest may end before its control socket was ever asked (hello.elf
 * prints and exits): the start worked, and the watch records how it ended.
 * Only a VMM that failed by itself (bad image, no KVM: status 125) or was
 * killed is a failed start. */
static bool ended_as_guest(const struct vm_files *f, pid_t monitor_pid)
{
    int status;
    if (!wait_for_exit(monitor_pid, 0, 2000) || read_exit_status(f, &status) < 0 ||
        !WIFEXITED(status))
        return false;
    return WEXITSTATUS(status) <= 123 || WEXITSTATUS(status) == 139;
}

static int process_spawn(struct vm_backend *b, const struct vm_record *vm, const int *inputs,
                         size_t n_inputs, char **runtime, struct cp_error *err)
{
    struct process_backend *pb = impl(b);
    struct vm_files f;
    vm_files_init(b, vm->id, &f);
    if (mkdir(f.dir, 0750) < 0 && errno != EEXIST)
        return cp_fail(err, 500, "cannot create %s: %s", f.dir, strerror(errno));
    unlink(f.exit);
    unlink(f.pids);
    char mem[16];
    snprintf(mem, sizeof mem, "%u", vm->mem_mib);
    struct input_paths ip;
    input_paths_init(&ip, n_inputs);
    char **argv = n_inputs <= VM_MAX_INPUTS ? build_argv(pb, vm, &f, mem, &ip) : NULL;
    if (!argv)
        return cp_fail(err, 500, "cannot build the command line of VM '%s' (%zu files given)",
                       vm->name, n_inputs);
    pid_t vmm_pid = -1, monitor_pid = -1;
    int rc = fork_monitor(pb, argv, &f, inputs, n_inputs, &vmm_pid, &monitor_pid, err);
    free_argv(argv);
    if (rc < 0)
        return -1;
    if (!wait_until_ready(&f, vmm_pid) && !ended_as_guest(&f, monitor_pid)) {
        if (proc_is_alive(vmm_pid, 0))
            kill(vmm_pid, SIGKILL);
        char *tail = read_file_tail(f.log, 400, NULL);
        cp_fail(err, 500, "VM '%s' did not start: %s", vm->name,
                tail && *tail ? tail : "no output");
        free(tail);
        return -1;
    }
    *runtime = make_runtime(vmm_pid, monitor_pid, &f);
    return 0;
}

struct runtime_ids {
    pid_t pid, monitor;
    uint64_t pid_start, monitor_start;
};

/* From the registry's runtime, or, when the daemon died before recording
 * it, from the pids file the monitor wrote. */
static bool runtime_ids(struct vm_backend *b, const struct vm_record *vm, struct runtime_ids *ids)
{
    memset(ids, 0, sizeof *ids);
    json_t *rt = vm->runtime ? json_loads(vm->runtime, 0, NULL) : NULL;
    if (rt) {
        ids->pid = (pid_t)json_integer_value(json_object_get(rt, "pid"));
        ids->monitor = (pid_t)json_integer_value(json_object_get(rt, "monitor"));
        ids->pid_start = (uint64_t)json_integer_value(json_object_get(rt, "pid_start"));
        ids->monitor_start = (uint64_t)json_integer_value(json_object_get(rt, "monitor_start"));
        json_decref(rt);
        return ids->pid > 0;
    }
    struct vm_files f;
    vm_files_init(b, vm->id, &f);
    return read_pids_file(&f, &ids->pid, &ids->monitor);
}

static int control_simple(struct vm_backend *b, const struct vm_record *vm, const char *cmd,
                          struct cp_error *err)
{
    struct vm_files f;
    vm_files_init(b, vm->id, &f);
    json_t *reply;
    if (vmctl_request(f.sock, cmd, 5000, &reply, err) < 0)
        return -1;
    json_decref(reply);
    return 0;
}

/* A save can take a while (the whole memory is written): a generous wait. */
#define SAVE_TIMEOUT_MS 120000

static int process_save(struct vm_backend *b, const struct vm_record *vm, int fd,
                        bool keep_running, struct cp_error *err)
{
    struct vm_files f;
    vm_files_init(b, vm->id, &f);
    json_t *reply;
    if (vmctl_request_fd(f.sock, keep_running ? "snapshot" : "save", fd, SAVE_TIMEOUT_MS, &reply,
                         err) < 0)
        return -1;
    json_decref(reply);
    return 0;
}

static int process_pause(struct vm_backend *b, const struct vm_record *vm, struct cp_error *err)
{
    return control_simple(b, vm, "pause", err);
}

static int process_resume(struct vm_backend *b, const struct vm_record *vm, struct cp_error *err)
{
    return control_simple(b, vm, "resume", err);
}

static int process_mem_set(struct vm_backend *b, const struct vm_record *vm, uint64_t pages,
                           struct cp_error *err)
{
    struct vm_files f;
    vm_files_init(b, vm->id, &f);
    json_t *reply;
    if (vmctl_request_pages(f.sock, "mem-set", pages, 5000, &reply, err) < 0)
        return -1;
    json_decref(reply);
    return 0;
}

static int process_shutdown(struct vm_backend *b, const struct vm_record *vm,
                            struct cp_error *err)
{
    return control_simple(b, vm, "shutdown", err);
}

static bool wait_for_exit(pid_t pid, uint64_t start, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 2) {
        if (!proc_is_alive(pid, start))
            return true;
        sleep_ms(2);
    }
    return false;
}

static int process_destroy(struct vm_backend *b, const struct vm_record *vm,
                           struct cp_error *err)
{
    struct runtime_ids ids;
    if (!runtime_ids(b, vm, &ids))
        return 0; /* never got as far as a process */
    if (proc_is_alive(ids.pid, ids.pid_start))
        kill(ids.pid, SIGKILL);
    /* The monitor ends right after recording the status. */
    if (!wait_for_exit(ids.pid, ids.pid_start, 5000) ||
        (ids.monitor > 0 && !wait_for_exit(ids.monitor, ids.monitor_start, 5000)))
        return cp_fail(err, 500, "VM '%s' (pid %d) did not end after SIGKILL", vm->name,
                       (int)ids.pid);
    return 0;
}

static void merge_vmm_stats(const struct vm_files *f, json_t *into)
{
    json_t *reply;
    struct cp_error ignored;
    if (vmctl_request(f->sock, "stats", 500, &reply, &ignored) < 0)
        return;
    json_object_update(into, json_object_get(reply, "stats"));
    json_decref(reply);
}

static void process_stats(struct vm_backend *b, const struct vm_record *vm, bool detailed,
                          json_t *into)
{
    struct runtime_ids ids;
    struct proc_info info;
    if (!runtime_ids(b, vm, &ids) || proc_info_read(ids.pid, &info) < 0)
        return;
    json_object_set_new(into, "cpu_ns", json_integer((json_int_t)info.cpu_ns));
    json_object_set_new(into, "rss_bytes", json_integer((json_int_t)info.rss_bytes));
    int64_t merged = proc_ksm_merging_pages(ids.pid);
    if (merged >= 0) /* pages KSM merged: shared with other VMs (or zero pages) */
        json_object_set_new(into, "shared_bytes", json_integer((json_int_t)merged * 4096));
    if (detailed) {
        struct vm_files f;
        vm_files_init(b, vm->id, &f);
        merge_vmm_stats(&f, into);
    }
}

static int process_console(struct vm_backend *b, const struct vm_record *vm, json_t **endpoint,
                           struct cp_error *err)
{
    (void)err;
    struct vm_files f;
    vm_files_init(b, vm->id, &f);
    *endpoint = json_pack("{s:s}", "socket", f.sock);
    return 0;
}

static char *process_log_path(struct vm_backend *b, const struct vm_record *vm)
{
    struct vm_files f;
    vm_files_init(b, vm->id, &f);
    return strdup(f.log);
}

/* Reads the monitor's record of how the VMM ended; -1 when there is none. */
static int read_exit_status(const struct vm_files *f, int *status)
{
    FILE *fp = fopen(f->exit, "re");
    if (!fp)
        return -1;
    int ok = fscanf(fp, "%d", status) == 1;
    fclose(fp);
    return ok ? 0 : -1;
}

/* The end of the VM's log; first, when a signal ended it (nothing in the
 * log says so) or the log is empty, what ended it. */
static char *crash_report(const char *event, bool signalled, const struct vm_files *f)
{
    char *tail = read_file_tail(f->log, REPORT_TAIL_BYTES, NULL);
    if (!signalled && tail && *tail)
        return tail;
    char *report = NULL;
    if (asprintf(&report, "%s\n%s", event, tail ? tail : "") < 0)
        report = NULL;
    free(tail);
    return report;
}

/* `mica run` statuses: 0..123 guest exit code, 124 timeout, 125 mica error,
 * 130 interrupted, 139 guest crashed (report on stderr, so in the log). */
static void describe_end(int status, const struct vm_files *f, struct vm_end *end)
{
    end->state = VM_CRASHED;
    end->exit_code = -1;
    if (WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        snprintf(end->event, sizeof end->event, "VM process killed by signal %d (SIG%s)",
                 WTERMSIG(status), abbrev ? abbrev : "?");
    } else {
        int code = WEXITSTATUS(status);
        if (code <= 123 || code == 130) {
            end->state = VM_SHUTDOWN;
            end->exit_code = code <= 123 ? code : -1;
            snprintf(end->event, sizeof end->event, "exited with code %d", code);
        } else if (code == 139) {
            snprintf(end->event, sizeof end->event, "guest crashed");
        } else if (code == 124) {
            snprintf(end->event, sizeof end->event, "timed out");
        } else {
            snprintf(end->event, sizeof end->event, "VMM failed (status %d)", code);
        }
    }
    if (end->state == VM_CRASHED)
        end->report = crash_report(end->event, WIFSIGNALED(status), f);
}

/* Whoever serves the VM's control socket is its VMM (SO_PEERCRED names the
 * process that listens), provided its arguments name that very socket. */
static bool control_socket_ids(const struct vm_files *f, struct runtime_ids *ids)
{
    int fd = unix_connect(f->sock);
    if (fd < 0)
        return false;
    struct peer who;
    int rc = peer_identify(fd, &who);
    close(fd);
    if (rc < 0 || !proc_has_arg(who.pid, f->sock))
        return false;
    memset(ids, 0, sizeof *ids);
    ids->pid = who.pid; /* no monitor: it vanished, so the exit status will be unknown */
    return true;
}

/* Where the processes of a start are when the daemon was killed before it
 * recorded them: in the pids file, once a monitor that still holds the
 * start lock has written it; else with whoever serves the control socket. */
static bool find_unrecorded(const struct vm_files *f, struct runtime_ids *ids)
{
    memset(ids, 0, sizeof *ids);
    for (int waited = 0; waited < START_TIMEOUT_MS; waited += READY_POLL_MS) {
        if (read_pids_file(f, &ids->pid, &ids->monitor))
            return true;
        if (!monitor_holds_lock(f))
            break;
        sleep_ms(READY_POLL_MS);
    }
    return read_pids_file(f, &ids->pid, &ids->monitor) || control_socket_ids(f, ids);
}

/* A pid from the pids file carries no start time.  While the monitor
 * lives (holds the lock) it is its VMM: the monitor reaps the VMM before it
 * ends, so the pid cannot have been reused; and the VMM may not have exec'd
 * yet, so its arguments would not tell.  Later, they tell whether it is
 * still this VM's VMM or a process that reused the pid. */
static bool vmm_alive(const struct vm_record *vm, const struct vm_files *f,
                      const struct runtime_ids *ids)
{
    return proc_is_alive(ids->pid, ids->pid_start) &&
           (vm->runtime || monitor_holds_lock(f) || proc_has_arg(ids->pid, f->sock));
}

/* A start the daemon was killed in: as in spawn, it worked when the VM
 * answers; a VM that does not is stopped rather than left unmanaged. */
static bool finish_start(const struct vm_files *f, const struct runtime_ids *ids)
{
    if (wait_until_ready(f, ids->pid))
        return true;
    if (proc_is_alive(ids->pid, ids->pid_start)) {
        kill(ids->pid, SIGKILL);
        wait_for_exit(ids->pid, ids->pid_start, 1000);
    }
    return false;
}

static void describe_unknown_end(bool known, const struct vm_files *f, struct vm_end *end)
{
    end->state = known ? VM_CRASHED : VM_SHUTDOWN;
    end->exit_code = -1;
    snprintf(end->event, sizeof end->event, "%s",
             known ? "VM process ended; exit status unknown" : "start did not complete");
    if (known)
        end->report = read_file_tail(f->log, REPORT_TAIL_BYTES, NULL);
}

static int process_probe(struct vm_backend *b, const struct vm_record *vm, char **runtime,
                         struct vm_end *end)
{
    struct vm_files f;
    vm_files_init(b, vm->id, &f);
    struct runtime_ids ids;
    bool known = runtime_ids(b, vm, &ids) || find_unrecorded(&f, &ids);
    *runtime = NULL;
    if (known && vmm_alive(vm, &f, &ids) &&
        (vm->state != VM_STARTING || finish_start(&f, &ids))) {
        if (!vm->runtime) /* adopted: the daemon never recorded it */
            *runtime = make_runtime(ids.pid, ids.monitor, &f);
        return 1;
    }
    /* The monitor may still be writing the status. */
    if (known && ids.monitor > 0)
        wait_for_exit(ids.monitor, ids.monitor_start, 2000);
    int status;
    memset(end, 0, sizeof *end);
    if (read_exit_status(&f, &status) == 0)
        describe_end(status, &f, end);
    else
        describe_unknown_end(known, &f, end);
    return 0;
}

static int ended_fd(void) { return eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK); }

static int process_watch_fd(struct vm_backend *b, const struct vm_record *vm)
{
    struct runtime_ids ids;
    if (!runtime_ids(b, vm, &ids))
        return -1;
    /* Prefer the monitor: when it has ended, the exit status is on disk. */
    pid_t pid = proc_is_alive(ids.monitor, ids.monitor_start) ? ids.monitor : ids.pid;
    uint64_t start = pid == ids.monitor ? ids.monitor_start : ids.pid_start;
    int fd = proc_pidfd_open(pid);
    if (fd >= 0 && !proc_is_alive(pid, start) && pid == ids.pid) {
        close(fd); /* raced with its end, or the pid was reused */
        fd = -1;
    }
    if (fd < 0) /* both have ended already: a descriptor ready at once, so
                 * the caller settles this end like any other */
        fd = ended_fd();
    return fd;
}

static void process_forget(struct vm_backend *b, const struct vm_record *vm)
{
    struct vm_files f;
    vm_files_init(b, vm->id, &f);
    const char *files[] = {f.log, f.log_old, f.sock, f.exit, f.exit_tmp, f.pids, f.pids_tmp, f.lock};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(files[i]);
    rmdir(f.dir);
}

static void process_close(struct vm_backend *b)
{
    free(impl(b)->vmm);
    free(impl(b)->state_dir);
    free(b);
}

struct vm_backend *vm_backend_process_new(const char *vmm, const char *state_dir)
{
    struct process_backend *pb = calloc(1, sizeof *pb);
    if (!pb)
        return NULL;
    pb->vmm = strdup(vmm);
    pb->state_dir = strdup(state_dir);
    pb->log_max = LOG_ROTATE_DEFAULT_BYTES;
    pb->jail = getenv(CONFINE_ENV_JAIL) != NULL;
    char vms[PATH_MAX];
    snprintf(vms, sizeof vms, "%s/vms", state_dir);
    mkdir(vms, 0750);
    pb->base = (struct vm_backend){
        .name = "process",
        .spawn = process_spawn,
        .pause = process_pause,
        .mem_set = process_mem_set,
        .save = process_save,
        .resume = process_resume,
        .shutdown = process_shutdown,
        .destroy = process_destroy,
        .stats = process_stats,
        .console = process_console,
        .log_path = process_log_path,
        .probe = process_probe,
        .watch_fd = process_watch_fd,
        .forget = process_forget,
        .close = process_close,
    };
    return &pb->base;
}

void vm_backend_process_limit_logs(struct vm_backend *b, uint64_t bytes_per_file)
{
    impl(b)->log_max = bytes_per_file;
}
