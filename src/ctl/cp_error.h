/*
 * A failure the control program reports to its client: the HTTP status that
 * classifies it and one clear line saying what went wrong. It lives with the
 * per-VM control protocol because the channel's client reports in it too.
 */
#ifndef MICA_CTL_CP_ERROR_H
#define MICA_CTL_CP_ERROR_H

struct cp_error {
    int status; /* HTTP status: 400, 404, 409, 413, 500, 507 ... */
    char message[512];
};

/* Records the failure and returns -1, so callers can `return cp_fail(...)`. */
int cp_fail(struct cp_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
