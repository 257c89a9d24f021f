/*
 * The start gate of a created VM (`mica run --hold FIFO`, how the OCI
 * runtime's `create` and `start` split a run): the VM process waits, before
 * it builds the VM, until a starter opens the FIFO; it then writes one byte
 * so the starter knows it has passed. A plain blocking open, so the default
 * signal dispositions (SIGTERM, SIGKILL) still end a VM that was never
 * started.
 */
#ifndef MICA_RUN_START_HOLD_H
#define MICA_RUN_START_HOLD_H

#include <stddef.h>
#include <sys/types.h>

/* In the VM process: blocks until a starter opens path, then tells it.
 * 0, or -1 with one line in err (no such FIFO, not a FIFO). */
int start_hold_wait(const char *path, char *err, size_t errlen);

/* In the starter: opens path and waits up to timeout_ms for the byte of the
 * VM process pid (given up on as soon as pid is gone). 0, or -1 with one
 * line in err. */
int start_hold_release(const char *path, pid_t pid, unsigned timeout_ms, char *err,
                       size_t errlen);

#endif
