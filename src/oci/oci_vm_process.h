/*
 * The VM process of a container: forked by `create`, it becomes its own
 * session (with the pty as controlling terminal for process.terminal),
 * joins or makes the network namespace the config asks for, and then runs
 * `mica run --control ROOT/ID/ctl.sock --hold ROOT/ID/start.fifo ...`
 * in-process: it waits at the start gate until `start`, then builds and
 * runs the VM, and its exit status is the guest's. Its pid is the
 * container's; containerd's shim, a subreaper, inherits it when create
 * exits.
 * A pod sandbox (OCI_VM_NONE) runs no VM: the process passes the same gate
 * and then only holds the pod's network namespace, as the "pause" program
 * would, until a signal ends it (status 0).
 */
#ifndef MICA_OCI_OCI_VM_PROCESS_H
#define MICA_OCI_OCI_VM_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

#include "oci/oci_config.h"
#include "oci/oci_runtime.h"

struct oci_vm_launch {
    const struct oci_runtime *rt;
    const struct oci_config *cfg;
    const char *id;
    const char *image;   /* the guest ELF, or for OCI_VM_LINUX the kernel (/proc/self/fd/N) */
    const char *initrd;  /* OCI_VM_LINUX; NULL: none */
    const char *control; /* ROOT/ID/ctl.sock */
    const char *hold;    /* ROOT/ID/start.fifo */
    int tty;             /* the pty's slave, or -1: stdio stays the caller's */
};

/* Forks the VM process and waits until it is set up and waiting at the
 * gate. Its pid, or -1 with one line in err (the child is reaped then). */
pid_t oci_vm_spawn(const struct oci_vm_launch *l, char *err, size_t errlen);

#endif
