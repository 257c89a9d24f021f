/* Helpers the tests that run mica share (linked into every test). */
#ifndef MICA_TESTS_TEST_TEXT_H
#define MICA_TESTS_TEST_TEXT_H

/* The mica binary under test: $MICA, or the sanitized build. */
const char *mica(void);

/* Fails the current cmocka test unless needle occurs in hay, showing both. */
void assert_contains(const char *hay, const char *needle);

/* $GUESTS/name (default build/guests/name); the result stays valid for
 * the next 15 calls. */
const char *guest_file(const char *name);

/* In a cmocka test that boots real guests: skips it (saying so) without /dev/kvm. */
#define SKIP_WITHOUT_KVM()                                                                         \
    do {                                                                                           \
        if (!kvm_available())                                                                      \
            skip();                                                                                \
    } while (0)

#include <sys/types.h>

/* User + system CPU time of a process in clock ticks, -1 if unreadable
 * (read by the daemon's own cp/proc_info.c). */
long process_cpu_ticks(pid_t pid);

void sleep_ms(int ms);

/* CLOCK_MONOTONIC in seconds, for timing what a test runs. */
double monotonic_s(void);

#endif
