#include "ctl/vm_control_sched.h"

#include <errno.h>
#include <string.h>

#include "util/errmsg.h"

#define US 1000ull

static const char *const keys[] = {"cmd", "weight", "warp_us", "warp_limit_us", "unwarp_us"};

static int known_keys(const json_t *req, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)req, key, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            known = known || strcmp(key, keys[i]) == 0;
        if (!known)
            return errmsg(err, errlen, -1, "sched: unknown key '%.64s'", key);
    }
    return 0;
}

/* An optional non-negative integer at most max: 1 (present, *out set),
 * 0 (absent), -1 (bad). */
static int number(const json_t *req, const char *key, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(req, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return errmsg(err, errlen, -1, "sched: '%s' must be an integer from 0 to %llu", key,
                      (unsigned long long)max);
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

int vm_control_sched_parse(const json_t *req, struct vm_control_sched_set *set, char *err, size_t errlen)
{
    memset(set, 0, sizeof *set);
    if (!json_is_object(req))
        return errmsg(err, errlen, -1, "sched: expected a JSON object");
    if (known_keys(req, err, errlen) < 0)
        return -1;
    uint64_t w = 0, warp = 0, limit = 0, unwarp = 0;
    int rw = number(req, "weight", UINT32_MAX, &w, err, errlen);
    int ra = rw < 0 ? -1 : number(req, "warp_us", VM_CONTROL_SCHED_US_MAX, &warp, err, errlen);
    int rl = ra < 0 ? -1 : number(req, "warp_limit_us", VM_CONTROL_SCHED_US_MAX, &limit, err, errlen);
    int ru = rl < 0 ? -1 : number(req, "unwarp_us", VM_CONTROL_SCHED_US_MAX, &unwarp, err, errlen);
    if (ru < 0)
        return -1;
    *set = (struct vm_control_sched_set){
        .weight = rw, .warp = ra, .warp_limit = rl, .unwarp = ru,
        .to = {.weight = (uint32_t)w, .warp_ns = warp * US, .warp_limit_ns = limit * US,
               .unwarp_ns = unwarp * US},
    };
    return 0;
}

static json_t *failure(const char *why) { return json_pack("{s:b,s:s}", "ok", 0, "error", why); }

json_t *vm_control_sched_reply(const struct vm_control_ops *ops, void *ctx, const json_t *req)
{
    char err[160] = "";
    struct vm_control_sched_set set;
    if (vm_control_sched_parse(req, &set, err, sizeof err) < 0)
        return failure(err);
    if (!ops->sched)
        return failure("sched: this VM runs alone in its process, not under a dispatcher");
    struct vm_control_sched now = {0};
    int rc = ops->sched(ctx, &set, &now);
    if (rc == -EINVAL)
        return failure("sched: out of range (weight 1..10000; warp_us and warp_limit_us up to "
                       "1000000, a warp needs a limit; unwarp_us up to 60000000)");
    if (rc < 0)
        return failure(strerror(-rc));
    return json_pack("{s:b,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}}", "ok", 1, "sched",
                     "weight", (json_int_t)now.weight, "warp_us", (json_int_t)(now.warp_ns / US),
                     "warp_limit_us", (json_int_t)(now.warp_limit_ns / US), "unwarp_us",
                     (json_int_t)(now.unwarp_ns / US), "run_ns", (json_int_t)now.run_ns, "avt",
                     (json_int_t)now.avt, "evt", (json_int_t)now.evt, "svt", (json_int_t)now.svt,
                     "warping", now.warping);
}
