/*
 * The life of a VM as the control program records it, and which requests
 * may move it where.  Transitional states (starting, stopping) are written
 * to the registry before the action, so a daemon killed half-way finds them
 * at its next start and settles them (reconciliation) instead of guessing.
 */
#ifndef MICA_CP_VM_STATE_H
#define MICA_CP_VM_STATE_H

#include <stdbool.h>

enum vm_state {
    VM_DEFINED,  /* created, never started                    */
    VM_STARTING, /* spawn in progress                           */
    VM_RUNNING,
    VM_PAUSED,
    VM_STOPPING, /* shutdown requested, process still alive     */
    VM_SHUTDOWN, /* ended: guest exit, shutdown or destroy      */
    VM_CRASHED,  /* ended by a crash (report kept)              */
    VM_STATE_COUNT
};

const char *vm_state_name(enum vm_state s);
/* The one-letter code of `mica list` (xl style): r b p s c, '-' defined. */
char vm_state_letter(enum vm_state s, bool blocked);
/* Parses a name from the registry; -1 when unknown. */
int vm_state_parse(const char *name);
/* A VM process exists (or may exist) in this state. */
bool vm_state_is_live(enum vm_state s);

#endif
