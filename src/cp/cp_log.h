/* The daemon's log: one line per event on stderr, with a timestamp. */
#ifndef MICA_CP_CP_LOG_H
#define MICA_CP_CP_LOG_H

void cp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
