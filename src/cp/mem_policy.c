#include "cp/mem_policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t mem_policy_limit_mib(const struct mem_policy *p)
{
    return (uint64_t)((double)p->host_mib * p->ratio);
}

int mem_policy_admit(const struct mem_policy *p, const char *name, uint64_t live_mib,
                     uint64_t want_mib, char *why, size_t whylen)
{
    uint64_t limit = mem_policy_limit_mib(p);
    if (live_mib <= limit && want_mib <= limit - live_mib)
        return 0;
    snprintf(why, whylen,
             "cannot start VM '%s': its %llu MiB would bring the running VMs' maximum memory to "
             "%llu MiB, above the %llu MiB allowed (%.2f x %llu MiB of host memory; "
             "mica daemon --overcommit RATIO)",
             name, (unsigned long long)want_mib, (unsigned long long)(live_mib + want_mib),
             (unsigned long long)limit, p->ratio, (unsigned long long)p->host_mib);
    return -1;
}

uint64_t mem_host_total_mib(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    if (!f)
        return 0;
    unsigned long long kib = 0;
    char line[256];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
            break;
    fclose(f);
    return kib >> 10;
}

int mem_policy_parse_ratio(const char *s, double *out)
{
    char *end;
    errno = 0;
    double r = strtod(s, &end);
    if (errno || end == s || *end || !(r >= MEM_OVERCOMMIT_MIN && r <= MEM_OVERCOMMIT_MAX))
        return -1;
    *out = r;
    return 0;
}
