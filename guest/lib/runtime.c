/* The guest's C runtime: checks start_info, sets up the heap and argv,
 * calls main and exits with its result. */
#include "mica/mica.h"

int main(int argc, char **argv);
__attribute__((noreturn)) void mica_runtime_start(const struct mica_start_info *si);

static char **split_args(const struct mica_start_info *si)
{
    char **argv = malloc(((size_t)si->argc + 1) * sizeof *argv);
    if (!argv)
        return NULL;
    const char *p = si->args, *end = si->args + (si->args_len < MICA_ARGS_MAX ? si->args_len : MICA_ARGS_MAX);
    for (uint32_t i = 0; i < si->argc; i++) {
        argv[i] = (char *)(p < end ? p : "");
        p += strnlen(p, (size_t)(end - p)) + 1;
    }
    argv[si->argc] = NULL;
    return argv;
}

void mica_runtime_start(const struct mica_start_info *si)
{
    mica_start = si;
    mica_hypercall_page = si->hypercall_page;
    if (si->magic != MICA_START_MAGIC || si->abi_version != MICA_ABI_VERSION) {
        static const char msg[] = "libmica: unsupported start_info (ABI version mismatch)\n";
        mica_console_write(msg, sizeof msg - 1);
        mica_exit(MICA_EXIT_CODE_MAX);
    }
    mica_heap_init((void *)si->heap_start, si->heap_end - si->heap_start);
    char **argv = split_args(si);
    int code = main(argv ? (int)si->argc : 0, argv);
    exit(code); /* returning from main is exit(): atexit functions run */
}

void mica_exit(int code)
{
    mica_console_flush();
    if (code < 0 || code > MICA_EXIT_CODE_MAX) {
        printf("libmica: exit code %d is reserved (0..%d allowed); exiting with 1\n", code,
               MICA_EXIT_CODE_MAX);
        mica_console_flush();
        code = 1;
    }
    for (;;)
        mica_hypercall(MICA_HC_EXIT, (uint64_t)code, 0, 0);
}

long mica_yield(void) { return mica_hypercall(MICA_HC_YIELD, 0, 0, 0); }

long mica_mmu_update(mica_gva_t va, uint64_t frame, unsigned flags)
{
    return mica_hypercall(MICA_HC_MMU_UPDATE, va, frame, flags);
}
