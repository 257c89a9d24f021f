#include "cp/peer_quota.h"

#include <string.h>

void peer_quota_init(struct peer_quota *q, unsigned per_pid, unsigned per_uid)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    q->per_pid = per_pid;
    q->per_uid = per_uid;
}

void peer_quota_destroy(struct peer_quota *q)
{
    pthread_mutex_destroy(&q->lock);
}

/* The slot counting `key`, or a free one (n == 0), or NULL when full. */
static struct peer_count *slot(struct peer_count *table, long key)
{
    struct peer_count *free_slot = NULL;
    for (size_t i = 0; i < PEER_QUOTA_SLOTS; i++) {
        if (table[i].n > 0 && table[i].key == key)
            return &table[i];
        if (table[i].n == 0 && !free_slot)
            free_slot = &table[i];
    }
    if (free_slot)
        free_slot->key = key;
    return free_slot;
}

bool peer_quota_take(struct peer_quota *q, const struct peer *who)
{
    pthread_mutex_lock(&q->lock);
    struct peer_count *pid = slot(q->pids, (long)who->pid);
    struct peer_count *uid = slot(q->uids, (long)who->uid);
    bool ok = pid && uid && pid->n < q->per_pid && uid->n < q->per_uid;
    if (ok) {
        pid->n++;
        uid->n++;
    }
    pthread_mutex_unlock(&q->lock);
    return ok;
}

static void give_back(struct peer_count *table, long key)
{
    for (size_t i = 0; i < PEER_QUOTA_SLOTS; i++) {
        if (table[i].n > 0 && table[i].key == key) {
            table[i].n--;
            return;
        }
    }
}

void peer_quota_release(struct peer_quota *q, const struct peer *who)
{
    pthread_mutex_lock(&q->lock);
    give_back(q->pids, (long)who->pid);
    give_back(q->uids, (long)who->uid);
    pthread_mutex_unlock(&q->lock);
}
