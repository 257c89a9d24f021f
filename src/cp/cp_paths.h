/* Where the daemon's socket and state live unless told otherwise. */
#ifndef MICA_CP_CP_PATHS_H
#define MICA_CP_CP_PATHS_H

#include <stddef.h>

/* $MICA_SOCKET, else /run/mica/mica.sock for root, else
 * $XDG_RUNTIME_DIR/mica/mica.sock, else /tmp/mica-UID/mica.sock. */
void cp_default_socket(char *out, size_t size);
/* $MICA_STATE_DIR, else /var/lib/mica for root, else
 * $XDG_STATE_HOME/mica, else ~/.local/state/mica. */
void cp_default_state_dir(char *out, size_t size);
/* mkdir -p with mode for each created component; 0 or -errno. */
int cp_mkdir_p(const char *path, unsigned mode);

#endif
