/*
 * Save and restore of a PV domain through a snapshot file (snap_file.h):
 * the orchestration only. Each piece writes and reads its own state next to
 * its code (pv/domain_state.c, pv/pagetable_state.c, pv/evtchn_state.c,
 * pv/gnttab_state.c, pv/vcpu_state.c, each back end's pvio save/restore);
 * here they become sections, and back again in the order they depend on.
 */
#ifndef MICA_SNAP_PV_SNAP_H
#define MICA_SNAP_PV_SNAP_H

#include <stdbool.h>
#include <stddef.h>

#include "pv/domain.h"

/* Writes d (paused: no vCPU in the guest, on the thread that runs its back
 * ends) into fd, named `what` in messages. 0, or -1 with one line in err. */
int pv_snap_save(struct pv_domain *d, int fd, const char *what, char *err, size_t errlen);

struct pv_snap_restore {
    const char *name;        /* NULL: the saved domain's name */
    bool map_ram;            /* a clone: RAM mapped copy-on-write from the file */
    bool host_only;          /* no KVM half (tests) */
    pvio_console_sink console_sink;
    void *console_ctx;
};

/* Builds a domain from the snapshot in fd: either all of it, or nothing
 * (-1, one line in err). With map_ram, fd must stay unchanged while the
 * domain lives (its pages are the file's until written). */
int pv_snap_restore(struct pv_domain **out, int fd, const char *what,
                    const struct pv_snap_restore *opt, char *err, size_t errlen);

/* What a snapshot file says of its VM, after the file's checks (not those
 * of its memory): for the control program, before it defines a VM. */
struct pv_snap_info {
    char name[MICA_NAME_MAX];
    uint64_t mem_mib;
};
int pv_snap_describe(int fd, const char *what, struct pv_snap_info *info, char *err,
                     size_t errlen);

#endif
