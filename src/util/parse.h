#ifndef MICA_UTIL_PARSE_H
#define MICA_UTIL_PARSE_H

#include <stdint.h>

/* Strict decimal parse of a whole string into [min, max]; 0 or -1. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A duration in seconds, decimals allowed ("2", "0.5"), > 0 and at most a
 * day; 0 or -1. */
int parse_seconds(const char *s, uint64_t *ns);

#endif
