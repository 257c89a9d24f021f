/* Fuzzes the `sched` request of the per-VM control channel (a client is
 * hostile): whatever JSON comes in, the parse either refuses it with one
 * line or yields values in range, and the reply is a JSON object. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/vm_control_sched.h"

static int fake_sched(void *ctx, const struct vm_control_sched_set *set, struct vm_control_sched *now)
{
    (void)ctx;
    if (set->weight && (set->to.weight == 0 || set->to.weight > 10000))
        return -EINVAL;
    *now = (struct vm_control_sched){.weight = set->weight ? set->to.weight : 100};
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *req = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!req)
        return 0;
    struct vm_control_sched_set set;
    char err[160] = "";
    if (vm_control_sched_parse(req, &set, err, sizeof err) == 0) {
        if (set.to.warp_ns > VM_CONTROL_SCHED_US_MAX * 1000 || set.to.warp_limit_ns > VM_CONTROL_SCHED_US_MAX * 1000 ||
            set.to.unwarp_ns > VM_CONTROL_SCHED_US_MAX * 1000)
            abort();
    } else if (err[0] == '\0' || strchr(err, '\n')) {
        abort();
    }
    static const struct vm_control_ops ops = {.sched = fake_sched};
    json_t *reply = vm_control_sched_reply(&ops, NULL, req);
    if (!json_is_object(reply))
        abort();
    json_decref(reply);
    json_decref(req);
    return 0;
}
