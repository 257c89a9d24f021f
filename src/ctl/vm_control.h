/*
 * The VMM side of the per-VM control channel (docs/control-program.md).
 *
 * A VM process started by the control program serves one Unix stream socket.
 * Each connection sends one JSON request per line:
 *     {"cmd":"pause"} {"cmd":"resume"} {"cmd":"shutdown"} {"cmd":"stats"}
 *     {"cmd":"sched"[,"weight":W][,"warp_us":U][,"warp_limit_us":U][,"unwarp_us":U]}
 *     {"cmd":"mem-set","pages":N}   (the balloon target, pages of 4 KiB)
 * and gets one JSON reply per line ({"ok":true,...} or {"ok":false,"error":"..."}).
 * {"cmd":"save"} and {"cmd":"snapshot"} come with one file descriptor
 * (SCM_RIGHTS, opened for writing by the client with its rights: the VM
 * process opens no path): the VM is paused and saved into it; after "save"
 * it ends, after "snapshot" it runs on (or stays paused if it was).
 * {"cmd":"console"} turns the connection into a console viewer: after the
 * reply line it receives the recent output history and then live output as
 * raw bytes, and every byte it sends is guest input.  Any number of viewers
 * may be attached at once.
 *
 * This module owns the listening socket, the connections and the console
 * history ring; the VMM owns the VM and implements the ops.  It exposes one
 * file descriptor (an epoll set of its own) for the VMM's event loop: when it
 * is readable, call vm_control_on_readable().  Nothing here ever blocks on a
 * client, so a stuck viewer cannot stall the VM.
 */
#ifndef MICA_CTL_VM_CONTROL_H
#define MICA_CTL_VM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the VMM reports for `stats` (fields it cannot measure stay 0). */
struct vm_control_stats {
    uint64_t run_ns;      /* guest (vCPU) run time                */
    uint64_t exits;       /* exits to the VMM, all kinds          */
    uint64_t hypercalls;  /* PV hypercalls handled                */
    uint64_t mem_bytes;   /* guest memory size: its maximum       */
    uint64_t mem_current_bytes; /* held now (the balloon, mica/memory.h) */
    uint64_t mem_target_bytes;  /* the target mem-set asked for           */
    uint64_t mem_floor_bytes;   /* the lowest target accepted             */
    uint64_t guest_free_bytes;  /* the guest's own report (virtio-balloon */
    uint64_t guest_avail_bytes; /* statistics), 0 when it gave none       */
    uint32_t vcpus;
    int blocked;          /* 1 when every vCPU is blocked (idle)  */
    int paused;
};

/* A VM's scheduling parameters (BVT, sched/bvt.h) and state, for `sched`:
 * only VMs run by a dispatcher (in a cell) have them. */
struct vm_control_sched {
    uint32_t weight;
    uint64_t warp_ns, warp_limit_ns, unwarp_ns;
    /* State, in replies only: */
    uint64_t run_ns, avt, svt;
    int64_t evt;
    int warping;
};

/* What a `sched` request changes (none: it only reads). */
struct vm_control_sched_set {
    bool weight, warp, warp_limit, unwarp;
    struct vm_control_sched to;
};

/* Implemented by the VMM; each returns 0 or a negative errno, and is called
 * from the thread that calls vm_control_on_readable().  shutdown asks the VM
 * to end (the process exits soon after); console_input gets raw bytes typed
 * by a viewer. */
struct vm_control_ops {
    int (*pause)(void *ctx);
    int (*resume)(void *ctx);
    int (*shutdown)(void *ctx);
    int (*stats)(void *ctx, struct vm_control_stats *out);
    void (*console_input)(void *ctx, const void *buf, size_t len);
    /* Optional (NULL: "not run by a dispatcher"): applies `set` (-EINVAL:
     * out of range, nothing changed), then fills `now`. */
    int (*sched)(void *ctx, const struct vm_control_sched_set *set, struct vm_control_sched *now);
    /* The balloon target in pages: 0, or -ERANGE (outside [floor, max]),
     * -ENOTSUP (no balloon in this kind of VM), why names the reason. */
    int (*mem_set)(void *ctx, uint64_t pages, char *why, size_t whylen);
    /* Saves the VM into fd (see above); 0, or -1 with one line in err. */
    int (*save)(void *ctx, int fd, bool keep_running, char *err, size_t errlen);
};

#define VM_CONTROL_HISTORY_BYTES (64u * 1024u)

/* Connections one VM process serves at once: per user, and from users
 * other than root and its own (the daemon's side keeps its share however
 * many others connect); more are answered with an error and closed.  Out
 * of descriptors, a pending connection is accepted on a reserve descriptor
 * and closed, so the VM neither spins nor leaves the daemon waiting. */
#define VM_CONTROL_MAX_CONNS 64u
#define VM_CONTROL_CONNS_PER_UID 32u

struct vm_control;

/* Creates the socket at `path` (replacing a stale one), mode 0660.  Only
 * uid 0, our own uid, and members of the socket's group may connect.
 * Returns NULL with a message in err on failure. */
struct vm_control *vm_control_open(const char *path, const struct vm_control_ops *ops,
                                   void *ctx, char *err, size_t errlen);

/* The one descriptor to watch for readability (EPOLLIN). */
int vm_control_fd(const struct vm_control *c);

/* Accepts, reads and answers whatever is pending; never blocks. */
void vm_control_on_readable(struct vm_control *c);

/* Guest console output: kept in the history ring and sent to every viewer.
 * Thread-safe (may be called from a vCPU thread). */
void vm_control_console_output(struct vm_control *c, const void *buf, size_t len);

/* Number of attached console viewers (for tests and stats). */
int vm_control_viewers(struct vm_control *c);

/* Closes every connection and removes the socket file. */
void vm_control_close(struct vm_control *c);

#endif
