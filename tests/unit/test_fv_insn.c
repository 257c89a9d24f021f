/* The decoding behind KVM_EXIT_INTERNAL_ERROR handling and the
 * `mica run --kernel` option parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fv/fv_emulate.h"
#include "cli/run_fv_options.h"

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
    /* blake2s_compress_ssse3, where Debian's kernel stopped after ldmxcsr */
    assert_string_equal(fv_insn_mnemonic(B(0x66, 0x44, 0x0f, 0x6e, 0xf9)), "movd");
    assert_string_equal(fv_insn_mnemonic(B(0x66, 0x48, 0x0f, 0x7e, 0xc0)), "movq");
    assert_string_equal(fv_insn_mnemonic(B(0x66, 0x45, 0x0f, 0xd4, 0xf7)), "an SSE2 instruction");
    assert_string_equal(fv_insn_mnemonic(B(0x66, 0x0f, 0xef, 0xd8)), "an SSE2 instruction");
    assert_null(fv_insn_mnemonic(B(0x0f, 0xef, 0xd8))); /* MMX pxor: not named */
    assert_string_equal(fv_insn_mnemonic(B(0x0f, 0xae, 0x1f)), "stmxcsr");
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
    assert_non_null(strstr(fv_insn_hint("movd"), "clearcpuid=137"));
    assert_non_null(strstr(fv_insn_hint("an SSE2 instruction"), "ssse3"));
    assert_non_null(strstr(fv_insn_hint("an SSSE3/SSE4 instruction"), "--cpu-template safe"));
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

/* ---- ldmxcsr/stmxcsr: the decoder parses guest-controlled bytes ---- */

static enum fv_decode decode(const uint8_t *b, size_t n, struct fv_insn_mxcsr *in)
{
    enum fv_decode d = fv_insn_decode_mxcsr(b, n, in);
    if (d == FV_DECODE_OK) { /* never past the bytes or the 15-byte limit */
        assert_true(in->len <= n && in->len <= 15);
        assert_string_equal(fv_insn_mnemonic(b, n), in->store ? "stmxcsr" : "ldmxcsr");
    }
    return d;
}

/* gpr[i] = 0x1000 * (i + 1): every register distinct and easy to read */
static uint64_t ea_of(const uint8_t *b, size_t n, uint64_t next_rip)
{
    uint64_t g[16];
    for (int i = 0; i < 16; i++)
        g[i] = 0x1000ull * (uint64_t)(i + 1);
    struct fv_insn_mxcsr in;
    assert_int_equal(decode(b, n, &in), FV_DECODE_OK);
    return fv_mem_operand_ea(&in.mem, g, next_rip);
}

static void decodes_the_linux_instruction(void **state)
{
    (void)state;
    struct fv_insn_mxcsr in;
    /* kernel_fpu_begin(): ldmxcsr 0x4(%rsp) */
    assert_int_equal(decode(B(0x0f, 0xae, 0x54, 0x24, 0x04), &in), FV_DECODE_OK);
    assert_false(in.store);
    assert_int_equal(in.len, 5);
    assert_int_equal(in.mem.base, 4);
    assert_int_equal(in.mem.index, FV_REG_NONE);
    assert_int_equal(in.mem.disp, 4);
    assert_int_equal(in.mem.seg, FV_SEG_FLAT);
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x54, 0x24, 0x04), 0), 0x5000 + 4);
    /* stmxcsr (%rdi) */
    assert_int_equal(decode(B(0x0f, 0xae, 0x1f), &in), FV_DECODE_OK);
    assert_true(in.store);
    assert_int_equal(in.len, 3);
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x1f), 0), 0x8000);
}

static void decodes_every_modrm_form(void **state)
{
    (void)state;
    /* mod 00: (%rax) .. (%rdi) except rsp (SIB) and rbp (RIP-relative) */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x10), 0), 0x1000);
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x16), 0), 0x7000);
    /* RIP-relative: disp32 from the next instruction, negative too */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x15, 0x10, 0x00, 0x00, 0x00), 0x400000), 0x400010);
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x15, 0xf0, 0xff, 0xff, 0xff), 0x400000), 0x3ffff0);
    /* REX.B does not turn RIP-relative into r13 (mod 00 rm 101) */
    assert_int_equal(ea_of(B(0x41, 0x0f, 0xae, 0x15, 0x08, 0, 0, 0), 0x400000), 0x400008);
    /* mod 01: disp8 sign-extended; mod 10: disp32 */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x55, 0xfc), 0), 0x6000 - 4); /* -4(%rbp) */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x93, 0x00, 0x01, 0x00, 0x00), 0), 0x4000 + 0x100);
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x93, 0x00, 0x00, 0x00, 0x80), 0),
                     0x4000 - 0x80000000ull);
    /* REX.B: (%r8), 8(%r13), (%r12) via SIB */
    assert_int_equal(ea_of(B(0x41, 0x0f, 0xae, 0x10), 0), 0x9000);
    assert_int_equal(ea_of(B(0x41, 0x0f, 0xae, 0x55, 0x08), 0), 0xe000 + 8);
    assert_int_equal(ea_of(B(0x41, 0x0f, 0xae, 0x14, 0x24), 0), 0xd000);
}

static void decodes_every_sib_form(void **state)
{
    (void)state;
    /* (%rax,%rcx,8) */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x14, 0xc8), 0), 0x1000 + 0x2000 * 8);
    /* 0x10(%rbx,%rdx,2) */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x54, 0x53, 0x10), 0), 0x4000 + 0x3000 * 2 + 0x10);
    /* index 100 without REX.X: no index, scale ignored */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x14, 0xe0), 0), 0x1000);
    /* REX.X makes index 100 r12 */
    assert_int_equal(ea_of(B(0x42, 0x0f, 0xae, 0x14, 0xe0), 0), 0x1000 + 0xd000 * 8);
    /* base 101 with mod 00: no base, disp32 (absolute, sign-extended) */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x14, 0x25, 0x00, 0x10, 0x00, 0x00), 0), 0x1000);
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x14, 0x25, 0x00, 0x00, 0x00, 0xff), 0),
                     0xffffffffff000000ull);
    /* ... with an index: disp32 + index*4 */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x14, 0x8d, 0x08, 0, 0, 0), 0), 0x2000 * 4 + 8);
    /* base 101 with mod 01: %rbp + disp8; with REX.B: %r13 */
    assert_int_equal(ea_of(B(0x0f, 0xae, 0x54, 0x25, 0x01), 0), 0x6000 + 1);
    assert_int_equal(ea_of(B(0x41, 0x0f, 0xae, 0x54, 0x25, 0x01), 0), 0xe000 + 1);
    /* REX.B and REX.X together: (%r15,%r9,4) */
    assert_int_equal(ea_of(B(0x43, 0x0f, 0xae, 0x14, 0x8f), 0), 0x10000 + 0xa000 * 4);
}

static void decodes_prefixes(void **state)
{
    (void)state;
    struct fv_insn_mxcsr in;
    assert_int_equal(decode(B(0x64, 0x0f, 0xae, 0x10), &in), FV_DECODE_OK);
    assert_int_equal(in.mem.seg, FV_SEG_FS);
    assert_int_equal(in.len, 4);
    assert_int_equal(decode(B(0x65, 0x41, 0x0f, 0xae, 0x18), &in), FV_DECODE_OK);
    assert_int_equal(in.mem.seg, FV_SEG_GS);
    assert_true(in.store);
    assert_int_equal(decode(B(0x65, 0x65, 0x0f, 0xae, 0x10), &in), FV_DECODE_OK); /* repeated */
    assert_int_equal(decode(B(0x3e, 0x0f, 0xae, 0x10), &in), FV_DECODE_OK);
    assert_int_equal(in.mem.seg, FV_SEG_FLAT);
    /* REX.W and REX.R change nothing for /2 and /3 */
    assert_int_equal(decode(B(0x4c, 0x0f, 0xae, 0x10), &in), FV_DECODE_OK);
    assert_false(in.store);
    /* 0x67: 32-bit registers, 32-bit sum, EIP-relative */
    uint64_t g[16] = {0xffffffff00000010ull};
    assert_int_equal(decode(B(0x67, 0x0f, 0xae, 0x50, 0xf0), &in), FV_DECODE_OK);
    assert_true(in.mem.addr32);
    assert_int_equal(fv_mem_operand_ea(&in.mem, g, 0), 0); /* 0x10 - 0x10, upper half dropped */
    assert_int_equal(decode(B(0x67, 0x0f, 0xae, 0x15, 0x00, 0x00, 0x00, 0x80), &in), FV_DECODE_OK);
    assert_int_equal(fv_mem_operand_ea(&in.mem, g, 0x1ffff0000ull), 0x7fff0000ull);
    /* 14 prefixes + 0f ae 10 is 17 bytes: not an instruction */
    assert_int_equal(decode(B(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
                              0x3e, 0x3e, 0x3e, 0x0f, 0xae, 0x10), &in), FV_DECODE_NO);
    /* exactly 15 bytes is fine: 12 prefixes + 0f ae 10 */
    assert_int_equal(decode(B(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
                              0x3e, 0x0f, 0xae, 0x10), &in), FV_DECODE_OK);
    assert_int_equal(in.len, 15);
    /* 11 prefixes + 0f ae 90 disp32 = 18 bytes */
    assert_int_equal(decode(B(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
                              0x0f, 0xae, 0x90, 1, 2, 3, 4), &in), FV_DECODE_NO);
}

static void refuses_hostile_bytes(void **state)
{
    (void)state;
    struct fv_insn_mxcsr in;
    /* truncated at every byte of the longest form */
    const uint8_t full[] = {0x65, 0x43, 0x0f, 0xae, 0x94, 0x8f, 0x78, 0x56, 0x34, 0x12};
    for (size_t n = 0; n < sizeof full; n++)
        assert_int_equal(decode(full, n, &in), FV_DECODE_SHORT);
    assert_int_equal(decode(full, sizeof full, &in), FV_DECODE_OK);
    assert_int_equal(in.len, sizeof full);
    assert_int_equal(decode(B(0x0f, 0xae, 0x15, 1, 2, 3), &in), FV_DECODE_SHORT); /* RIP disp */
    assert_int_equal(decode(B(0x0f, 0xae, 0x54), &in), FV_DECODE_SHORT);           /* no SIB */
    assert_int_equal(decode(B(0x0f, 0xae, 0x14, 0x25, 0), &in), FV_DECODE_SHORT);  /* disp32 */
    /* register operands: 0f ae d0 / d8 are not ldmxcsr/stmxcsr */
    assert_int_equal(decode(B(0x0f, 0xae, 0xd0), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0x0f, 0xae, 0xd8), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0xf3, 0x0f, 0xae, 0xd0), &in), FV_DECODE_NO); /* rdfsbase */
    /* the group's other members */
    for (unsigned reg = 0; reg < 8; reg++)
        if (reg != 2 && reg != 3)
            assert_int_equal(decode(B(0x0f, 0xae, (uint8_t)(reg << 3)), &in) == FV_DECODE_NO ? 1 : 0, 1);
    /* prefixes that make it another instruction or #UD */
    assert_int_equal(decode(B(0x66, 0x0f, 0xae, 0x10), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0xf2, 0x0f, 0xae, 0x10), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0xf3, 0x0f, 0xae, 0x10), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0xf0, 0x0f, 0xae, 0x10), &in), FV_DECODE_NO);
    /* conflicting segments, REX not right before the opcode, two REX */
    assert_int_equal(decode(B(0x64, 0x65, 0x0f, 0xae, 0x10), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0x2e, 0x64, 0x0f, 0xae, 0x10), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0x41, 0x64, 0x0f, 0xae, 0x10), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0x41, 0x41, 0x0f, 0xae, 0x10), &in), FV_DECODE_NO);
    /* other opcodes */
    assert_int_equal(decode(B(0x0f, 0xaf, 0x10), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0x0e, 0xae, 0x10), &in), FV_DECODE_NO);
    assert_int_equal(decode(B(0x90), &in), FV_DECODE_NO);
    /* 15 prefixes and nothing else: too long whatever follows */
    assert_int_equal(decode(B(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
                              0x3e, 0x3e, 0x3e, 0x3e), &in), FV_DECODE_NO);
}

static void the_fix_table_leaves_mxcsr_to_the_decoder(void **state)
{
    (void)state;
    unsigned len = 0;
    assert_int_equal(fv_insn_fix_for(B(0x0f, 0xae, 0x54, 0x24, 0x04), &len), FV_FIX_NONE);
    assert_string_equal(fv_insn_mnemonic(B(0x0f, 0xae, 0x54, 0x24, 0x04)), "ldmxcsr");
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
    assert_false(o.raw_console);
    assert_int_equal(PARSE(&o, err, "--kernel", "k", "--raw-console"), 0);
    assert_true(o.raw_console);
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
        cmocka_unit_test(decodes_the_linux_instruction),
        cmocka_unit_test(decodes_every_modrm_form),
        cmocka_unit_test(decodes_every_sib_form),
        cmocka_unit_test(decodes_prefixes),
        cmocka_unit_test(refuses_hostile_bytes),
        cmocka_unit_test(the_fix_table_leaves_mxcsr_to_the_decoder),
        cmocka_unit_test(parses_options),
        cmocka_unit_test(refuses_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
