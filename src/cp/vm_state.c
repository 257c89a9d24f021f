#include "cp/vm_state.h"

#include <string.h>

static const char *const names[VM_STATE_COUNT] = {
    [VM_DEFINED] = "defined", [VM_STARTING] = "starting", [VM_RUNNING] = "running",
    [VM_PAUSED] = "paused",   [VM_STOPPING] = "stopping", [VM_SHUTDOWN] = "shutdown",
    [VM_CRASHED] = "crashed",
};

const char *vm_state_name(enum vm_state s)
{
    return (unsigned)s < VM_STATE_COUNT ? names[s] : "unknown";
}

char vm_state_letter(enum vm_state s, bool blocked)
{
    switch (s) {
    case VM_RUNNING: return blocked ? 'b' : 'r';
    case VM_STARTING: return 'r';
    case VM_PAUSED: return 'p';
    case VM_STOPPING:
    case VM_SHUTDOWN: return 's';
    case VM_CRASHED: return 'c';
    default: return '-';
    }
}

int vm_state_parse(const char *name)
{
    for (int s = 0; s < VM_STATE_COUNT; s++)
        if (strcmp(names[s], name) == 0)
            return s;
    return -1;
}

bool vm_state_is_live(enum vm_state s)
{
    return s == VM_STARTING || s == VM_RUNNING || s == VM_PAUSED || s == VM_STOPPING;
}
