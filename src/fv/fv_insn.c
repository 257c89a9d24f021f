/* Just enough x86 decoding to name the instructions the host's emulator
 * is known to refuse, and to recognise the ones mica completes itself. */
#include <stdbool.h>
#include <string.h>

#include "fv/fv_emulate.h"

struct insn {
    bool lock, rep, repne, opsize, rex_w;
    const uint8_t *op; /* first opcode byte */
    size_t left;       /* bytes from op on */
};

static bool is_legacy_prefix(uint8_t b)
{
    return b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x66 || b == 0x67 || b == 0x2e ||
           b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65;
}

static void decode_prefixes(const uint8_t *b, size_t n, struct insn *in)
{
    memset(in, 0, sizeof *in);
    size_t i = 0;
    for (; i < n && is_legacy_prefix(b[i]); i++) {
        in->lock |= b[i] == 0xf0;
        in->rep |= b[i] == 0xf3;
        in->repne |= b[i] == 0xf2;
        in->opsize |= b[i] == 0x66;
    }
    if (i < n && (b[i] & 0xf0) == 0x40) {
        in->rex_w = b[i] & 8;
        i++;
    }
    in->op = b + i;
    in->left = n - i;
}

static const char *group_0fae(uint8_t modrm)
{
    static const char *mem[8] = {"fxsave", "fxrstor", "ldmxcsr", "stmxcsr",
                                 "xsave", "xrstor", "xsaveopt", "clflush"};
    static const char *reg[8] = {"rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase",
                                 NULL, "lfence", "mfence", "sfence"};
    return (modrm >> 6) == 3 ? reg[(modrm >> 3) & 7] : mem[(modrm >> 3) & 7];
}

static const char *group_0fc7(const struct insn *in, uint8_t modrm)
{
    unsigned r = (modrm >> 3) & 7;
    if ((modrm >> 6) == 3)
        return r == 6 ? "rdrand" : r == 7 ? (in->rep ? "rdpid" : "rdseed") : NULL;
    static const char *mem[8] = {NULL, "cmpxchg8b", NULL, "xrstors", "xsavec", "xsaves", NULL, NULL};
    if (r == 1)
        return in->rex_w ? "cmpxchg16b" : "cmpxchg8b";
    return mem[r];
}

static const char *group_0f01(uint8_t modrm)
{
    switch (modrm) {
    case 0xca: return "clac";
    case 0xcb: return "stac";
    case 0xd0: return "xgetbv";
    case 0xd1: return "xsetbv";
    case 0xf8: return "swapgs";
    case 0xf9: return "rdtscp";
    default: return NULL;
    }
}

static const char *two_byte(const struct insn *in)
{
    if (in->left < 2)
        return NULL;
    uint8_t op = in->op[1], modrm = in->left > 2 ? in->op[2] : 0;
    switch (op) {
    case 0x01: return in->left > 2 ? group_0f01(modrm) : NULL;
    case 0x0b: return "ud2";
    case 0x30: return "wrmsr";
    case 0x32: return "rdmsr";
    case 0xa2: return "cpuid";
    case 0xae: return in->left > 2 ? group_0fae(modrm) : NULL;
    case 0xc7: return in->left > 2 ? group_0fc7(in, modrm) : NULL;
    case 0xb8: return in->rep ? "popcnt" : NULL;
    case 0xbc: return in->rep ? "tzcnt" : "bsf";
    case 0xbd: return in->rep ? "lzcnt" : "bsr";
    case 0x38:
        if (in->left > 2 && (modrm == 0xf0 || modrm == 0xf1) && !in->repne)
            return "movbe";
        return in->opsize ? "an SSSE3/SSE4 instruction" : NULL;
    case 0x3a: return in->opsize ? "an SSE4/AES instruction" : NULL;
    default: return NULL;
    }
}

const char *fv_insn_mnemonic(const uint8_t *b, size_t n)
{
    struct insn in;
    decode_prefixes(b, n, &in);
    if (!in.left)
        return NULL;
    switch (in.op[0]) {
    case 0xcc: return "int3";
    case 0x9b: return "fwait";
    case 0xf4: return "hlt";
    case 0xc4:
    case 0xc5: return "an AVX (VEX-encoded) instruction";
    case 0x62: return "an AVX-512 (EVEX-encoded) instruction";
    case 0x0f: return two_byte(&in);
    default: return NULL;
    }
}

const char *fv_insn_hint(const char *m)
{
    if (!m)
        return "the host's CPL0 emulator (pvm) cannot run it; a host with VT-x/AMD-V runs it natively";
    if (strstr(m, "xsave") || strstr(m, "xrstor") || !strcmp(m, "xgetbv") || !strcmp(m, "xsetbv"))
        return "add noxsave to --cmdline (--cpu-template safe does)";
    if (!strcmp(m, "fwait"))
        return "an x87 exception was pending, which mica does not deliver; boot with a host that has VT-x/AMD-V";
    static const char *const cpuid_hideable[] = {"popcnt", "tzcnt", "lzcnt", "movbe", "rdrand",
                                                 "rdseed", "rdpid", "cmpxchg16b", "rdfsbase",
                                                 "rdgsbase", "wrfsbase", "wrgsbase", "clac", "stac"};
    for (size_t i = 0; i < sizeof cpuid_hideable / sizeof *cpuid_hideable; i++)
        if (!strcmp(m, cpuid_hideable[i]))
            return "use --cpu-template safe (hides it from CPUID) and, for Linux, clearcpuid= on --cmdline";
    if (strstr(m, "AVX") || strstr(m, "SSE"))
        return "use --cpu-template safe (for Linux it adds noxsave and clearcpuid=)";
    return "the host's CPL0 emulator (pvm) cannot run it; a host with VT-x/AMD-V runs it natively";
}

enum fv_insn_fix fv_insn_fix_for(const uint8_t *b, size_t n, unsigned *len)
{
    /* Only the exact, prefix-free encodings: anything fancier is reported. */
    if (n >= 1 && b[0] == 0xcc) {
        *len = 1;
        return FV_FIX_INT3;
    }
    if (n >= 1 && b[0] == 0x9b) {
        *len = 1;
        return FV_FIX_FWAIT;
    }
    if (n >= 3 && b[0] == 0x0f && b[1] == 0x01 && (b[2] == 0xca || b[2] == 0xcb)) {
        *len = 3;
        return b[2] == 0xca ? FV_FIX_CLAC : FV_FIX_STAC;
    }
    return FV_FIX_NONE;
}
