/* Helpers the tests that run mica share. */
#ifndef MICA_TESTS_TEST_TEXT_H
#define MICA_TESTS_TEST_TEXT_H

/* The mica binary under test: $MICA, or the sanitized build. */
const char *mica(void);

/* Fails the current cmocka test unless needle occurs in hay, showing both. */
void assert_contains(const char *hay, const char *needle);

#endif
