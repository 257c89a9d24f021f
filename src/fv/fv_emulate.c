#include "fv/fv_emulate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fv/fv_machine.h"

#define X86_RFLAGS_AC (1ull << 18)
#define X86_BP_VECTOR 3
#define X87_FSW_ES    0x80 /* an unmasked x87 exception is pending */
#define INSN_MAX 15

/* The instruction bytes KVM put in the exit, if any. */
static size_t exit_bytes(struct vcpu *cpu, uint8_t *out)
{
    struct kvm_run *run = cpu->run;
    if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
        !(run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES))
        return 0;
    size_t n = run->emulation_failure.insn_size;
    n = n > INSN_MAX ? INSN_MAX : n;
    memcpy(out, run->emulation_failure.insn_bytes, n);
    return n;
}

/* Up to 15 bytes at RIP through the guest's page tables; stops at the first
 * byte that is not mapped or not in RAM. */
static size_t memory_bytes(struct fv_machine *m, struct vcpu *cpu, uint64_t rip, uint8_t *out)
{
    size_t n = 0;
    for (; n < INSN_MAX; n++) {
        struct kvm_translation t = {.linear_address = rip + n};
        if (ioctl(cpu->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
            break;
        const uint8_t *p = guest_mem_ptr(&m->mem, t.physical_address, 1);
        if (!p)
            break;
        out[n] = *p;
    }
    return n;
}

/* The instruction bytes: from the exit when KVM supplies them, else read
 * at RIP. Returns how many were found. */
static size_t fetch_bytes(struct fv_machine *m, struct vcpu *cpu, uint64_t rip, uint8_t *out)
{
    size_t n = exit_bytes(cpu, out);
    return n ? n : memory_bytes(m, cpu, rip, out);
}

int fv_inject_exception(struct vcpu *cpu, unsigned vector, bool has_error, uint32_t error)
{
    struct kvm_vcpu_events ev;
    if (ioctl(cpu->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
        return -1;
    ev.flags = 0; /* touch nothing but the exception */
    ev.exception.injected = 1;
    ev.exception.nr = (uint8_t)vector;
    ev.exception.has_error_code = has_error;
    ev.exception.error_code = error;
    return ioctl(cpu->fd, KVM_SET_VCPU_EVENTS, &ev);
}

int fv_step_over(struct vcpu *cpu, struct kvm_regs *regs, unsigned len)
{
    regs->rip += len;
    cpu->run->kvm_dirty_regs &= ~(uint64_t)KVM_SYNC_X86_REGS; /* ours win */
    return ioctl(cpu->fd, KVM_SET_REGS, regs);
}

/* fwait is a no-op unless an unmasked x87 exception is pending (then it
 * would raise #MF, which we leave to the report). */
static bool fwait_is_nop(struct vcpu *cpu)
{
    struct kvm_fpu fpu;
    return ioctl(cpu->fd, KVM_GET_FPU, &fpu) == 0 && !(fpu.fsw & X87_FSW_ES);
}

static atomic_ulong *counter(struct fv_machine *m, enum fv_insn_fix fix)
{
    switch (fix) {
    case FV_FIX_INT3: return &m->stats.emul_int3;
    case FV_FIX_CLAC: return &m->stats.emul_clac;
    case FV_FIX_STAC: return &m->stats.emul_stac;
    default: return &m->stats.emul_fwait;
    }
}

/* Completes the instruction: RIP past it (a #BP is a trap, so the frame
 * holds the next RIP, as Linux's int3 handler expects), then its effect. */
static int apply_fix(struct fv_machine *m, struct vcpu *cpu, struct kvm_regs *regs,
                     enum fv_insn_fix fix, unsigned len)
{
    if (fix == FV_FIX_FWAIT && !fwait_is_nop(cpu))
        return -1;
    if (fix == FV_FIX_CLAC)
        regs->rflags &= ~X86_RFLAGS_AC;
    if (fix == FV_FIX_STAC)
        regs->rflags |= X86_RFLAGS_AC;
    if (fv_step_over(cpu, regs, len) < 0)
        return -1;
    if (fix == FV_FIX_INT3 && fv_inject_exception(cpu, X86_BP_VECTOR, false, 0) < 0)
        return -1;
    atomic_fetch_add(counter(m, fix), 1);
    return 0;
}

/* ldmxcsr/stmxcsr. KVM may hand over fewer bytes than the instruction
 * has; then they are read again from memory (n and b updated for the report). */
static int try_mxcsr(struct fv_machine *m, struct vcpu *cpu, struct kvm_regs *regs, uint8_t *b,
                     size_t *n)
{
    if (cpu->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION)
        return -1;
    struct fv_insn_mxcsr in;
    enum fv_decode d = fv_insn_decode_mxcsr(b, *n, &in);
    if (d == FV_DECODE_SHORT) {
        uint8_t again[INSN_MAX];
        size_t got = memory_bytes(m, cpu, regs->rip, again);
        if (got > *n && !memcmp(again, b, *n)) { /* the same instruction, longer */
            memcpy(b, again, got);
            *n = got;
            d = fv_insn_decode_mxcsr(b, *n, &in);
        }
    }
    return d == FV_DECODE_OK ? fv_mxcsr_complete(m, cpu, regs, &in) : -1;
}

static void write_report(struct fv_machine *m, struct vcpu *cpu, unsigned idx, uint64_t rip,
                         const uint8_t *b, size_t n, char *report, size_t len)
{
    char hex[3 * INSN_MAX + 1] = "", done[128];
    for (size_t i = 0, at = 0; i < n; i++)
        at += (size_t)snprintf(hex + at, sizeof hex - at, "%s%02x", i ? " " : "", b[i]);
    const char *mn = fv_insn_mnemonic(b, n);
    fv_stats_emulated(&m->stats, done, sizeof done);
    if (cpu->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION) {
        snprintf(report, len,
                 "guest stopped: vCPU %u at RIP %#llx: KVM internal error, suberror %u "
                 "(bytes at RIP: %s); mica completed so far: %s\n",
                 idx, (unsigned long long)rip, cpu->run->internal.suberror, n ? hex : "unreadable", done);
        return;
    }
    snprintf(report, len,
             "guest stopped: vCPU %u at RIP %#llx: the host cannot emulate %s%s%s (bytes at RIP: %s); "
             "try: %s; mica completed so far: %s\n",
             idx, (unsigned long long)rip, mn ? "`" : "an unknown instruction", mn ? mn : "",
             mn ? "`" : "", n ? hex : "unreadable", fv_insn_hint(mn), done);
}

int fv_emulate_internal_error(struct fv_machine *m, struct vcpu *cpu, unsigned index, char *report,
                              size_t len)
{
    struct kvm_regs regs;
    if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0) {
        snprintf(report, len, "guest stopped: KVM internal error %u and KVM_GET_REGS failed: %s\n",
                 cpu->run->internal.suberror, strerror(errno));
        return -1;
    }
    uint8_t b[INSN_MAX];
    size_t n = fetch_bytes(m, cpu, regs.rip, b);
    unsigned ilen = 0;
    enum fv_insn_fix fix = cpu->run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
                               ? fv_insn_fix_for(b, n, &ilen) : FV_FIX_NONE;
    if (fix != FV_FIX_NONE && apply_fix(m, cpu, &regs, fix, ilen) == 0)
        return 0;
    if (fix == FV_FIX_NONE && try_mxcsr(m, cpu, &regs, b, &n) == 0)
        return 0;
    write_report(m, cpu, index, regs.rip, b, n, report, len);
    return -1;
}
