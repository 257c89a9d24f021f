/* <strings.h> for guests: the case-folding comparisons (see <string.h>). */
#ifndef MICA_LIBC_STRINGS_H
#define MICA_LIBC_STRINGS_H

#include <stddef.h>

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

#endif
