/* The control program's side of the per-VM control channel (vm_control.h). */
#ifndef MICA_CTL_VM_CONTROL_CLIENT_H
#define MICA_CTL_VM_CONTROL_CLIENT_H

#include "ctl/cp_error.h"

#include <jansson.h>
#include <stdint.h>

/* Sends {"cmd": cmd} to the VM's control socket and waits up to timeout_ms
 * for the reply.  0 with *reply set (caller decrefs) when the VM said ok;
 * -1 with err filled otherwise (409 when the VM refused, 500 when it could
 * not be reached). */
int vmctl_request(const char *socket_path, const char *cmd, int timeout_ms, json_t **reply,
                  struct cp_error *err);

/* The same with a whole request object (it must have "cmd"; the caller
 * keeps its reference). */
int vmctl_request_json(const char *socket_path, const json_t *req, int timeout_ms, json_t **reply,
                       struct cp_error *err);
/* The same with a page count: {"cmd": cmd, "pages": pages} (mem-set). */
int vmctl_request_pages(const char *socket_path, const char *cmd, uint64_t pages, int timeout_ms,
                        json_t **reply, struct cp_error *err);
/* The same with a file descriptor passed along (SCM_RIGHTS): "save" and
 * "snapshot" write the VM into it. */
int vmctl_request_fd(const char *socket_path, const char *cmd, int fd, int timeout_ms,
                     json_t **reply, struct cp_error *err);

/* Opens a console viewer connection: returns the fd positioned after the
 * reply line (history and live output follow), or -1 with err filled. */
int vmctl_attach_console(const char *socket_path, struct cp_error *err);

#endif
