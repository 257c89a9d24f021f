/*
 * The VM process's jail (`mica run --jail`), after Firecracker's jailer:
 * its own PID, mount, IPC, network, UTS and cgroup namespaces, an empty
 * read-only root, resource limits, and an unprivileged user with no
 * capabilities. Two steps, because KVM ties a VM to the process that made
 * it (no fork after set-up) and set-up opens files by path:
 *   jail_enter  before set-up, single-threaded: namespaces; when the
 *               process is not already PID 1 of a fresh PID namespace, a
 *               keeper process stays outside and waits for the VM process,
 *               which goes on as PID 1 inside;
 *   jail_seal   after set-up has opened everything (/dev/kvm, images,
 *               disks, the control socket), before any thread starts:
 *               pivot to an empty tmpfs root, limits, credentials.
 * Needs root (CAP_SYS_ADMIN, CAP_SETUID...): it is how root gives a VM away.
 */
#ifndef MICA_RUN_JAIL_H
#define MICA_RUN_JAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define JAIL_DEFAULT_USER "mica"   /* used when it exists, else nobody:nogroup */
#define JAIL_NOFILE 256            /* descriptors: set-up's, plus control clients */
#define JAIL_NPROC 4096            /* tasks of the jail's uid, all its VMs' threads */
#define JAIL_AS_SLACK (512ull << 20) /* address space beyond set-up's: stacks, malloc */

struct jail {
    const char *user; /* NAME[:GROUP] or UID[:GID]; NULL: the default */
    uid_t uid;
    gid_t gid;
    bool keeper;      /* a keeper process waits outside the PID namespace */
};

/* Unshares the PID namespace for the children the caller forks next (the
 * first becomes its PID 1): for a parent that forks the VM process anyway
 * (mica run's supervisor, the daemon's monitor). 0, or -1 and errno. */
int jail_new_pid_namespace(void);

/* Resolves the user, enters the namespaces (see above). In the keeper this
 * never returns: it exits with the VM process's status. 0, or -1 with one
 * line in err. */
int jail_enter(struct jail *j, char *err, size_t errlen);

/* The root, the limits and the credentials (see above). 0, or -1 with one
 * line in err; the process must not run a guest then. */
int jail_seal(struct jail *j, char *err, size_t errlen);

/* NAME[:GROUP] or UID[:GID] to ids; NULL: JAIL_DEFAULT_USER when it
 * exists, else nobody:nogroup. Refuses uid 0. 0, or -1 with one line. */
int jail_resolve_user(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errlen);

#endif
