/*
 * `mica cell --control DIR`: the per-VM control channel (ctl/vm_control.h)
 * served for every domain of a cell, at DIR/NAME.sock: pause, resume,
 * shutdown, stats, sched (BVT parameters at run time) and console viewers,
 * as `mica run --control` serves them for its one domain. One thread with
 * one event loop serves all the channels of the cell.
 */
#ifndef MICA_RUN_CELL_CONTROL_H
#define MICA_RUN_CELL_CONTROL_H

#include <stdatomic.h>
#include <stddef.h>

#include "run/control_channel.h"
#include "sched/cell.h"

/* One domain's channel; embed it, zeroed. */
struct cell_vm_control {
    struct cell *cell;
    struct cell_vm *vm;
    struct control_channel channel;
    atomic_bool paused;
};

/* Serves vc's channel at path for vm of cell c. 0, or -1 with a message. */
int cell_vm_control_open(struct cell_vm_control *vc, struct cell *c, struct cell_vm *vm, const char *path,
                         char *err, size_t errlen);
/* The domain's console output, to its viewers (its console sink calls it). */
void cell_vm_control_output(struct cell_vm_control *vc, const void *buf, size_t len);

struct cell_control;

/* Starts the thread serving the open channels of vcs[0..n). 0, or -1 with
 * a message. */
int cell_control_start(struct cell_control **out, struct cell_vm_control *vcs, size_t n, char *err,
                       size_t errlen);
/* Stops the thread, then closes every channel of vcs[0..n) (removes the
 * sockets). cc may be NULL (never started). */
void cell_control_stop(struct cell_control *cc, struct cell_vm_control *vcs, size_t n);

#endif
