/* What the hypervisor handed this guest at entry; set once by the runtime
 * before main, read by everything that talks to the host. Its own file so
 * that the runtime, the console and the events depend on it, not on each
 * other. */
#include "mica/kit.h"
#include "mica/string.h"

const struct mica_start_info *mica_start;
uint64_t mica_hypercall_page;

/* The environment follows the argc strings, up to args_len; every read is
 * bounded by the args buffer, whatever the host wrote there. */
const char *mica_getenv(const char *name)
{
    const struct mica_start_info *si = mica_start;
    if (!si || !name)
        return NULL;
    size_t len = si->args_len < MICA_ARGS_MAX ? si->args_len : MICA_ARGS_MAX;
    const char *p = si->args, *end = si->args + len;
    for (uint32_t i = 0; i < si->argc && p < end; i++)
        p += strnlen(p, (size_t)(end - p)) + 1;
    size_t n = strlen(name);
    while (p < end) {
        size_t s = strnlen(p, (size_t)(end - p));
        if (s > n && p[n] == '=' && !memcmp(p, name, n))
            return p + n + 1 < end ? p + n + 1 : "";
        p += s + 1;
    }
    return NULL;
}
