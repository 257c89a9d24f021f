/*
 * The guest kit as a C programmer meets it (issue 13, defects 17 and 18):
 * mica-cc compiles plain C against the kit's own headers (never the
 * host's), warns, links what it declares, and says how to use it; the
 * kit's C library and the shell's line editing then run in real guests
 * (those parts need /dev/kvm and say "skipped" without it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"

#define MICA_CC "build/bin/mica-cc"

static struct cmd_result res;

static const char *guest(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", getenv("GUESTS") ? getenv("GUESTS") : "build/guests",
             name);
    return path;
}

/* Writes a C source to a temporary file; returns its path (static). */
static const char *source(const char *text)
{
    static char path[] = "/tmp/mica-kit-XXXXXX.c";
    strcpy(path, "/tmp/mica-kit-XXXXXX.c");
    int fd = mkstemps(path, 2);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static int cc(const char *src, const char *out, const char *extra)
{
    char *argv[] = {MICA_CC, "-o", (char *)out, (char *)src, (char *)extra, NULL};
    return run_cmd(argv, NULL, 120, &res);
}

static void mica_cc_without_arguments_prints_usage(void **state)
{
    (void)state;
    char *argv[] = {MICA_CC, NULL};
    assert_int_equal(run_cmd(argv, NULL, 30, &res), 0);
    assert_int_equal(res.status, 2);
    assert_contains(res.err, "usage: mica-cc -o PROG.elf SOURCE.c");
    char *help[] = {MICA_CC, "--help", NULL};
    assert_int_equal(run_cmd(help, NULL, 30, &res), 0);
    assert_int_equal(res.status, 0);
    assert_contains(res.out, "usage: mica-cc");
}

/* Every function the defect found missing compiles and links. */
static void mica_cc_links_what_the_headers_declare(void **state)
{
    (void)state;
    const char *src = source(
        "#include <assert.h>\n#include <ctype.h>\n#include <errno.h>\n#include <limits.h>\n"
        "#include <math.h>\n#include <stdbool.h>\n#include <stdint.h>\n#include <stdio.h>\n"
        "#include <stdlib.h>\n#include <string.h>\n#include <strings.h>\n#include <time.h>\n"
        "static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }\n"
        "int main(int argc, char **argv) {\n"
        "    char *s = strdup(argc > 1 ? argv[1] : \"x\"), buf[64] = \"a\";\n"
        "    s[0] = (char)toupper((unsigned char)s[0]);\n"
        "    strcat(buf, strtok(s, \",\"));\n"
        "    int v[3] = {3, 1, 2};\n"
        "    qsort(v, 3, sizeof *v, cmp);\n"
        "    fprintf(stderr, \"%s %f %e %g %ld %d\\n\", buf, sqrt(2.0), pow(2, 0.5), sin(1.0),\n"
        "            (long)time(NULL), rand());\n"
        "    if (errno == ERANGE || strtod(\"1\", NULL) != 1 || v[0] != 1 || INT_MAX < 0)\n"
        "        abort();\n"
        "    assert(isdigit('7'));\n"
        "    free(s);\n"
        "    return strcasecmp(buf, \"AX\") == 0 ? EXIT_SUCCESS : EXIT_FAILURE;\n"
        "}\n");
    char out[] = "/tmp/mica-kit-out-XXXXXX";
    close(mkstemp(out));
    assert_int_equal(cc(src, out, NULL), 0);
    if (res.status != 0)
        fail_msg("mica-cc failed: %s", res.err);
    assert_string_equal(res.err, ""); /* and no warning */
    unlink(src);
    unlink(out);
}

/* The host's headers are out of reach (they compiled and then failed to
 * link), and mica-cc warns like -Wall -Wextra. */
static void mica_cc_refuses_host_headers_and_warns(void **state)
{
    (void)state;
    char out[] = "/tmp/mica-kit-out-XXXXXX";
    close(mkstemp(out));
    const char *src = source("#include <unistd.h>\nint main(void) { return 0; }\n");
    assert_int_equal(cc(src, out, NULL), 0);
    assert_int_not_equal(res.status, 0);
    assert_contains(res.err, "unistd.h");
    unlink(src);
    src = source("#include <stdio.h>\nint main(void) { int unused; printf(\"%d\\n\", 1L); return 0; }\n");
    assert_int_equal(cc(src, out, NULL), 0);
    assert_int_equal(res.status, 0); /* warnings, not errors */
    assert_contains(res.err, "Wunused-variable");
    assert_contains(res.err, "Wformat");
    unlink(src);
    unlink(out);
}


#define REQUIRE_KVM()                                                                              \
    do {                                                                                           \
        if (!kvm_available())                                                                      \
            skip();                                                                                \
    } while (0)

static void kit_libc_runs_in_a_guest(void **state)
{
    (void)state;
    REQUIRE_KVM();
    char *argv[] = {(char *)mica(), "run", (char *)guest("libc.elf"), NULL};
    assert_int_equal(run_cmd(argv, NULL, 60, &res), 0);
    if (res.status != 0)
        fail_msg("libc.elf: status %d: %s%s", res.status, res.out, res.err);
    assert_contains(res.out, "pi is about 3.141593, e about 2.718282");
    assert_contains(res.out, "libc: ok");
    assert_contains(res.out, "atexit: goodbye");
}

/* The example a user builds first: plain C, floating point, qsort. */
static void mica_cc_example_runs(void **state)
{
    (void)state;
    REQUIRE_KVM();
    char out[] = "/tmp/mica-kit-stats-XXXXXX";
    close(mkstemp(out));
    assert_int_equal(cc("guest/examples/stats.c", out, NULL), 0);
    assert_int_equal(res.status, 0);
    char *argv[] = {(char *)mica(), "run", out, "--", "3", "1.5", "4", "1e1", "5.25", NULL};
    assert_int_equal(run_cmd(argv, NULL, 60, &res), 0);
    assert_int_equal(res.status, 0);
    assert_contains(res.out, "n=5 mean=4.7500 sd=2.8983 median=4 min=1.5 max=10");
    char *bad[] = {(char *)mica(), "run", out, "--", "3", "x", NULL};
    assert_int_equal(run_cmd(bad, NULL, 60, &res), 0);
    assert_int_equal(res.status, 2);
    assert_contains(res.out, "stats: 'x' is not a number");
    unlink(out);
}

/* Keys through a pipe: editing, quoting and history reach the commands. */
static void shell_edits_quotes_and_recalls(void **state)
{
    (void)state;
    REQUIRE_KVM();
    const char *keys = "echo onx\x7f" "e\n"                 /* backspace */
                       "cho 'a  b' \"c\\\"d\" e\\ f\x01" "e\n" /* Ctrl-A, quotes */
                       "garbage\x15" "echo kept\n"          /* Ctrl-U */
                       "\x1b[A\x1b[A\x1b[A\x17" "again\n"      /* history, Ctrl-W */
                       "echo 'open\n"                       /* an unterminated quote */
                       "exit 6\n";
    char *argv[] = {(char *)mica(), "run", NULL};
    assert_int_equal(run_cmd(argv, keys, 60, &res), 0);
    assert_int_equal(res.status, 6);
    assert_contains(res.out, "\none\n");
    assert_contains(res.out, "\na  b c\"d e f\n");
    assert_contains(res.out, "\nkept\n");
    assert_contains(res.out, "\nagain\n"); /* "echo one" recalled, "one" replaced */
    assert_contains(res.out, "cms: unterminated ' quote");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mica_cc_without_arguments_prints_usage),
        cmocka_unit_test(mica_cc_links_what_the_headers_declare),
        cmocka_unit_test(mica_cc_refuses_host_headers_and_warns),
        cmocka_unit_test(kit_libc_runs_in_a_guest),
        cmocka_unit_test(mica_cc_example_runs),
        cmocka_unit_test(shell_edits_quotes_and_recalls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
