#include "run/seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/log.h"

/* System calls allowed with any arguments: each is used at run time by a
 * path named beside it, or by the C library and the sanitizers under them. */
static const int allowed[] = {
    /* descriptors the process already has: console, eventfds, sockets, disks */
    SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(close),
    SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
    SCMP_SYS(lseek),
    /* snapshots written into a descriptor the daemon passed (src/snap/snap_file.c) */
    SCMP_SYS(ftruncate),
    /* virtio-blk (src/virtio/virtio_blk.c) */
    SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
    SCMP_SYS(preadv2), SCMP_SYS(pwritev2), SCMP_SYS(fdatasync), SCMP_SYS(fsync),
    /* virtio-rng */
    SCMP_SYS(getrandom),
    /* I/O threads, the stopper, solo's sleeps (run_io.c, fv_io.c and util/evloop.c, solo.c, run_gate.c) */
    SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_pwait2), SCMP_SYS(eventfd2),
    SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime),
    /* time (vDSO fallbacks), sleeps */
    SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),
    SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
    /* memory: malloc, thread stacks, guest RAM teardown, sanitizer shadow */
    SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(mprotect),
    SCMP_SYS(brk),
    /* threads (clone is allowed for threads only, below) and their locks */
    SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity), SCMP_SYS(gettid), SCMP_SYS(getpid), SCMP_SYS(sigaltstack),
    SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(restart_syscall),
    /* signals: vCPU kicks (pthread_kill), signalfd, abort() */
    SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(tgkill),
    /* the control channel (src/ctl/vm_control.c, peer_access.c) */
    SCMP_SYS(accept4), SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg), SCMP_SYS(getsockopt), SCMP_SYS(shutdown),
    /* who the process is: the control channel's peer check compares a
     * client's uid with geteuid() */
    SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
    SCMP_SYS(getresuid), SCMP_SYS(getresgid), SCMP_SYS(getgroups),
};

/* Path lookups: refused with EACCES rather than trapped (see the header). */
static const int refused[] = {
    SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
    SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(access), SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2), SCMP_SYS(readlink), SCMP_SYS(readlinkat),
};

/* The ioctls used after set-up, by request number: the vCPU's run loop and
 * exit handlers (vmm/vcpu.c, pv/trap.c, pv/clock.c, fv/fv_emulate.c,
 * fv/fv_mxcsr.c), the FV interrupt line (fv_machine.c), and the terminal
 * (terminal.c, isatty). Creating VMs, vCPUs, memory slots or eventfd
 * bindings is not among them. */
static const unsigned long ioctls[] = {
    KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_MSRS,
    KVM_GET_TSC_KHZ, KVM_GET_FPU, KVM_SET_FPU, KVM_TRANSLATE, KVM_GET_VCPU_EVENTS,
    KVM_SET_VCPU_EVENTS, KVM_IRQ_LINE,
    KVM_GET_XSAVE, KVM_GET_XCRS, /* saving a vCPU (pv/vcpu_state.c) */
    TCGETS, TCSETS, TCSETSW, TCSETSF,
};

static const int fcntl_cmds[] = {F_GETFL, F_SETFL, F_GETFD, F_SETFD};

/* Names of system calls, resolved when the filter is installed: the SIGSYS
 * handler may only use async-signal-safe calls, and libseccomp's resolver
 * allocates. */
#define NAMES_MAX 512
#define NAME_LEN 32
static char names[NAMES_MAX][NAME_LEN];
static uint32_t native_arch;

static void resolve_names(void)
{
    if (names[0][0])
        return;
    native_arch = seccomp_arch_native();
    for (int nr = 0; nr < NAMES_MAX; nr++) {
        char *n = seccomp_syscall_resolve_num_arch(native_arch, nr);
        if (n)
            strncpy(names[nr], n, NAME_LEN - 1);
        free(n);
    }
}

static size_t append(char *buf, size_t at, size_t cap, const char *s)
{
    while (*s && at + 1 < cap)
        buf[at++] = *s++;
    return at;
}

static size_t append_num(char *buf, size_t at, size_t cap, long v)
{
    char digits[24];
    int n = 0;
    unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
    do
        digits[n++] = (char)('0' + u % 10);
    while ((u /= 10) && n < (int)sizeof digits);
    if (v < 0 && at + 1 < cap)
        buf[at++] = '-';
    while (n && at + 1 < cap)
        buf[at++] = digits[--n];
    return at;
}

/* One line on stderr (the VM's log under the daemon), then the end. Only
 * async-signal-safe calls: the process may be anywhere. */
static void on_forbidden(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    char line[160];
    size_t n = append(line, 0, sizeof line, "mica: the VM process made a forbidden system call: ");
    int nr = si->si_syscall;
    bool known = si->si_arch == native_arch && nr >= 0 && nr < NAMES_MAX && names[nr][0];
    n = append(line, n, sizeof line, known ? names[nr] : "unknown");
    n = append(line, n, sizeof line, " (number ");
    n = append_num(line, n, sizeof line, nr);
    n = append(line, n, sizeof line, si->si_arch == native_arch ? "); stopped by its seccomp filter\n"
                                                                : ", another architecture); stopped by its seccomp filter\n");
    (void)!write(STDERR_FILENO, line, n);
    _exit(MICA_STATUS_FORBIDDEN_SYSCALL);
}

static int add_rules(scmp_filter_ctx ctx)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof allowed / sizeof *allowed; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
    for (size_t i = 0; rc == 0 && i < sizeof refused / sizeof *refused; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), refused[i], 0);
    /* The kernel reads an ioctl's request as 32 bits: compare those only. */
    for (size_t i = 0; rc == 0 && i < sizeof ioctls / sizeof *ioctls; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, ioctls[i] & 0xffffffffu));
    for (size_t i = 0; rc == 0 && i < sizeof fcntl_cmds / sizeof *fcntl_cmds; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                              SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i], 0));
    /* Threads, not processes: clone must share the address space and thread
     * group. clone3 passes its flags in memory a filter cannot read, so it
     * answers ENOSYS and the C library falls back to clone. */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_VM,
                                      CLONE_THREAD | CLONE_VM));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    return rc;
}

static int install_handler(void)
{
    struct sigaction sa = {.sa_sigaction = on_forbidden, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) < 0)
        return -1;
    sigset_t sys;
    sigemptyset(&sys);
    sigaddset(&sys, SIGSYS);
    return pthread_sigmask(SIG_UNBLOCK, &sys, NULL) == 0 ? 0 : -1;
}

int seccomp_filter_install(char *err, size_t errlen)
{
    resolve_names();
    if (install_handler() < 0)
        return errmsg(err, errlen, -1, "seccomp: cannot install the SIGSYS handler: %s",
                       strerror(errno));
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        return errmsg(err, errlen, -1, "seccomp: cannot create a filter");
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc == 0)
        rc = add_rules(ctx);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0)
        return errmsg(err, errlen, -1, "seccomp: cannot install the filter: %s", strerror(-rc));
    return 0;
}
