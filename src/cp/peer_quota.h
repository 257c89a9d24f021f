/*
 * How many connections each client of the API holds, by process and by
 * user (SO_PEERCRED), so that one client holding many idle connections
 * cannot take every slot of the server and lock the others out.  A Unix
 * socket has no addresses, so libmicrohttpd's per-IP limit cannot tell
 * clients apart.  Thread-safe.
 */
#ifndef MICA_CP_PEER_QUOTA_H
#define MICA_CP_PEER_QUOTA_H

#include "ctl/peer_access.h"

#include <pthread.h>
#include <stdbool.h>

#define PEER_QUOTA_SLOTS 1024 /* distinct pids, and distinct uids, tracked at once */

struct peer_count {
    long key;
    unsigned n;
};

struct peer_quota {
    pthread_mutex_t lock;
    unsigned per_pid, per_uid;
    struct peer_count pids[PEER_QUOTA_SLOTS], uids[PEER_QUOTA_SLOTS];
};

void peer_quota_init(struct peer_quota *q, unsigned per_pid, unsigned per_uid);
void peer_quota_destroy(struct peer_quota *q);

/* Counts one more connection of `who`; false (nothing counted) when that
 * would exceed its process's or its user's share. */
bool peer_quota_take(struct peer_quota *q, const struct peer *who);

/* Gives back what peer_quota_take() counted. */
void peer_quota_release(struct peer_quota *q, const struct peer *who);

#endif
