/*
 * The per-VM control channel (ctl/vm_control.h) as the VM process serves
 * it, for either kind of VM: the PV adapter (pv_control.h) and the FV one
 * (fv_control.h) give it their ops and feed it console output; this part
 * owns the server's life. Console output may come from vCPU threads while
 * the I/O thread opens or closes the channel, hence the atomic pointer.
 */
#ifndef MICA_RUN_CONTROL_CHANNEL_H
#define MICA_RUN_CONTROL_CHANNEL_H

#include <stdatomic.h>
#include <stddef.h>

#include "ctl/vm_control.h"

/* How long a pause waits for every vCPU to leave the guest. A kick takes
 * microseconds; this only bounds a vCPU stuck in the host. */
#define RUN_PAUSE_TIMEOUT_MS 2000

struct control_channel {
    /* Set once open, cleared before it is closed. */
    _Atomic(struct vm_control *) server;
};

/* Serves the channel at path with ops(ctx). Returns the server, or NULL
 * with a message in err (ch is then closed). */
struct vm_control *control_channel_open(struct control_channel *ch, const char *path,
                                        const struct vm_control_ops *ops, void *ctx, char *err,
                                        size_t errlen);

/* Console output to the history and every viewer, if the channel is open.
 * Call with the console's output lock held, so output keeps its order. */
void control_channel_output(struct control_channel *ch, const void *buf, size_t len);

/* The open server, or NULL. */
struct vm_control *control_channel_server(struct control_channel *ch);

/* Stops the output, then closes the server (removes the socket). Call once
 * no other thread runs its ops; closing a closed channel does nothing. */
void control_channel_close(struct control_channel *ch);

#endif
