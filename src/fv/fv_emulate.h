/*
 * KVM_EXIT_INTERNAL_ERROR: the host's instruction emulator gave up (on pvm
 * hosts it runs all guest CPL0 code; see docs/fullvirt.md). mica completes
 * the few instructions where that is simple and exact -- int3 becomes an
 * injected #BP, clac/stac clear/set RFLAGS.AC, fwait with no x87 exception
 * pending is a no-op, ldmxcsr/stmxcsr move MXCSR from/to memory (with
 * the #GP(0) a reserved bit raises) -- and counts them; anything
 * else ends the VM with one report: RIP, bytes, mnemonic, what to try.
 */
#ifndef MICA_FV_FV_EMULATE_H
#define MICA_FV_FV_EMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fv_machine;
struct vcpu;
struct kvm_regs;

/* 0 when handled (the vCPU may run on), -1 with a report otherwise. */
int fv_emulate_internal_error(struct fv_machine *m, struct vcpu *cpu, unsigned index, char *report,
                              size_t len);

/* What the bytes at RIP are, for reports: "popcnt", ... or NULL. Pure. */
const char *fv_insn_mnemonic(const uint8_t *b, size_t n);
/* A hint for the user about that instruction. Never NULL. */
const char *fv_insn_hint(const char *mnemonic);

enum fv_insn_fix { FV_FIX_NONE, FV_FIX_INT3, FV_FIX_CLAC, FV_FIX_STAC, FV_FIX_FWAIT };
/* Which simple completion applies to these bytes; *len gets the length. */
enum fv_insn_fix fv_insn_fix_for(const uint8_t *b, size_t n, unsigned *len);

/* A memory operand as ModRM/SIB/displacement give it (64-bit mode). */
enum { FV_REG_NONE = -1, FV_REG_RIP = -2 };
/* In 64-bit mode CS, DS, ES and SS have base 0 (FLAT); FS and GS have bases. */
enum fv_seg { FV_SEG_FLAT, FV_SEG_FS, FV_SEG_GS };
struct fv_mem_operand {
    int base, index;   /* 0..15 (rax..r15), FV_REG_NONE, or FV_REG_RIP for base */
    unsigned scale;    /* 1, 2, 4 or 8 */
    int64_t disp;      /* sign-extended */
    enum fv_seg seg;   /* FS/GS by prefix, else FLAT */
    bool addr32;       /* 0x67: 32-bit address arithmetic */
};

struct fv_insn_mxcsr {
    bool store;        /* stmxcsr; else ldmxcsr */
    unsigned len;      /* whole instruction, prefixes included */
    struct fv_mem_operand mem;
};
enum fv_decode { FV_DECODE_OK, FV_DECODE_NO, FV_DECODE_SHORT };
/* Decodes `ldmxcsr m32` / `stmxcsr m32` (0F AE /2, /3, memory operand) in
 * 64-bit mode, with segment, address-size and REX prefixes. FV_DECODE_NO
 * for anything else (other opcodes, register operands, 66/F2/F3/F0
 * prefixes, conflicting segment prefixes, over 15 bytes), FV_DECODE_SHORT
 * when the bytes end first. Pure: the bytes are guest-controlled. */
enum fv_decode fv_insn_decode_mxcsr(const uint8_t *b, size_t n, struct fv_insn_mxcsr *out);

/* The operand's effective address (before the segment base): gpr[] in
 * the hardware order rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15;
 * next_rip is the RIP after the instruction (for RIP-relative). Pure. */
uint64_t fv_mem_operand_ea(const struct fv_mem_operand *op, const uint64_t gpr[16],
                           uint64_t next_rip);

/* Completes a decoded ldmxcsr/stmxcsr on the vCPU (fv_mxcsr.c): 0 when done
 * (or when the #GP(0) the CPU would raise was injected), -1 to report it
 * (not 64-bit mode, CR0.TS/EM, a page not present or not writable, a
 * non-canonical address, memory outside RAM: cases mica does not model). */
int fv_mxcsr_complete(struct fv_machine *m, struct vcpu *cpu, struct kvm_regs *regs,
                      const struct fv_insn_mxcsr *in);

/* Shared by fv_emulate.c and fv_mxcsr.c. */
int fv_inject_exception(struct vcpu *cpu, unsigned vector, bool has_error, uint32_t error);
/* RIP += len and KVM_SET_REGS (overriding any synced registers). */
int fv_step_over(struct vcpu *cpu, struct kvm_regs *regs, unsigned len);

#endif
