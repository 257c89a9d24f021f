/*
 * The PV network interface's back end, netback (contract:
 * include/mica/io/netif.h; front end: guest/pvio/net/): moves frames
 * between the guest's two rings and a link, a descriptor that carries one
 * Ethernet frame per read and write: a SOCK_SEQPACKET socket to a switch
 * process (vfr/switchd.h), one end of a socketpair in tests, or a tap.
 *
 *   transmit  tx request -> checked (size, offset, grant) -> grant copy
 *             into private memory -> written to the link (non-blocking: a
 *             full link drops the frame, MICA_NET_DROPPED)
 *   receive   link readable -> one frame -> grant copy into the next
 *             buffer the guest posted; with none posted the frame is
 *             dropped and counted, as a NIC drops it
 *
 * Threads: notify (the guest kicked, on its vCPU thread) only writes an
 * eventfd and never blocks; the work happens on the back end's own I/O
 * thread, started at connect and joined at disconnect, at most
 * NETBACK_BUDGET frames each way per pass so a flooding guest or peer
 * cannot starve the other direction or the disconnect. A ring the guest
 * corrupted (req_prod past what the ring holds) is no longer served: one
 * line on stderr, counted.
 */
#ifndef MICA_PVIO_NET_NETBACK_H
#define MICA_PVIO_NET_NETBACK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "mica/io/netif.h"
#include "pvio/pvio.h"
#include "util/evloop.h"

#define NETBACK_BUDGET 64 /* frames per direction per pass */

struct netback_counters {
    uint64_t tx_frames, tx_bytes;
    uint64_t tx_errors;        /* malformed requests, bad grants        */
    uint64_t tx_dropped;       /* the link refused (full, or gone)     */
    uint64_t rx_frames, rx_bytes;
    uint64_t rx_no_buffer;     /* dropped: the guest posted no buffer  */
    uint64_t rx_errors;        /* dropped: bad buffer grant, bad frame */
    uint64_t ring_corrupt;     /* passes that found a lying req_prod   */
};

struct netback {
    struct pvio_backend base;
    char name[80];             /* "guest NAME: vifN" for messages */
    int link_fd;               /* owned: closed at detach */
    int kick_fd;               /* eventfd: notify -> the I/O thread */
    bool threaded;             /* false in unit tests: they call netback_pass */
    struct evloop loop;
    pthread_t thread;
    bool thread_running, connected, broken;
    bool link_open, link_is_socket;
    struct pvio_connect conn;
    struct mica_back_ring tx, rx;
    struct netback_counters c;
    uint8_t frame[MICA_NET_FRAME_MAX + 1]; /* one frame in flight, I/O thread only */
};

/* A back end over link_fd (which it owns from now on, even on failure),
 * for the VIF `name` (for messages). threaded: serve from an I/O thread
 * (mica run), or only when the caller calls netback_pass (unit tests).
 * 0, or -1 with one line in err. */
int netback_init(struct netback *nb, int link_fd, const char *name, bool threaded, char *err,
                 size_t errlen);

/* One bounded pass over both rings, as the I/O thread makes per wake-up;
 * returns true when work is left (the thread comes back at once). */
bool netback_pass(struct netback *nb);

#endif
