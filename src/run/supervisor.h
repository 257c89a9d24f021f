/*
 * `mica run` as two processes: a thin supervisor that the user (a shell, the
 * daemon) waits on, and a child that builds and runs the VM. The child
 * reports the guest's end to the supervisor and only then tears the VM down,
 * which on these hosts' KVM costs 10-20 ms, so mica's exit does not wait for
 * it. The child dies with the supervisor (PR_SET_PDEATHSIG), so killing mica
 * kills the VM, as with one process.
 */
#ifndef MICA_RUN_SUPERVISOR_H
#define MICA_RUN_SUPERVISOR_H

struct supervisor {
    int status_fd; /* child's end of the status pipe; -1 once reported */
    int null_fd;   /* /dev/null, opened early: a confined child cannot open it */
};

/* Runs body(ctx, s) in a child and returns the status it reports (or the
 * one it exits with); signals to the supervisor are passed on to it. */
int supervise(int (*body)(void *ctx, struct supervisor *s), void *ctx);

/* In the child: tells the supervisor the final status and lets go of the
 * terminal (stdout/stderr), so the supervisor can exit at once. */
void supervisor_report(struct supervisor *s, int status);

#endif
