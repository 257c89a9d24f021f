/*
 * `mica run --kernel ... --control SOCKET`: the per-VM control channel
 * (control_channel.h) served for a full-virtualization machine, as
 * pv_control.h does for a PV domain, so the control program manages both
 * kinds alike. The channel outlives each boot (--reboot builds a fresh
 * machine); its fd is one more source for the machine's I/O thread, where
 * the ops run. pause parks every vCPU thread (no CPU used), shutdown ends
 * the machine with status 0, console viewers see the serial console (and
 * virtio-console) output and type into the active console.
 */
#ifndef MICA_RUN_FV_CONTROL_H
#define MICA_RUN_FV_CONTROL_H

#include <stddef.h>

#include "fv/fv_machine.h"
#include "run/control_channel.h"

struct fv_control {
    /* The machine of the current boot: set before it runs, cleared after.
     * The ops only run while it runs (on its I/O thread). */
    struct fv_machine *m;
    struct control_channel channel; /* fed by the tee on vCPU and I/O threads */
};

/* Serves the channel at path. 0, or -1 with a message in err. */
int fv_control_open(struct fv_control *fc, const char *path, char *err, size_t errlen);

/* Before machine m runs: its console's output goes to the channel too, and
 * *w is filled for fv_machine_run(). */
void fv_control_attach(struct fv_control *fc, struct fv_machine *m, struct fv_watch *w);
void fv_control_detach(struct fv_control *fc);

/* Stops teeing output to the channel, then closes it (removes the socket). */
void fv_control_close(struct fv_control *fc);

#endif
