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

/* 66 0F 60..7F and D1..FE: SSE2 integer operations (punpck*, padd*, pxor,
 * psrl*, ...), which kernel SIMD code (crypto, RAID) is made of. */
static bool is_sse2_integer(uint8_t op)
{
    return (op >= 0x60 && op <= 0x7f) || (op >= 0xd1 && op <= 0xfe);
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
    case 0x6e: return in->rex_w ? "movq" : "movd"; /* to an MMX or XMM register */
    case 0x7e: return in->rex_w || in->rep ? "movq" : "movd"; /* F3 0F 7E: movq xmm, xmm/m64 */
    default: return in->opsize && is_sse2_integer(op) ? "an SSE2 instruction" : NULL;
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
    if (!strcmp(m, "movd") || !strcmp(m, "movq") || strstr(m, "SSE2"))
        return "kernel SIMD code (after kernel_fpu_begin), which pvm does not emulate; for Linux, "
               "clear the feature that selects it, e.g. clearcpuid=137 (ssse3: blake2s, chacha), "
               "with --cpu-template host and your own noxsave clearcpuid= in --cmdline";
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

/* ---- ldmxcsr/stmxcsr: an exact decoder for the one form mica completes ---- */

#define INSN_LIMIT 15 /* longer is #GP on the CPU; we refuse it */

struct mx_prefixes {
    bool other;     /* 66, F2, F3 or F0: a different instruction, or #UD */
    bool addr32;
    int seg;        /* -1: none, else the enum fv_seg of the last one */
    bool seg_clash; /* two different segment prefixes */
    uint8_t rex;    /* 0 when absent */
};

static int seg_of_prefix(uint8_t b)
{
    switch (b) {
    case 0x64: return FV_SEG_FS;
    case 0x65: return FV_SEG_GS;
    case 0x2e: case 0x36: case 0x3e: case 0x26: return FV_SEG_FLAT; /* base 0 in 64-bit mode */
    default: return -1;
    }
}

/* Legacy prefixes, then at most one REX right before the opcode. A REX
 * followed by anything but the opcode is ignored by the CPU; we refuse it
 * rather than model that. Returns the opcode's offset. */
static size_t mx_prefixes(const uint8_t *b, size_t n, struct mx_prefixes *p)
{
    memset(p, 0, sizeof *p);
    p->seg = -1;
    size_t i = 0;
    for (; i < n && is_legacy_prefix(b[i]); i++) {
        int s = seg_of_prefix(b[i]);
        p->other |= b[i] == 0x66 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0xf0;
        p->addr32 |= b[i] == 0x67;
        if (s >= 0) {
            p->seg_clash |= p->seg >= 0 && p->seg != s;
            p->seg = s;
        }
    }
    if (i < n && (b[i] & 0xf0) == 0x40)
        p->rex = b[i++];
    return i;
}

/* ModRM (at b[0]) with SIB and displacement; returns bytes used, 0 if short. */
static size_t mx_modrm(const uint8_t *b, size_t n, uint8_t rex, struct fv_mem_operand *op)
{
    unsigned mod = b[0] >> 6, rm = b[0] & 7;
    size_t at = 1, disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    op->base = (int)(rm | (rex & 1) << 3);
    op->index = FV_REG_NONE;
    op->scale = 1;
    if (rm == 4) { /* SIB, whatever REX.B says */
        if (n < 2)
            return 0;
        uint8_t sib = b[1];
        unsigned idx = (sib >> 3 & 7) | (rex & 2) << 2, base = sib & 7;
        at = 2;
        op->scale = 1u << (sib >> 6);
        op->index = idx == 4 ? FV_REG_NONE : (int)idx; /* r12 is a real index */
        op->base = (int)(base | (rex & 1) << 3);
        if (base == 5 && mod == 0) { /* no base, disp32 */
            op->base = FV_REG_NONE;
            disp_len = 4;
        }
    } else if (rm == 5 && mod == 0) { /* RIP-relative, whatever REX.B says */
        op->base = FV_REG_RIP;
        disp_len = 4;
    }
    if (n < at + disp_len)
        return 0;
    int32_t d32 = 0;
    if (disp_len == 1)
        op->disp = (int8_t)b[at];
    else if (disp_len == 4) {
        memcpy(&d32, b + at, 4); /* x86 is little-endian, as is the host */
        op->disp = d32;
    }
    return at + disp_len;
}

enum fv_decode fv_insn_decode_mxcsr(const uint8_t *b, size_t n, struct fv_insn_mxcsr *out)
{
    memset(out, 0, sizeof *out);
    struct mx_prefixes p;
    size_t i = mx_prefixes(b, n, &p);
    if (i + 3 > INSN_LIMIT || p.other || p.seg_clash)
        return FV_DECODE_NO;
    /* judge the opcode bytes there are before asking for more */
    if ((n > i && b[i] != 0x0f) || (n > i + 1 && b[i + 1] != 0xae))
        return FV_DECODE_NO;
    if (n < i + 3)
        return FV_DECODE_SHORT;
    uint8_t modrm = b[i + 2];
    unsigned reg = modrm >> 3 & 7;
    if ((modrm >> 6) == 3 || (reg != 2 && reg != 3))
        return FV_DECODE_NO;
    size_t used = mx_modrm(b + i + 2, n - i - 2, p.rex, &out->mem);
    if (!used) /* it needs more than n bytes: short, or too long if n is already 15 */
        return n >= INSN_LIMIT ? FV_DECODE_NO : FV_DECODE_SHORT;
    if (i + 2 + used > INSN_LIMIT)
        return FV_DECODE_NO;
    out->store = reg == 3;
    out->len = (unsigned)(i + 2 + used);
    out->mem.addr32 = p.addr32;
    out->mem.seg = p.seg >= 0 ? (enum fv_seg)p.seg : FV_SEG_FLAT;
    return FV_DECODE_OK;
}

uint64_t fv_mem_operand_ea(const struct fv_mem_operand *op, const uint64_t gpr[16],
                           uint64_t next_rip)
{
    /* Unsigned arithmetic wraps as the CPU's address adder does. */
    uint64_t ea = (uint64_t)op->disp;
    if (op->base == FV_REG_RIP)
        ea += next_rip;
    else if (op->base >= 0 && op->base < 16)
        ea += op->addr32 ? (uint32_t)gpr[op->base] : gpr[op->base];
    if (op->index >= 0 && op->index < 16)
        ea += (op->addr32 ? (uint32_t)gpr[op->index] : gpr[op->index]) * op->scale;
    return op->addr32 ? (uint32_t)ea : ea;
}
