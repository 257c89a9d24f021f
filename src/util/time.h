/*
 * The host clocks, in one place. Every deadline, timeout and run-time
 * measurement in mica uses the monotonic clock (it never steps when the
 * wall clock is set); the wall clock is only for what is shown to people
 * or guests as a date.
 */
#ifndef MICA_UTIL_TIME_H
#define MICA_UTIL_TIME_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns: the clock of deadlines. */
uint64_t monotonic_ns(void);

/* CLOCK_REALTIME in ns since the epoch. */
uint64_t wall_ns(void);

/* Milliseconds from now until a monotonic deadline, rounded up so a wait
 * never ends early, clamped to [0, cap_ms]. */
int ms_until(uint64_t deadline_ns, int cap_ms);

/* The monotonic time ms from now, for pthread_cond_timedwait() on a
 * condition made by monotonic_cond_init(). */
struct timespec monotonic_timespec_in(int ms);

/* A condition variable whose timed waits use the monotonic clock, so a
 * wall-clock step neither stretches nor cuts them. 0 or a positive errno. */
int monotonic_cond_init(pthread_cond_t *cond);

#endif
