/*
 * Long-polling requests (GET /v1/events?wait=S) parked without holding a
 * thread: each is a suspended libmicrohttpd connection, resumed when the VM
 * manager records an event or when its deadline passes (one thread checks
 * deadlines every 100 ms).  Suspended connections do not time out in
 * libmicrohttpd, so the deadline is what bounds them; their number is
 * bounded by the API's connection limit.
 */
#ifndef MICA_CP_API_WAITERS_H
#define MICA_CP_API_WAITERS_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

struct api_waiters;

struct api_waiters *api_waiters_new(void);
/* Resumes every parked connection and parks none from now on (libmicrohttpd
 * wants none suspended when it stops), and stops the deadline thread. */
void api_waiters_stop(struct api_waiters *w);
/* After the HTTP server has stopped (its threads may still ask). */
void api_waiters_free(struct api_waiters *w);

/* How many wake-ups there have been: read before looking for events, and
 * given to park(), so that an event recorded in between is not missed. */
uint64_t api_waiters_generation(struct api_waiters *w);

/* Suspends c until the next wake-up or deadline_ns (monotonic); false (c
 * not suspended: look again) when a wake-up came after `generation`. */
bool api_waiters_park(struct api_waiters *w, struct MHD_Connection *c, uint64_t deadline_ns,
                      uint64_t generation);

/* Resumes every parked connection: something happened. */
void api_waiters_wake(struct api_waiters *w);

#endif
