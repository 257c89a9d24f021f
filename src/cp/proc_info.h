/* What /proc says about a process: used to recognise a VM process again
 * without being fooled by pid reuse. */
#ifndef MICA_CP_PROC_INFO_H
#define MICA_CP_PROC_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_info {
    char state;          /* R S D Z ...                       */
    uint64_t start_ticks; /* since boot: with the pid, unique   */
    uint64_t cpu_ns;     /* user + system time                */
    uint64_t rss_bytes;
};

/* 0, or -1 when there is no such process. */
int proc_info_read(pid_t pid, struct proc_info *out);

/* True when pid runs (not a zombie) and, if start_ticks is non-zero, is the
 * very process that started at that time. */
bool proc_is_alive(pid_t pid, uint64_t start_ticks);

/* True when one of pid's arguments is exactly `arg` (a VM's control socket
 * path names it: no other process, even one with a reused pid, has it). */
bool proc_has_arg(pid_t pid, const char *arg);

/* /proc/PID/ksm_merging_pages: pages of pid and its children that KSM
 * merged (Linux 6.1+), or -1 when the kernel does not say. */
int64_t proc_ksm_merging_pages(pid_t pid);

/* A pidfd for pid (readable once it exits), or -1. */
int proc_pidfd_open(pid_t pid);

#endif
