#include "cp/proc_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int proc_info_read(pid_t pid, struct proc_info *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may contain spaces and parentheses: skip past the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0, start = 0;
    long rss_pages = 0;
    if (sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d"
                      " %*d %*d %llu %*u %ld",
               &out->state, &utime, &stime, &start, &rss_pages) != 5)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    out->cpu_ns = (utime + stime) * (1000000000ull / (unsigned long long)hz);
    out->start_ticks = start;
    out->rss_bytes = (uint64_t)rss_pages * (uint64_t)sysconf(_SC_PAGESIZE);
    return 0;
}

bool proc_is_alive(pid_t pid, uint64_t start_ticks)
{
    struct proc_info info;
    if (pid <= 0 || proc_info_read(pid, &info) < 0)
        return false;
    if (info.state == 'Z' || info.state == 'X')
        return false;
    return start_ticks == 0 || info.start_ticks == start_ticks;
}

int proc_pidfd_open(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

bool proc_has_arg(pid_t pid, const char *arg)
{
    char path[64], buf[8192];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (size_t at = 0; at < n; at += strlen(buf + at) + 1)
        if (strcmp(buf + at, arg) == 0)
            return true;
    return false;
}

static int64_t one_ksm_merging_pages(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ksm_merging_pages", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    long long pages = -1;
    if (fscanf(f, "%lld", &pages) != 1)
        pages = -1;
    fclose(f);
    return pages;
}

/* The VM's RAM is in `mica run`'s child (run/supervisor.h): the process
 * and its children are summed. */
int64_t proc_ksm_merging_pages(pid_t pid)
{
    int64_t total = one_ksm_merging_pages(pid);
    if (total < 0)
        return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return total;
    int child, n = 0;
    while (n++ < 64 && fscanf(f, "%d", &child) == 1) {
        int64_t pages = one_ksm_merging_pages((pid_t)child);
        if (pages > 0)
            total += pages;
    }
    fclose(f);
    return total;
}
