/*
 * A fixed-size history of the last bytes written: appending never fails and
 * overwrites the oldest bytes, so a console viewer attaching later sees the
 * most recent output.
 */
#ifndef MICA_CTL_CONSOLE_HISTORY_H
#define MICA_CTL_CONSOLE_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct console_history {
    char *buf;
    size_t size;    /* capacity                          */
    uint64_t total; /* bytes ever appended (free-running) */
};

int console_history_init(struct console_history *r, size_t size); /* 0 or -ENOMEM */
void console_history_free(struct console_history *r);
void console_history_append(struct console_history *r, const void *data, size_t len);
/* Bytes currently held (min(total, size)). */
size_t console_history_used(const struct console_history *r);
/* Copies the held bytes, oldest first, into out (room for console_history_used()). */
void console_history_copy(const struct console_history *r, char *out);

#endif
