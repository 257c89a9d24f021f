/*
 * Confinement of the VM process, in two hook calls (see jail.h and
 * seccomp_filter.h): confine_begin at the start of the VM process, before
 * set-up; confine_seal after set-up opened everything and before the first
 * thread starts and the first guest instruction runs. Both do nothing
 * unless confine_begin was asked for a jail: one VM per process, so the
 * state is the process's.
 */
#ifndef MICA_RUN_CONFINE_H
#define MICA_RUN_CONFINE_H

#include <stdbool.h>
#include <stddef.h>

/* `--jail` and `--jail-user` as the option parsers keep them. */
struct confine_options {
    bool jail;
    const char *jail_user; /* NULL: the default user (jail.h) */
};

/* The option parsers' share: --jail, --jail-user USER[:GROUP] (implies
 * --jail). True when opt (a getopt value) was one of them. */
#define CONFINE_OPT_JAIL 0x4a01
#define CONFINE_OPT_JAIL_USER 0x4a02
bool confine_apply_option(struct confine_options *o, int opt, const char *arg);
#define CONFINE_LONGOPTS                                                                 \
    {"jail", no_argument, NULL, CONFINE_OPT_JAIL},                                       \
    {"jail-user", required_argument, NULL, CONFINE_OPT_JAIL_USER}
#define CONFINE_USAGE                                                                    \
    "  --jail runs the VM process confined (needs root): own namespaces, an empty root,\n" \
    "  limits, --jail-user USER[:GROUP] (default mica, else nobody) with no capabilities\n" \
    "  once set up, and a seccomp filter; a forbidden system call ends it with status 159.\n"

/* `mica daemon --jail [--jail-user U]` jails every VM process it spawns by
 * setting this in its environment ("1": the default user; else the user):
 * the two calls below take it as if --jail had been given. */
#define CONFINE_ENV_JAIL "MICA_JAIL"

/* For a parent that forks the VM process next (mica run's supervisor):
 * with a jail, that child starts as PID 1 of a new PID namespace. 0, or -1
 * with one line in err. */
int confine_prepare_child(const struct confine_options *o, char *err, size_t errlen);

/* In the VM process, before set-up. 0, or -1 with one line in err. */
int confine_begin(const struct confine_options *o, char *err, size_t errlen);

/* In the VM process, after set-up: the jail's seal, then the seccomp
 * filter. 0, or -1 with one line in err (the guest must not run then). */
int confine_seal(char *err, size_t errlen);

#endif
