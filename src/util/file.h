#ifndef MICA_UTIL_FILE_H
#define MICA_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole regular file of at most max bytes into a malloc'd buffer.
 * Returns 0, or -1 with one line in err naming the file and the reason. */
int read_whole_file(const char *path, size_t max, uint8_t **data, size_t *size, char *err,
                    size_t errlen);

#endif
