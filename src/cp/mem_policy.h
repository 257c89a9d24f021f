/*
 * Memory overcommit: how much memory the daemon hands out. Every running
 * VM may grow to its maximum (mem_mib), so the sum of the maxima of the
 * live VMs is what the host could be asked for; the daemon admits a VM
 * while that sum stays within ratio x the host's memory, and refuses past
 * it with the figures. A ratio above 1 relies on VMs not all using their
 * maximum at once: ballooning (mica mem-set) and KSM make that true.
 * Pure policy: no registry, no /proc except in mem_host_total_mib().
 */
#ifndef MICA_CP_MEM_POLICY_H
#define MICA_CP_MEM_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* Set (to "1") by `mica daemon --ksm` for the VM processes it starts: each
 * offers its RAM to KSM as `mica run --ksm` does. */
#define MICA_ENV_KSM "MICA_KSM"

#define MEM_OVERCOMMIT_DEFAULT 2.0
#define MEM_OVERCOMMIT_MIN 0.1
#define MEM_OVERCOMMIT_MAX 100.0

struct mem_policy {
    uint64_t host_mib; /* the host's memory (MemTotal), or a configured figure */
    double ratio;      /* the sum of maxima may reach ratio x host_mib          */
};

/* The limit on the sum of maxima, in MiB. */
uint64_t mem_policy_limit_mib(const struct mem_policy *p);

/* 0 when a VM of want_mib may start with live_mib already handed out;
 * -1 with the reason (naming the VM, the figures and the option) in why. */
int mem_policy_admit(const struct mem_policy *p, const char *name, uint64_t live_mib,
                     uint64_t want_mib, char *why, size_t whylen);

/* MemTotal from /proc/meminfo in MiB, or 0 when it cannot be read. */
uint64_t mem_host_total_mib(void);

/* Parses a ratio ("1.5"): 0, or -1 outside [MIN, MAX] or not a number. */
int mem_policy_parse_ratio(const char *s, double *out);

#endif
