/* mica's exit statuses and their messages, without KVM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/exit_status.h"

/* Runs run_exit_status with stderr on fd; returns what it wrote. */
static void status_with_stderr(int fd, int read_fd, char *got, size_t size)
{
    struct run_outcome o = {.end = RUN_END_INTERRUPTED, .kind = "guest", .name = "shell"};
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    assert_int_equal(run_exit_status(&o), MICA_STATUS_INTERRUPTED);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t n = read(read_fd, got, size - 1);
    got[n > 0 ? n : 0] = '\0';
}

/* The Ctrl-C message starts a line of its own on a terminal (issue 13, 12)
 * and adds no blank line to a log. */
static void test_interrupted_message_line(void **state)
{
    (void)state;
    char got[512];
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    status_with_stderr(slave, master, got, sizeof got);
    if (strncmp(got, "\r\nmica: error: guest shell: interrupted", 39) != 0)
        fail_msg("on a terminal: '%s'", got);
    close(slave);
    close(master);
    int p[2];
    assert_int_equal(pipe(p), 0);
    status_with_stderr(p[1], p[0], got, sizeof got);
    if (strncmp(got, "mica: error: guest shell: interrupted", 37) != 0)
        fail_msg("on a pipe: '%s'", got);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interrupted_message_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
