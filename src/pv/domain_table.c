#include "pv/domain_table.h"

struct pv_domain_table pv_domains = PV_DOMAIN_TABLE_INIT;

uint64_t pv_domain_table_add(struct pv_domain_table *t, struct pv_domain *d)
{
    uint64_t id = 0;
    pthread_mutex_lock(&t->lock);
    for (unsigned n = 0; n < PV_DOMAINS_MAX && !id; n++) {
        unsigned i = (t->cursor + n) % PV_DOMAINS_MAX;
        if (!t->slot[i]) {
            t->slot[i] = d;
            t->cursor = (i + 1) % PV_DOMAINS_MAX;
            id = (uint64_t)i + 1;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return id;
}

struct pv_domain *pv_domain_table_get(struct pv_domain_table *t, uint64_t id)
{
    if (id == 0 || id > PV_DOMAINS_MAX)
        return NULL;
    pthread_mutex_lock(&t->lock);
    struct pv_domain *d = t->slot[id - 1];
    pthread_mutex_unlock(&t->lock);
    return d;
}

void pv_domain_table_remove(struct pv_domain_table *t, uint64_t id)
{
    if (id == 0 || id > PV_DOMAINS_MAX)
        return;
    pthread_mutex_lock(&t->lock);
    t->slot[id - 1] = NULL;
    pthread_mutex_unlock(&t->lock);
}
