/* The `sched` request of the per-VM control channel (vm_control.h): its
 * parsing (a client is hostile: types and ranges checked, one line of
 * error) and its reply. */
#ifndef MICA_CTL_VM_CONTROL_SCHED_H
#define MICA_CTL_VM_CONTROL_SCHED_H

#include <jansson.h>
#include <stddef.h>

#include "ctl/vm_control.h"

/* The largest microsecond value a key accepts (the ranges proper are the
 * dispatcher's, checked by the op): keeps us * 1000 far from overflow. */
#define VM_CONTROL_SCHED_US_MAX 1000000000ull

/* Reads the optional keys weight, warp_us, warp_limit_us, unwarp_us of a
 * request: 0, or -1 with one line in err (wrong type, negative, too big,
 * an unknown key). */
int vm_control_sched_parse(const json_t *req, struct vm_control_sched_set *set, char *err, size_t errlen);

/* The reply to a `sched` request, through ops->sched(ctx). */
json_t *vm_control_sched_reply(const struct vm_control_ops *ops, void *ctx, const json_t *req);

#endif
