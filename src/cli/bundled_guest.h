#ifndef MICA_CLI_BUNDLED_GUEST_H
#define MICA_CLI_BUNDLED_GUEST_H

#include <stddef.h>

/* Finds a guest shipped with mica (e.g. "shell.elf"): $MICA_GUEST_DIR, then
 * guests/ beside the mica binary or one level up (the build tree), then
 * ../share/mica/guests (an install). 0, or -1 with err set. */
int bundled_guest_path(const char *file, char *out, size_t outlen, char *err, size_t errlen);

#endif
