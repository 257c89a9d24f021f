/*
 * The domains of a process, by id: ids are allocated here (1 and up, the
 * vm_id a guest sees in start_info and the id in its crash reports), looked
 * up, and freed when the domain is destroyed. The table is bounded: a
 * process cannot hold more than PV_DOMAINS_MAX domains at once.
 */
#ifndef MICA_PV_DOMAIN_TABLE_H
#define MICA_PV_DOMAIN_TABLE_H

#include <pthread.h>
#include <stdint.h>

#define PV_DOMAINS_MAX 4096 /* a cell runs thousands (sched/cell.h); fds bound it too */

struct pv_domain;

struct pv_domain_table {
    pthread_mutex_t lock;
    struct pv_domain *slot[PV_DOMAINS_MAX]; /* id - 1 */
    unsigned cursor;                        /* where the next search starts */
};

#define PV_DOMAIN_TABLE_INIT {.lock = PTHREAD_MUTEX_INITIALIZER}

/* The process's table, used by pv_domain_create(). */
extern struct pv_domain_table pv_domains;

/* Gives d a free id. Freed ids are handed out again only after every other
 * id has been, so a stale id rarely names a new domain. Returns the id, or
 * 0 when the table is full. */
uint64_t pv_domain_table_add(struct pv_domain_table *t, struct pv_domain *d);

/* The domain with this id, or NULL. The caller keeps it alive meanwhile. */
struct pv_domain *pv_domain_table_get(struct pv_domain_table *t, uint64_t id);

/* Frees the id (no-op for 0 or an unused id). */
void pv_domain_table_remove(struct pv_domain_table *t, uint64_t id);

#endif
