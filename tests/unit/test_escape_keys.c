/* The escape keys over whole reads (util/escape_keys.h, escape_keys_apply):
 * what `mica run` and `mica console` do with a buffer of keys. The key-by-
 * key filter is tested in test_cp_cli.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/escape_keys.h"

static void plain_keys_pass_unchanged(void **state)
{
    (void)state;
    struct escape_keys k = {.quit_key = ESCAPE_KEYS_DETACH};
    char out[64];
    size_t len;
    const char in[] = "ls -l\r\x03\x04\x1b[A"; /* Ctrl-C, Ctrl-D and arrows too */
    assert_int_equal(escape_keys_apply(&k, in, sizeof in - 1, out, &len, "help", -1), ESCAPE_NONE);
    assert_int_equal(len, sizeof in - 1);
    assert_memory_equal(out, in, len);
}

static void ctrl_a_commands(void **state)
{
    (void)state;
    struct escape_keys k = {.quit_key = ESCAPE_KEYS_DETACH};
    char out[64];
    size_t len;
    /* Ctrl-A c -> Ctrl-C; Ctrl-A Ctrl-A -> Ctrl-A; Ctrl-A z -> both bytes. */
    const char in[] = "a\x01" "c" "b\x01\x01" "c\x01z";
    assert_int_equal(escape_keys_apply(&k, in, sizeof in - 1, out, &len, "help", -1), ESCAPE_NONE);
    assert_int_equal(len, 7);
    assert_memory_equal(out, "a\x03" "b\x01" "c\x01z", 7);
}

/* A Ctrl-A at the end of one read acts on the first key of the next: one
 * byte in may then give two out (the n + 1 the header promises). */
static void prefix_held_across_reads(void **state)
{
    (void)state;
    struct escape_keys k = {.quit_key = -1};
    char out[8];
    size_t len;
    assert_int_equal(escape_keys_apply(&k, "x\x01", 2, out, &len, "help", -1), ESCAPE_NONE);
    assert_int_equal(len, 1);
    assert_int_equal(escape_keys_apply(&k, "q", 1, out, &len, "help", -1), ESCAPE_NONE);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "\x01q", 2);
    assert_int_equal(escape_keys_apply(&k, "\x01", 1, out, &len, "help", -1), ESCAPE_NONE);
    assert_int_equal(escape_keys_apply(&k, "x", 1, out, &len, "help", -1), ESCAPE_QUIT);
    assert_int_equal(len, 0);
}

static void quit_keys_drop_the_rest(void **state)
{
    (void)state;
    struct escape_keys k = {.quit_key = ESCAPE_KEYS_DETACH};
    char out[32];
    size_t len;
    assert_int_equal(escape_keys_apply(&k, "ab\x1d" "cd", 5, out, &len, "help", -1), ESCAPE_QUIT);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "ab", 2);
    k.prefix = false;
    assert_int_equal(escape_keys_apply(&k, "ab\x01X" "cd", 6, out, &len, "help", -1), ESCAPE_QUIT);
    assert_int_equal(len, 2);
}

/* Ctrl-A ? writes the help (each time) and lets the typing go on. */
static void help_goes_to_its_fd(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    struct escape_keys k = {.quit_key = ESCAPE_KEYS_DETACH};
    char out[32], help[256];
    size_t len;
    assert_int_equal(escape_keys_apply(&k, "a\x01?b\x01h", 6, out, &len, escape_keys_run_help, p[1]),
                     ESCAPE_NONE);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "ab", 2);
    ssize_t n = read(p[0], help, sizeof help - 1);
    assert_int_equal(n, 2 * strlen(escape_keys_run_help));
    help[n] = '\0';
    assert_non_null(strstr(help, "Ctrl-A c  send Ctrl-C to the guest"));
    close(p[0]);
    close(p[1]);
}

/* Every byte value, in every split of a buffer: never more out than n + 1. */
static void output_is_bounded(void **state)
{
    (void)state;
    char in[512], out[sizeof in + 1];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (char)(i % 3 == 0 ? 0x01 : i);
    for (size_t split = 1; split < 64; split++) {
        struct escape_keys k = {.quit_key = -1};
        for (size_t at = 0; at < sizeof in; at += split) {
            size_t n = sizeof in - at < split ? sizeof in - at : split, len;
            if (escape_keys_apply(&k, in + at, n, out, &len, "", -1) == ESCAPE_QUIT)
                break;
            assert_true(len <= n + 1);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_keys_pass_unchanged),
        cmocka_unit_test(ctrl_a_commands),
        cmocka_unit_test(prefix_held_across_reads),
        cmocka_unit_test(quit_keys_drop_the_rest),
        cmocka_unit_test(help_goes_to_its_fd),
        cmocka_unit_test(output_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
