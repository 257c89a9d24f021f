/*
 * The host side of a PV console: drains the guest's output ring to a file
 * descriptor and feeds input into the guest's input ring. The indices the
 * host owns are kept here, never re-read from the guest's page, and the
 * ones the guest owns are checked before each use.
 */
#ifndef MICA_PV_CONSOLE_H
#define MICA_PV_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/io/console.h"

/* Where console output goes; a later control channel adds its own sink. */
typedef void (*pv_console_sink)(void *ctx, const char *buf, size_t len);

struct pv_console {
    struct mica_console_ring *ring; /* in the guest-writable page */
    pthread_mutex_t out_lock;       /* output: held while the sink writes */
    pthread_mutex_t in_lock;        /* input: never waits for the sink    */
    uint32_t out_cons;              /* host-owned copies */
    uint32_t in_prod;
    pv_console_sink sink;
    void *sink_ctx;
    bool corrupt_reported;
    char pending[4096];             /* input not yet taken by the ring */
    size_t pending_len;
    bool input_ended;
};

void pv_console_init(struct pv_console *c, struct mica_console_ring *ring, pv_console_sink sink,
                     void *ctx);
void pv_console_destroy(struct pv_console *c);

/* Moves everything the guest produced to the sink. Returns bytes moved, or
 * -1 when the guest corrupted the ring (its output is dropped). */
long pv_console_drain(struct pv_console *c);

/* MICA_HC_CONSOLE_WRITE's core: the ring's bytes, then buf, to the sink. */
void pv_console_write_direct(struct pv_console *c, const char *buf, size_t len);

/* Queues input for the guest; returns how many bytes were queued (at most
 * the free space of the pending buffer). pv_console_flush_input() moves
 * pending input into the ring and returns true when the ring got bytes. */
size_t pv_console_queue_input(struct pv_console *c, const char *buf, size_t len);
bool pv_console_flush_input(struct pv_console *c);
size_t pv_console_pending_input(struct pv_console *c);

/* The input has ended (EOF): the guest sees MICA_CONS_IN_EOF once it has
 * everything before it. */
void pv_console_end_input(struct pv_console *c);

/* MICA_HC_CONSOLE_READ's core: takes up to len bytes of input for the guest
 * into dst. Returns bytes, 0 when there are none, -MICA_EINVAL when the
 * guest corrupted in_cons. */
long pv_console_take_input(struct pv_console *c, char *dst, uint32_t len);

#endif
