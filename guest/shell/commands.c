/* The shell's built-in commands, one function each, and their table. */
#include "mica/mica.h"
#include "shell.h"

#include <time.h>

#define NS_PER_SEC 1000000000ull

static void cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (const struct shell_command *c = shell_commands; c->name; c++)
        printf("  %-16s %s\n", c->usage, c->summary);
}

static void cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("%s%s", argv[i], i + 1 < argc ? " " : "");
    printf("\n");
}

static void print_duration(const char *label, uint64_t ns)
{
    uint64_t s = ns / NS_PER_SEC;
    printf("%s%llu.%03llu s (%llu:%02llu:%02llu)\n", label, (unsigned long long)s,
           (unsigned long long)(ns % NS_PER_SEC / 1000000), (unsigned long long)(s / 3600),
           (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

static void cmd_time(int argc, char **argv)
{
    (void)argc, (void)argv;
    uint64_t wall = mica_time_wall();
    time_t secs = (time_t)(wall / NS_PER_SEC);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL) {
        printf("wall clock: %llu ns since the epoch\n", (unsigned long long)wall);
        return;
    }
    printf("wall clock: %04d-%02d-%02d %02d:%02d:%02d.%03llu UTC\n", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (unsigned long long)(wall % NS_PER_SEC / 1000000));
    printf("monotonic:  %llu ns\n", (unsigned long long)mica_time_monotonic());
}

static void cmd_uptime(int argc, char **argv)
{
    (void)argc, (void)argv;
    print_duration("up:       ", mica_time_monotonic() - shell_boot_ns());
    print_duration("cpu time: ", mica_time_run());
}

static void cmd_mem(int argc, char **argv)
{
    (void)argc, (void)argv;
    size_t used, free_bytes, largest;
    mica_heap_stats(&used, &free_bytes, &largest);
    const struct mica_start_info *si = mica_start;
    printf("memory: %llu KiB (image %llu KiB, stack %llu KiB, heap %llu KiB)\n",
           (unsigned long long)(si->mem_bytes >> 10),
           (unsigned long long)((si->image_end - si->image_start) >> 10),
           (unsigned long long)((si->stack_top - MICA_PAGE_SIZE) >> 10),
           (unsigned long long)((si->heap_end - si->heap_start) >> 10));
    printf("heap:   %zu bytes used, %zu free, largest free block %zu\n", used, free_bytes, largest);
    printf("balloon: current %llu KiB, target %llu KiB, max %llu KiB\n",
           (unsigned long long)(mica_balloon_current() << 2),
           (unsigned long long)(mica_balloon_target() << 2),
           (unsigned long long)(mica_balloon_max() << 2));
}

static void cmd_info(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct mica_start_info *si = mica_start;
    printf("name %s  id %llu  vcpus %u  abi %u\n", si->name, (unsigned long long)si->vm_id,
           si->vcpus, si->abi_version);
    printf("memory %llu bytes  image [%#llx, %#llx)  heap [%#llx, %#llx)\n",
           (unsigned long long)si->mem_bytes, (unsigned long long)si->image_start,
           (unsigned long long)si->image_end, (unsigned long long)si->heap_start,
           (unsigned long long)si->heap_end);
    printf("shared_info %#llx  hypercall page %#llx  console ring %#llx  doorbell %#llx\n",
           (unsigned long long)si->shared_info, (unsigned long long)si->hypercall_page,
           (unsigned long long)si->console_ring, (unsigned long long)si->console_doorbell);
    printf("arguments (%u):", si->argc);
    const char *p = si->args;
    for (uint32_t i = 0; i < si->argc; i++, p += strlen(p) + 1)
        printf(" '%s'", p);
    printf("\n");
}

static void cmd_crash(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("touching unmapped address 0x0 on purpose\n");
    mica_console_flush();
    *(volatile int *)0 = 1;
}

static void cmd_sleep(int argc, char **argv)
{
    char *end;
    unsigned long ms = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
    if (argc != 2 || *end || ms == 0 || ms > 3600000) {
        printf("usage: sleep MILLISECONDS (1..3600000)\n");
        return;
    }
    mica_sleep_ns(ms * 1000000ull);
}

static void cmd_exit(int argc, char **argv)
{
    char *end = NULL;
    long code = argc > 1 ? strtol(argv[1], &end, 10) : 0;
    if (argc > 2 || (end && *end) || code < 0 || code > MICA_EXIT_CODE_MAX) {
        printf("usage: exit [CODE], CODE from 0 to %d\n", MICA_EXIT_CODE_MAX);
        return;
    }
    mica_exit((int)code);
}

const struct shell_command shell_commands[] = {
    {"help", "help", "list the commands", cmd_help},
    {"echo", "echo WORDS...", "print the words", cmd_echo},
    {"time", "time", "wall-clock and monotonic time", cmd_time},
    {"uptime", "uptime", "time since boot and CPU time used", cmd_uptime},
    {"mem", "mem", "memory and heap usage", cmd_mem},
    {"info", "info", "what the hypervisor's start_info says", cmd_info},
    {"sleep", "sleep MS", "block for MS milliseconds (no CPU used)", cmd_sleep},
    {"crash", "crash", "take a page fault on purpose (ends the VM)", cmd_crash},
    {"exit", "exit [CODE]", "power off with exit code CODE (0..123)", cmd_exit},
    {"disk", "disk", "the PV disk's size and mode (mica run --disk)", shell_cmd_disk},
    {"dread", "dread SECTOR", "dump one sector of the disk", shell_cmd_dread},
    {"dwrite", "dwrite SECTOR TEXT", "write TEXT into a sector and flush", shell_cmd_dwrite},
    {NULL, NULL, NULL, NULL},
};
