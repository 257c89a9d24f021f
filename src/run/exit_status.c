#include "run/exit_status.h"

#include <stdio.h>
#include <unistd.h>

#include "util/log.h"

int run_exit_status(const struct run_outcome *o)
{
    switch (o->end) {
    case RUN_END_EXITED:
        return o->exit_code;
    case RUN_END_CLEAN:
        return 0;
    case RUN_END_CRASHED:
        fprintf(stderr, "mica: %s", o->report);
        return MICA_STATUS_CRASHED;
    case RUN_END_TIMED_OUT:
        mica_error("%s %s: stopped after the --timeout of %.3g s", o->kind, o->name,
                   (double)o->timeout_ns / 1e9);
        return MICA_STATUS_TIMEOUT;
    default:
        /* After ^C on a prompt with no newline: the message gets its own line. */
        if (isatty(STDERR_FILENO))
            fputc('\n', stderr);
        mica_error("%s %s: interrupted", o->kind, o->name);
        return MICA_STATUS_INTERRUPTED;
    }
}
