/*
 * A fixed-size history of the last bytes written: appending never fails and
 * overwrites the oldest bytes, so a console viewer attaching later sees the
 * most recent output.
 */
#ifndef MICA_CP_BYTE_RING_H
#define MICA_CP_BYTE_RING_H

#include <stddef.h>
#include <stdint.h>

struct byte_ring {
    char *buf;
    size_t size;    /* capacity                          */
    uint64_t total; /* bytes ever appended (free-running) */
};

int byte_ring_init(struct byte_ring *r, size_t size); /* 0 or -ENOMEM */
void byte_ring_free(struct byte_ring *r);
void byte_ring_append(struct byte_ring *r, const void *data, size_t len);
/* Bytes currently held (min(total, size)). */
size_t byte_ring_used(const struct byte_ring *r);
/* Copies the held bytes, oldest first, into out (room for byte_ring_used()). */
void byte_ring_copy(const struct byte_ring *r, char *out);

#endif
