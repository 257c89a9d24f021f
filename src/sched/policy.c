#include "sched/policy.h"

#include <errno.h>
#include <stddef.h>

struct sched_config sched_config_default(void)
{
    return (struct sched_config){
        .max_slice_ns = 30000000ull,
        .ctx_allow_ns = 5000000ull,
        .mcu_ns = 100000ull,
    };
}

struct sched_params sched_params_default(void) { return (struct sched_params){.weight = SCHED_WEIGHT_DEFAULT}; }

int sched_config_check(const struct sched_config *c)
{
    if (c->max_slice_ns < SCHED_MIN_SLICE_NS || c->max_slice_ns > SCHED_MAX_SLICE_NS)
        return -EINVAL;
    if (c->ctx_allow_ns >= c->max_slice_ns)
        return -EINVAL;
    if (c->mcu_ns < SCHED_MIN_MCU_NS || c->mcu_ns > c->max_slice_ns)
        return -EINVAL;
    return 0;
}

int sched_policy_init(struct sched_policy *p, const struct sched_ops *ops, const struct sched_config *cfg)
{
    struct sched_config c = cfg ? *cfg : sched_config_default();
    if (sched_config_check(&c))
        return -EINVAL;
    *p = (struct sched_policy){.ops = ops, .config = c};
    return ops->init(p);
}

void sched_policy_destroy(struct sched_policy *p)
{
    if (p->ops)
        p->ops->destroy(p);
    p->ops = NULL;
}

int sched_params_check(const struct sched_policy *p, const struct sched_params *params)
{
    if (params->weight == 0 || params->weight > SCHED_WEIGHT_MAX)
        return -EINVAL;
    if (params->warp_ns > SCHED_WARP_MAX_NS || params->warp_limit_ns > SCHED_WARP_LIMIT_MAX_NS ||
        params->unwarp_ns > SCHED_UNWARP_MAX_NS)
        return -EINVAL;
    if (params->warp_ns && !params->warp_limit_ns)
        return -EINVAL; /* an unlimited warp would let one unit starve the rest */
    return p->ops->check_params ? p->ops->check_params(p, params) : 0;
}

int sched_insert(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params)
{
    struct sched_params def = sched_params_default();
    if (!params)
        params = &def;
    if (u->inserted || sched_params_check(p, params))
        return -EINVAL;
    *u = (struct sched_unit){.state = SCHED_ASLEEP};
    int rc = p->ops->insert(p, u, params);
    u->inserted = rc == 0;
    return rc;
}

int sched_remove(struct sched_policy *p, struct sched_unit *u)
{
    if (!u->inserted)
        return -EINVAL;
    if (u->state == SCHED_RUNNING)
        return -EBUSY;
    if (u->state == SCHED_QUEUED)
        sched_sleep(p, u, 0);
    p->ops->remove(p, u);
    u->inserted = false;
    u->priv = NULL;
    return 0;
}

int sched_wake(struct sched_policy *p, struct sched_unit *u, uint64_t now)
{
    if (!u->inserted)
        return -EINVAL;
    if (u->state != SCHED_ASLEEP)
        return -EALREADY;
    p->ops->wake(p, u, now);
    u->state = SCHED_QUEUED;
    return 0;
}

int sched_sleep(struct sched_policy *p, struct sched_unit *u, uint64_t now)
{
    if (!u->inserted || u->state == SCHED_ASLEEP)
        return -EINVAL;
    p->ops->sleep(p, u, now);
    u->state = SCHED_ASLEEP;
    return 0;
}

struct sched_pick sched_pick_next(struct sched_policy *p, uint64_t now)
{
    struct sched_pick pick = p->ops->pick_next(p, now);
    if (!pick.unit)
        return pick;
    pick.unit->state = SCHED_RUNNING;
    if (pick.slice_ns == 0)
        pick.slice_ns = 1;
    if (pick.slice_ns > p->config.max_slice_ns)
        pick.slice_ns = p->config.max_slice_ns;
    return pick;
}

int sched_charge(struct sched_policy *p, struct sched_unit *u, uint64_t ran_ns, uint64_t now)
{
    if (!u->inserted || u->state != SCHED_RUNNING)
        return -EINVAL;
    u->run_ns = u->run_ns + ran_ns < u->run_ns ? UINT64_MAX : u->run_ns + ran_ns;
    p->ops->charge(p, u, ran_ns, now);
    return 0;
}

int sched_requeue(struct sched_policy *p, struct sched_unit *u, uint64_t now)
{
    if (!u->inserted || u->state != SCHED_RUNNING)
        return -EINVAL;
    p->ops->requeue(p, u, now);
    u->state = SCHED_QUEUED;
    return 0;
}

uint64_t sched_preempt_at(struct sched_policy *p, const struct sched_unit *woken,
                          const struct sched_unit *running, uint64_t since, uint64_t now)
{
    if (!woken->inserted || woken->state != SCHED_QUEUED || !running->inserted ||
        running->state != SCHED_RUNNING)
        return UINT64_MAX;
    return p->ops->preempt_at(p, woken, running, since, now);
}

int sched_set_params(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params,
                     uint64_t now)
{
    if (!u->inserted || sched_params_check(p, params))
        return -EINVAL;
    p->ops->set_params(p, u, params, now);
    return 0;
}

int sched_get_params(const struct sched_policy *p, const struct sched_unit *u, struct sched_params *out)
{
    if (!u->inserted)
        return -EINVAL;
    p->ops->get_params(p, u, out);
    return 0;
}

int sched_get_info(const struct sched_policy *p, const struct sched_unit *u, struct sched_info *out)
{
    if (!u->inserted)
        return -EINVAL;
    *out = (struct sched_info){.run_ns = u->run_ns};
    p->ops->get_info(p, u, out);
    out->run_ns = u->run_ns;
    return 0;
}
