/*
 * The HTTP/JSON API (docs/api.yaml) on libmicrohttpd: routes requests to the
 * VM manager, enforces who may ask (SO_PEERCRED), bounds request bodies, and
 * logs one line per request with the asker's pid/uid/gid.
 */
#ifndef MICA_CP_API_H
#define MICA_CP_API_H

#include "cp/vm_manager.h"

#include <sys/types.h>

#define API_MAX_BODY (64u * 1024u)

/* Connections: each client (by SO_PEERCRED) gets a share, so that one
 * holding many idle connections cannot lock the others out; idle ones are
 * closed after API_IDLE_TIMEOUT_S seconds (docs/security.md). */
#define API_MAX_CONNECTIONS 1000u
#define API_CONNS_PER_PID 16u
#define API_CONNS_PER_UID 64u
#define API_IDLE_TIMEOUT_S 10u
#define API_THREADS 4u

struct api_server;

/* Serves on listen_fd (already bound and listening); socket_gid is the
 * group of the socket file.  NULL with a message in err on failure. */
struct api_server *api_server_start(int listen_fd, gid_t socket_gid, struct vm_manager *m,
                                    char *err, size_t errlen);
void api_server_stop(struct api_server *s);

#endif
