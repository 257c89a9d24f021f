/* libFuzzer: the instruction bytes a hostile guest leaves at RIP when the
 * host's emulator gives up. The namer, the fix table and the ldmxcsr/stmxcsr
 * decoder must never read past the bytes, and a decoded instruction must be
 * self-consistent: within 15 bytes, registers in range, the same decoding
 * from exactly its own bytes, and "short" from any fewer. Input: up to 16
 * bytes of instruction, then register values for the address arithmetic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fv/fv_emulate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_operand(const struct fv_mem_operand *op)
{
    check(op->base == FV_REG_NONE || op->base == FV_REG_RIP || (op->base >= 0 && op->base < 16));
    check(op->index == FV_REG_NONE || (op->index >= 0 && op->index < 16 && op->index != 4));
    check(op->scale == 1 || op->scale == 2 || op->scale == 4 || op->scale == 8);
    check(op->disp >= INT32_MIN && op->disp <= INT32_MAX);
    check(op->seg == FV_SEG_FLAT || op->seg == FV_SEG_FS || op->seg == FV_SEG_GS);
}

static void check_decoder(const uint8_t *b, size_t n, const uint64_t g[16], uint64_t rip)
{
    struct fv_insn_mxcsr in, again;
    if (fv_insn_decode_mxcsr(b, n, &in) != FV_DECODE_OK)
        return;
    check(in.len >= 3 && in.len <= n && in.len <= 15);
    check_operand(&in.mem);
    check(fv_insn_decode_mxcsr(b, in.len, &again) == FV_DECODE_OK);
    check(!memcmp(&in, &again, sizeof in));
    for (size_t k = 0; k < in.len; k++)
        check(fv_insn_decode_mxcsr(b, k, &again) == FV_DECODE_SHORT);
    const char *mn = fv_insn_mnemonic(b, n);
    check(mn && !strcmp(mn, in.store ? "stmxcsr" : "ldmxcsr"));
    uint64_t ea = fv_mem_operand_ea(&in.mem, g, rip + in.len);
    check(!in.mem.addr32 || ea <= UINT32_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size heap copy, so ASan sees any read past the end */
    size_t n = size < 16 ? size : 16;
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return 0;
    memcpy(b, data, n);
    uint64_t g[16] = {0}, rip = 0;
    size_t rest = size - n;
    memcpy(g, data + n, rest < sizeof g ? rest : sizeof g);
    if (rest > sizeof g)
        memcpy(&rip, data + n + sizeof g, rest - sizeof g < 8 ? rest - sizeof g : 8);

    const char *mn = fv_insn_mnemonic(b, n);
    check(fv_insn_hint(mn) != NULL);
    unsigned len = 0;
    if (fv_insn_fix_for(b, n, &len) != FV_FIX_NONE)
        check(len >= 1 && len <= n);
    check_decoder(b, n, g, rip);
    free(b);
    return 0;
}
