/* The decoding behind KVM_EXIT_INTERNAL_ERROR handling and the
 * `mica run --kernel` option parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fv/fv_emulate.h"
#include "fv/fv_options.h"

#define B(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void names_known_instructions(void **state)
{
    (void)state;
    assert_string_equal(fv_insn_mnemonic(B(0xf3, 0x48, 0x0f, 0xb8, 0xc0)), "popcnt");
    assert_string_equal(fv_insn_mnemonic(B(0xf0, 0x48, 0x0f, 0xc7, 0x0e)), "cmpxchg16b");
    assert_string_equal(fv_insn_mnemonic(B(0x48, 0x0f, 0xae, 0x2f)), "xrstor");
    assert_string_equal(fv_insn_mnemonic(B(0x0f, 0xae, 0xe8)), "lfence");
    assert_string_equal(fv_insn_mnemonic(B(0x9b)), "fwait");
    assert_string_equal(fv_insn_mnemonic(B(0x0f, 0x01, 0xca)), "clac");
    assert_string_equal(fv_insn_mnemonic(B(0x48, 0x0f, 0xc7, 0xf0)), "rdrand");
    assert_string_equal(fv_insn_mnemonic(B(0x0f, 0x38, 0xf0, 0x07)), "movbe");
    assert_non_null(strstr(fv_insn_mnemonic(B(0xc5, 0xf8, 0x77)), "AVX"));
    assert_null(fv_insn_mnemonic(B(0x90)));
    assert_null(fv_insn_mnemonic(B(0xf3, 0x48)));  /* prefixes only */
    assert_null(fv_insn_mnemonic(B(0x0f)));        /* truncated */
    assert_null(fv_insn_mnemonic((const uint8_t *)"", 0));
}

static void hints_are_specific(void **state)
{
    (void)state;
    assert_non_null(strstr(fv_insn_hint("xrstor"), "noxsave"));
    assert_non_null(strstr(fv_insn_hint("popcnt"), "--cpu-template safe"));
    assert_non_null(strstr(fv_insn_hint(NULL), "VT-x"));
}

static void completes_only_exact_encodings(void **state)
{
    (void)state;
    unsigned len = 0;
    assert_int_equal(fv_insn_fix_for(B(0xcc, 0x90), &len), FV_FIX_INT3);
    assert_int_equal(len, 1);
    assert_int_equal(fv_insn_fix_for(B(0x0f, 0x01, 0xca), &len), FV_FIX_CLAC);
    assert_int_equal(len, 3);
    assert_int_equal(fv_insn_fix_for(B(0x0f, 0x01, 0xcb), &len), FV_FIX_STAC);
    assert_int_equal(fv_insn_fix_for(B(0x9b), &len), FV_FIX_FWAIT);
    assert_int_equal(fv_insn_fix_for(B(0x0f, 0x01), &len), FV_FIX_NONE);  /* truncated */
    assert_int_equal(fv_insn_fix_for(B(0x66, 0xcc), &len), FV_FIX_NONE);  /* prefixed */
    assert_int_equal(fv_insn_fix_for(B(0xcd, 0x03), &len), FV_FIX_NONE);  /* int $3 */
    assert_int_equal(fv_insn_fix_for(B(0xf3, 0x0f, 0xb8, 0xc0), &len), FV_FIX_NONE);
}

static int parse(struct fv_options *o, char *err, int argc, char **argv)
{
    return fv_options_parse(argc, argv, o, err, 256);
}
#define PARSE(o, err, ...)                                                                         \
    parse(o, err, (int)(sizeof((char *[]){"run", __VA_ARGS__}) / sizeof(char *)),                 \
          (char *[]){"run", __VA_ARGS__})

static void parses_options(void **state)
{
    (void)state;
    static struct fv_options o;
    char err[256];
    assert_int_equal(PARSE(&o, err, "--kernel", "k", "--disk", "a.img,ro", "--disk", "b.img",
                           "--cpus", "4", "--mem", "64", "--rng", "--reboot", "--timeout", "1.5"), 0);
    assert_string_equal(o.kernel, "k");
    assert_int_equal(o.ndisks, 2);
    assert_string_equal(o.disk[0].path, "a.img");
    assert_true(o.disk[0].read_only);
    assert_string_equal(o.disk[1].path, "b.img");
    assert_false(o.disk[1].read_only);
    assert_int_equal(o.cpus, 4);
    assert_int_equal(o.mem_mib, 64);
    assert_true(o.rng && o.reboot);
    assert_int_equal(o.timeout_ns, 1500000000ull);
    assert_string_equal(o.cpu_template, "safe");
}

static void refuses_bad_options(void **state)
{
    (void)state;
    static struct fv_options o;
    char err[256];
    assert_int_equal(PARSE(&o, err, "--kernel", "k", "--cpus", "0"), -1);
    assert_non_null(strstr(err, "--cpus '0'"));
    assert_int_equal(PARSE(&o, err, "--kernel", "k", "--cpus", "255"), -1);
    assert_int_equal(PARSE(&o, err, "--kernel", "k", "--mem", "8"), -1);
    assert_int_equal(PARSE(&o, err, "--kernel", "k", "--disk", ",ro"), -1);
    assert_int_equal(PARSE(&o, err, "--kernel", "k", "--disk", "1", "--disk", "2", "--disk", "3",
                           "--disk", "4", "--disk", "5"), -1);
    assert_non_null(strstr(err, "at most 4"));
    assert_int_equal(PARSE(&o, err, "--kernel", "k", "extra"), -1);
    assert_int_equal(PARSE(&o, err, "--mem", "64"), -1);
    assert_non_null(strstr(err, "--kernel"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_known_instructions),
        cmocka_unit_test(hints_are_specific),
        cmocka_unit_test(completes_only_exact_encodings),
        cmocka_unit_test(parses_options),
        cmocka_unit_test(refuses_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
