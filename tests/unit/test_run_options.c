/* `mica run` option parsing and the small parsers under it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cli/run_options.h"
#include "pv/clock.h"
#include "util/parse.h"

static struct run_options o;
static char err[256];

/* The parsed options point into argv, so it must outlive the parse. */
static char *argv_keep[16];

static int parse_list(int argc, char *const list[])
{
    memcpy(argv_keep, list, (size_t)argc * sizeof *list);
    return run_options_parse(argc, argv_keep, &o, err, sizeof err);
}

#define PARSE(...)                                                                                 \
    parse_list((int)(sizeof((char *[]){"run", __VA_ARGS__}) / sizeof(char *)),                     \
               (char *[]){"run", __VA_ARGS__})

static void defaults_and_guest_args(void **state)
{
    (void)state;
    assert_int_equal(PARSE("g.elf", "--mem", "64", "--name", "vm-1", "--", "a", "--mem"), 0);
    assert_string_equal(o.guest, "g.elf");
    assert_int_equal(o.mem_mib, 64);
    assert_string_equal(o.name, "vm-1");
    assert_int_equal(o.guest_argc, 2);
    assert_string_equal(o.guest_argv[1], "--mem");
    assert_int_equal(PARSE("--timeout", "0.25"), 0);
    assert_null(o.guest);
    assert_int_equal(o.mem_mib, RUN_DEFAULT_MEM_MIB);
    assert_int_equal(o.timeout_ns, 250000000);
    assert_int_equal(o.guest_argc, 0);
    assert_int_equal(PARSE("--mem=8", "x.elf"), 0);
    assert_int_equal(o.mem_mib, 8);
    assert_false(o.raw_console); /* guest output on a terminal is filtered by default */
    assert_int_equal(PARSE("--raw-console", "x.elf"), 0);
    assert_true(o.raw_console);
}

static void disks_for_a_pv_guest(void **state)
{
    (void)state;
    assert_int_equal(PARSE("g.elf", "--disk", "a.img,ro", "--disk=b,c.img", "--disk", "d.img,rw"), 0);
    assert_int_equal(o.ndisks, 3);
    assert_string_equal(o.disk[0].path, "a.img");
    assert_true(o.disk[0].read_only);
    assert_string_equal(o.disk[1].path, "b,c.img"); /* only ",ro" and ",rw" are options */
    assert_false(o.disk[1].read_only);
    assert_string_equal(o.disk[2].path, "d.img");
    assert_false(o.disk[2].read_only);
    assert_int_equal(PARSE("--disk", ",ro"), -1);
    assert_non_null(strstr(err, "--disk"));
    assert_int_equal(PARSE("--disk", ""), -1);
    assert_int_equal(PARSE("--disk", "1", "--disk", "2", "--disk", "3", "--disk", "4", "--disk", "5"), -1);
    assert_non_null(strstr(err, "at most 4 disks"));
}

static void rejects_bad_values(void **state)
{
    (void)state;
    static const char *const bad_mem[] = {"1", "4097", "-5", "12abc", "", " 8", "0x10",
                                          "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad_mem / sizeof bad_mem[0]; i++) {
        assert_int_equal(PARSE("--mem", (char *)bad_mem[i]), -1);
        assert_non_null(strstr(err, "--mem"));
    }
    assert_int_equal(PARSE("--timeout", "0"), -1);
    assert_int_equal(PARSE("--timeout", "nan"), -1);
    assert_int_equal(PARSE("--timeout", "1e9"), -1);
    assert_int_equal(PARSE("--name", "bad name"), -1);
    assert_int_equal(PARSE("--name", ""), -1);
    assert_int_equal(PARSE("--name", "0123456789012345678901234567890123456789012345678901234567890123456789"), -1);
    assert_int_equal(PARSE("--frob"), -1);
    assert_non_null(strstr(err, "--frob"));
    assert_int_equal(PARSE("--mem"), -1);
    assert_non_null(strstr(err, "needs a value"));
    assert_int_equal(PARSE("a", "b"), -1);
}

static void number_parsers(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(parse_u64("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(parse_u64("101", 0, 100, &v), -1);
    assert_int_equal(parse_u64("+1", 0, 100, &v), -1);
    assert_int_equal(parse_u64(NULL, 0, 100, &v), -1);
    assert_int_equal(parse_seconds(".5", &v), 0);
    assert_int_equal(v, 500000000);
    assert_int_equal(parse_seconds("1s", &v), -1);
}

static void clock_scale_is_accurate(void **state)
{
    (void)state;
    static const uint64_t khz[] = {1000, 100000, 1000000, 2100000, 2994375, 3000000, 5000000,
                                   100000000};
    for (size_t i = 0; i < sizeof khz / sizeof khz[0]; i++) {
        uint32_t mul;
        int32_t shift;
        pv_clock_scale(khz[i], &mul, &shift);
        assert_true(mul >= (1u << 31));
        uint64_t ticks = khz[i] * 1000; /* one second of ticks */
        uint64_t d = shift >= 0 ? ticks << shift : ticks >> -shift;
        uint64_t ns = (uint64_t)(((unsigned __int128)d * mul) >> 32);
        assert_true(ns > 999990000 && ns < 1000010000);
    }
}

/* What mica-runc hands `mica run` (docs/oci.md): the environment, the
 * start gate and stdin read beside the control channel. */
static void oci_options(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--control", "/tmp/c.sock", "--control-stdin", "--hold", "/tmp/f",
                           "--env", "A=1", "--env", "B=x=y", "g.elf"),
                     0);
    assert_int_equal(o.control_stdin, 1);
    assert_string_equal(o.hold, "/tmp/f");
    assert_int_equal(o.envc, 2);
    assert_string_equal(o.envp[1], "B=x=y");
    assert_int_equal(PARSE("--control-stdin", "g.elf"), -1);
    assert_string_equal(err, "--control-stdin: only with --control");
    assert_int_equal(PARSE("--env", "NOEQ", "g.elf"), -1);
    assert_string_equal(err, "--env 'NOEQ': give NAME=VALUE");
    assert_int_equal(PARSE("--env", "=v", "g.elf"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_and_guest_args),
        cmocka_unit_test(rejects_bad_values),
        cmocka_unit_test(disks_for_a_pv_guest),
        cmocka_unit_test(number_parsers),
        cmocka_unit_test(clock_scale_is_accurate),
        cmocka_unit_test(oci_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
