/* Signals as file descriptors: a process that runs threads blocks the
 * signals it handles in every thread and reads them from a signalfd, so no
 * handler runs in the middle of a vCPU's or the event loop's work. */
#ifndef MICA_UTIL_SIGNALS_H
#define MICA_UTIL_SIGNALS_H

#include <signal.h>

/* The set of the signals in sigs, a list ended by 0. */
void signal_set_of(sigset_t *set, const int *sigs);

/* Blocks sigs (ended by 0) for the calling thread, ignores SIGPIPE (a
 * reader that went away is seen as a write error instead), and returns a
 * non-blocking signalfd for them, or -1. Call before any other thread
 * starts, so that every thread inherits the mask. */
int signals_block_to_fd(const int *sigs);

#endif
