/*
 * The VM process's system-call filter (seccomp, built with libseccomp).
 * Installed after set-up, before the first guest instruction: from then on
 * the process may only do what running a VM needs (KVM_RUN and the few KVM
 * ioctls used at run time, reads and writes on descriptors it already has,
 * polling, timers, memory for malloc, threads, signals for kicks, the
 * control channel's accept/recv/send, virtio-blk's preadv/pwritev/fdatasync,
 * getrandom for virtio-rng). Anything else stops the VM process with one
 * line on stderr naming the call, and the status below. Opening, removing
 * or looking up a file by path fails with EACCES instead: the jail's root is
 * empty anyway, and a few library paths probe files lazily (time zones,
 * /proc for a control client's groups) and cope with the refusal.
 */
#ifndef MICA_RUN_SECCOMP_FILTER_H
#define MICA_RUN_SECCOMP_FILTER_H

#include <stddef.h>

/* The VM process made a forbidden system call: 128 + SIGSYS, as a process
 * killed by that signal would report. */
#define MICA_STATUS_FORBIDDEN_SYSCALL 159

/* Installs the filter on every thread of the calling process (TSYNC);
 * threads created later inherit it. Sets PR_SET_NO_NEW_PRIVS (which the
 * kernel requires). Returns 0, or -1 with one line in err. */
int seccomp_filter_install(char *err, size_t errlen);

#endif
