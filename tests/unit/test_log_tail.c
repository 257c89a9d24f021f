/* The last lines of a VM's log across its rotated file (cp/log_tail.c,
 * issue 13 defect 7: `logs --tail` counts lines, never starts mid-line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cp/log_tail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/mica-log-tail-XXXXXX";
static char log_path[64], rotated[64];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The text the last `lines` lines of the pair make (malloc'd). */
static char *last_lines(uint64_t lines)
{
    struct log_tail t;
    assert_int_equal(log_tail_open(log_path, LOG_TAIL_MAX_BYTES, &t), 0);
    assert_int_equal(log_tail_keep_lines(&t, lines), 0);
    uint64_t size = log_tail_size(&t);
    char *text = calloc(1, size + 1);
    for (uint64_t at = 0; at < size;) {
        ssize_t n = log_tail_read(&t, at, text + at, size - at);
        assert_true(n > 0);
        at += (uint64_t)n;
    }
    log_tail_close(&t);
    return text;
}

static void expect_lines(uint64_t lines, const char *want)
{
    char *got = last_lines(lines);
    if (strcmp(got, want) != 0)
        fail_msg("last %llu lines: '%s', want '%s'", (unsigned long long)lines, got, want);
    free(got);
}

static void test_lines_across_rotation(void **state)
{
    (void)state;
    put(rotated, "one\ntwo\n");
    put(log_path, "three\nfour");
    expect_lines(0, "");
    expect_lines(1, "four");
    expect_lines(2, "three\nfour");
    expect_lines(3, "two\nthree\nfour");
    expect_lines(99, "one\ntwo\nthree\nfour");
    put(log_path, "three\nfour\n"); /* a final newline ends the last line */
    expect_lines(1, "four\n");
    expect_lines(3, "two\nthree\nfour\n");
    put(log_path, "");
    expect_lines(1, "two\n");
    unlink(rotated);
    expect_lines(5, "");
}

/* Lines longer than the scan's block, and many of them. */
static void test_long_lines(void **state)
{
    (void)state;
    unlink(rotated);
    FILE *f = fopen(log_path, "w");
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 100000; k++)
            fputc('a' + i, f);
        fputc('\n', f);
    }
    fclose(f);
    char *got = last_lines(2);
    assert_int_equal(strlen(got), 200002);
    assert_int_equal(got[0], 'b');
    free(got);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(log_path, sizeof log_path, "%s/log", dir);
    snprintf(rotated, sizeof rotated, "%s/log.1", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(log_path);
    unlink(rotated);
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_across_rotation),
        cmocka_unit_test(test_long_lines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
