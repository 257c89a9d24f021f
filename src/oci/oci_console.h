/*
 * process.terminal with --console-socket: a new pseudo-terminal whose
 * master goes to the caller over the Unix socket (SCM_RIGHTS, one message
 * carrying the pty's name and the fd, as runc sends it and containerd's
 * shim receives it); the VM process gets the slave as its stdio.
 */
#ifndef MICA_OCI_OCI_CONSOLE_H
#define MICA_OCI_OCI_CONSOLE_H

#include <stddef.h>

/* Makes the pty, sends its master to socket_path and closes it here.
 * Returns the slave fd, or -1 with one line in err. */
int oci_console_send(const char *socket_path, char *err, size_t errlen);

/* In the VM process (after setsid()): the slave becomes the controlling
 * terminal and stdin, stdout and stderr. 0, or -1 with err. */
int oci_console_adopt(int slave, char *err, size_t errlen);

#endif
