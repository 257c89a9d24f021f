#include "pv/xdom.h"

#include <pthread.h>

#include "pv/domain.h"
#include "pv/domain_table.h"
#include "pv/evtchn.h"

static pthread_mutex_t xdom_lock = PTHREAD_MUTEX_INITIALIZER;

void pv_xdom_lock(void) { pthread_mutex_lock(&xdom_lock); }
void pv_xdom_unlock(void) { pthread_mutex_unlock(&xdom_lock); }

struct pv_domain *pv_xdom_find(struct pv_domain *self, mica_domid_t id)
{
    if (id == MICA_DOMID_SELF)
        return self;
    return pv_domain_table_get(&pv_domains, id);
}

void pv_xdom_leave(struct pv_domain *d)
{
    pv_xdom_lock();
    pv_evtchn_close_all_locked(d);
    pv_domain_table_remove(&pv_domains, d->id);
    pv_xdom_unlock();
}
