/*
 * The PV console's back end (contract: include/mica/io/console.h; front
 * end: guest/pvio/console/): drains the guest's output ring to a sink and
 * feeds input into the guest's input ring. The indices the host owns are
 * kept here, never re-read from the guest's page, and the ones the guest
 * owns are checked before each use. The first back end behind
 * struct pvio_backend_ops: notify drains the output.
 */
#ifndef MICA_PVIO_CONSOLE_H
#define MICA_PVIO_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/io/console.h"
#include "pvio/pvio.h"

/* Where console output goes; a control channel adds its own sink. */
typedef void (*pvio_console_sink)(void *ctx, const char *buf, size_t len);

#define PVIO_CONSOLE_PENDING_MAX 4096

struct pvio_console {
    struct pvio_backend base;
    struct mica_console_ring *ring; /* in the guest-writable pages; NULL until attached */
    pthread_mutex_t out_lock;       /* output: held while the sink writes */
    pthread_mutex_t in_lock;        /* input: never waits for the sink    */
    uint32_t out_cons;              /* host-owned copies */
    uint32_t in_prod;
    pvio_console_sink sink;
    void *sink_ctx;
    bool corrupt_reported;
    char pending[PVIO_CONSOLE_PENDING_MAX]; /* input not yet taken by the ring */
    size_t pending_len;
    bool input_ended;
};

/* A detached console with its sink; pvio_attach() binds it to a ring,
 * pvio_detach() releases it. */
void pvio_console_init(struct pvio_console *c, pvio_console_sink sink, void *ctx);

/* Moves everything the guest produced to the sink. Returns bytes moved, or
 * -1 when the guest corrupted the ring (its output is dropped). */
long pvio_console_drain(struct pvio_console *c);

/* MICA_HC_CONSOLE_WRITE's core: the ring's bytes, then buf, to the sink. */
void pvio_console_write_direct(struct pvio_console *c, const char *buf, size_t len);

/* Queues input for the guest; returns how many bytes were queued (at most
 * the free space of the pending buffer). pvio_console_flush_input() moves
 * pending input into the ring and returns true when the ring got bytes. */
size_t pvio_console_queue_input(struct pvio_console *c, const char *buf, size_t len);
bool pvio_console_flush_input(struct pvio_console *c);
size_t pvio_console_pending_input(struct pvio_console *c);

/* The input has ended (EOF): the guest sees MICA_CONS_IN_EOF once it has
 * everything before it. */
void pvio_console_end_input(struct pvio_console *c);

/* MICA_HC_CONSOLE_READ's core: takes up to len bytes of input for the guest
 * into dst. Returns bytes, 0 when there are none, -MICA_EINVAL when the
 * guest corrupted in_cons. */
long pvio_console_take_input(struct pvio_console *c, char *dst, uint32_t len);

/* The size of a saved console state with n bytes of pending input. */
#define PVIO_CONSOLE_STATE_HEADER 20u
#define PVIO_CONSOLE_STATE_MAX (PVIO_CONSOLE_STATE_HEADER + PVIO_CONSOLE_PENDING_MAX)

#endif
