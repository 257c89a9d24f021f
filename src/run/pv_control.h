/*
 * `mica run --control`: the per-VM control channel (control_channel.h) served
 * for one PV domain run by the solo dispatcher. The control ops run on the
 * run_io thread; pause/resume/shutdown reach the vCPU through its
 * solo_control, console input through the domain's console ring.
 */
#ifndef MICA_RUN_PV_CONTROL_H
#define MICA_RUN_PV_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "run/control_channel.h"
#include "sched/solo.h"

struct pv_control {
    struct pv_domain *dom;
    struct solo_control *ctl;
    bool to_stdout; /* also write console output there (the VM's log) */
    struct control_channel channel; /* fed by the sink on vCPU and I/O threads */
};

/* The console sink with --control: stdout (the VM's log) if to_stdout, and
 * every viewer.
 * ctx is the struct pv_control; its channel may still be NULL. */
void pv_control_sink(void *ctx, const char *buf, size_t len);

/* Serves the channel at path for rc->dom and rc->ctl (set by the caller).
 * Returns the channel, or NULL with a message in err. */
struct vm_control *pv_control_open(struct pv_control *rc, const char *path, char *err,
                                   size_t errlen);

/* Stops teeing output to the channel, then closes it (removes the socket).
 * Call once no other thread can use it. */
void pv_control_close(struct pv_control *rc);

#endif
