/*
 * The last bytes of a VM's log (log.1 then log, see log_rotate.h), read in
 * bounded memory: log_tail_open() only opens and measures, and the bytes
 * are read block by block as a response is sent.  The two files are
 * snapshotted when opened: output appended or rotated afterwards is not
 * part of this tail.
 */
#ifndef MICA_CP_LOG_TAIL_H
#define MICA_CP_LOG_TAIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The most one request may ask for (GET .../logs?tail=). */
#define LOG_TAIL_MAX_BYTES (64u * 1024u * 1024u)
/* ...and the most lines (GET .../logs?lines=), looked for in that many bytes. */
#define LOG_TAIL_MAX_LINES 1000000u

struct log_tail {
    int fd[2];       /* log.1 and log, -1 when absent */
    off_t from[2];   /* first byte served of each     */
    uint64_t len[2]; /* bytes served of each          */
};

/* Opens the last `tail` bytes of path.1 + path; a missing log is empty.
 * 0, or a negative errno. */
int log_tail_open(const char *path, uint64_t tail, struct log_tail *t);

/* Keeps only the last `lines` lines of an open tail (a last line without
 * its newline counts): the start moves to just after the newline that
 * precedes them.  Reads the tail backwards in blocks; 0, or -1 when it
 * cannot be read. */
int log_tail_keep_lines(struct log_tail *t, uint64_t lines);

uint64_t log_tail_size(const struct log_tail *t);

/* Up to max bytes at pos (0 <= pos < size); bytes read, or -1. */
ssize_t log_tail_read(const struct log_tail *t, uint64_t pos, char *buf, size_t max);

void log_tail_close(struct log_tail *t);

#endif
