/* mica's own exit statuses; a guest's exit code (0..MICA_EXIT_CODE_MAX)
 * passes through unchanged, so these never collide with one. */
#ifndef MICA_RUN_EXIT_STATUS_H
#define MICA_RUN_EXIT_STATUS_H

#define MICA_STATUS_TIMEOUT 124     /* --timeout expired, as timeout(1)      */
#define MICA_STATUS_ERROR 125       /* bad flag, bad image, no KVM, ...      */
#define MICA_STATUS_INTERRUPTED 130 /* Ctrl-C or SIGTERM (128 + SIGINT)       */
#define MICA_STATUS_CRASHED 139     /* the guest crashed, as a process's SEGV */

#include <stdint.h>

/* How a VM ended, whatever its kind (PV domain or FV machine). */
enum run_end {
    RUN_END_EXITED,      /* the guest's own exit code                   */
    RUN_END_CLEAN,       /* shut down by its controller, reset, poweroff */
    RUN_END_CRASHED,     /* report says why                             */
    RUN_END_TIMED_OUT,   /* the --timeout expired                       */
    RUN_END_INTERRUPTED, /* a signal (Ctrl-C, SIGTERM)                  */
};

struct run_outcome {
    enum run_end end;
    int exit_code;       /* RUN_END_EXITED                                */
    const char *report;  /* RUN_END_CRASHED: whole lines, '\n' included  */
    const char *kind;    /* "guest", "kernel": who the messages are about */
    const char *name;
    uint64_t timeout_ns; /* the --timeout, for its message                */
};

/* mica's exit status for how the VM ended; says why on stderr unless the
 * end was the guest's own or a clean one. */
int run_exit_status(const struct run_outcome *o);

#endif
