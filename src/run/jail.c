#include "run/jail.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/terminal.h"
#include "util/log.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

/* Where the empty root is mounted before the pivot: any directory will do,
 * the mount is private to the jail's namespace. */
#define JAIL_MOUNTPOINT "/tmp"
#define JAIL_NAMESPACES (CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWCGROUP)

int jail_new_pid_namespace(void)
{
    return unshare(CLONE_NEWPID);
}

/* The keeper: stays outside the PID namespace, as the process its parent
 * (a shell, the daemon's monitor) waits on; passes signals on and exits as
 * the VM process did. */
static _Noreturn void keep(pid_t vm, const sigset_t *watched)
{
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(watched, &si);
        if (sig > 0 && sig != SIGCHLD) {
            kill(vm, sig);
            continue;
        }
        int st;
        if (sig != SIGCHLD || waitpid(vm, &st, WNOHANG) != vm)
            continue;
        terminal_restore(); /* a VM process that died (SIGSYS) left it raw */
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
}

static int fork_into_pid_namespace(struct jail *j, char *err, size_t errlen)
{
    if (jail_new_pid_namespace() < 0)
        return errmsg(err, errlen, -1, "--jail: cannot create a PID namespace: %s", strerror(errno));
    sigset_t watched, old;
    sigemptyset(&watched);
    sigaddset(&watched, SIGINT);
    sigaddset(&watched, SIGTERM);
    sigaddset(&watched, SIGHUP);
    sigaddset(&watched, SIGCHLD);
    sigprocmask(SIG_BLOCK, &watched, &old);
    terminal_save(STDIN_FILENO);
    fflush(NULL);
    pid_t vm = fork();
    if (vm < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        return errmsg(err, errlen, -1, "--jail: cannot fork into the PID namespace: %s",
                      strerror(errno));
    }
    if (vm > 0)
        keep(vm, &watched);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* killing the keeper kills the VM */
    /* SIGINT, SIGTERM and SIGHUP stay blocked: as PID 1 without handlers
     * it would drop them, blocked they wait for the VM's signalfd. */
    sigdelset(&watched, SIGCHLD);
    sigorset(&watched, &watched, &old);
    sigprocmask(SIG_SETMASK, &watched, NULL);
    j->keeper = true;
    return 0;
}

int jail_enter(struct jail *j, char *err, size_t errlen)
{
    if (geteuid() != 0)
        return errmsg(err, errlen, -1, "--jail: needs root (the VM process gives up root itself)");
    if (jail_resolve_user(j->user, &j->uid, &j->gid, err, errlen) < 0)
        return -1;
    if (getpid() != 1 && fork_into_pid_namespace(j, err, errlen) < 0)
        return -1;
    if (unshare(JAIL_NAMESPACES) < 0)
        return errmsg(err, errlen, -1, "--jail: cannot create namespaces: %s", strerror(errno));
    /* Nothing mounted in here may reach the host's mount table. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return errmsg(err, errlen, -1, "--jail: cannot make mounts private: %s", strerror(errno));
    return 0;
}

/* ---- sealing ------------------------------------------------------------- */

/* An empty, read-only tmpfs becomes the root; the old one is detached, so
 * no path leads out. chroot where pivot_root cannot (an initramfs root). */
static int pivot_to_empty_root(char *err, size_t errlen)
{
    if (mount("mica-jail", JAIL_MOUNTPOINT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
              "size=4k,nr_inodes=1,mode=0555") < 0)
        return errmsg(err, errlen, -1, "--jail: cannot mount the empty root: %s", strerror(errno));
    if (chdir(JAIL_MOUNTPOINT) < 0)
        return errmsg(err, errlen, -1, "--jail: cannot enter the empty root: %s", strerror(errno));
    if (syscall(SYS_pivot_root, ".", ".") == 0) {
        if (umount2(".", MNT_DETACH) < 0)
            return errmsg(err, errlen, -1, "--jail: cannot detach the old root: %s",
                          strerror(errno));
    } else if (chroot(".") < 0) {
        return errmsg(err, errlen, -1, "--jail: cannot change the root: %s", strerror(errno));
    }
    return chdir("/") < 0 ? errmsg(err, errlen, -1, "--jail: chdir /: %s", strerror(errno)) : 0;
}

/* The address space set-up has mapped (guest RAM included), from statm,
 * which must be read before the pivot hides /proc. */
static unsigned long long mapped_bytes(void)
{
    unsigned long long pages = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (f) {
        if (fscanf(f, "%llu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}

static int limit(int resource, unsigned long long value, const char *name, char *err,
                 size_t errlen)
{
    struct rlimit r = {.rlim_cur = value, .rlim_max = value};
    struct rlimit now;
    if (getrlimit(resource, &now) == 0 && now.rlim_max != RLIM_INFINITY && now.rlim_max < value)
        r.rlim_cur = r.rlim_max = now.rlim_max; /* never raise a limit */
    if (setrlimit(resource, &r) < 0)
        return errmsg(err, errlen, -1, "--jail: cannot set %s: %s", name, strerror(errno));
    return 0;
}

static int set_limits(unsigned long long mapped, char *err, size_t errlen)
{
    if ((mapped && limit(RLIMIT_AS, mapped + JAIL_AS_SLACK, "RLIMIT_AS", err, errlen) < 0) ||
        limit(RLIMIT_NOFILE, JAIL_NOFILE, "RLIMIT_NOFILE", err, errlen) < 0 ||
        limit(RLIMIT_NPROC, JAIL_NPROC, "RLIMIT_NPROC", err, errlen) < 0 ||
        limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err, errlen) < 0 ||
        limit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK", err, errlen) < 0)
        return -1;
    return 0;
}

static int capabilities_to_zero(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {{0}};
    return (int)syscall(SYS_capset, &h, d);
}

/* Bounding set first (dropping it needs CAP_SETPCAP), then the ids (which
 * clears the permitted and effective sets), then whatever is left. */
static int drop_privileges(const struct jail *j, char *err, size_t errlen)
{
    for (int cap = 0; cap <= 63; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL)
            break; /* past the last capability this kernel knows */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return errmsg(err, errlen, -1, "--jail: cannot clear ambient capabilities: %s",
                      strerror(errno));
    if (setgroups(1, &j->gid) < 0 || setresgid(j->gid, j->gid, j->gid) < 0 ||
        setresuid(j->uid, j->uid, j->uid) < 0)
        return errmsg(err, errlen, -1, "--jail: cannot become uid %u gid %u: %s",
                      (unsigned)j->uid, (unsigned)j->gid, strerror(errno));
    if (capabilities_to_zero() < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return errmsg(err, errlen, -1, "--jail: cannot drop capabilities: %s", strerror(errno));
    return 0;
}

int jail_seal(struct jail *j, char *err, size_t errlen)
{
#if defined(__SANITIZE_ADDRESS__)
    /* LeakSanitizer's check at exit needs ptrace, /proc and a non-thread
     * clone, none of which a sealed process has: check now instead. */
    __lsan_do_leak_check();
#endif
    unsigned long long mapped = mapped_bytes();
    if (pivot_to_empty_root(err, errlen) < 0 || set_limits(mapped, err, errlen) < 0)
        return -1;
    return drop_privileges(j, err, errlen);
}
