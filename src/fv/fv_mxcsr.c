/* ldmxcsr/stmxcsr for the host's emulator, which refuses them at CPL0 on
 * pvm hosts (Linux's kernel_fpu_begin() runs `ldmxcsr` before kernel SSE
 * code, e.g. while unpacking the initramfs). The operand was decoded by
 * fv_insn_decode_mxcsr(); here it meets the vCPU's registers, page tables
 * and FPU state. Whatever the CPU would do that is not modelled here
 * (#PF, #NM, #UD, a non-canonical address) is refused, so it is reported
 * instead of being done wrong. */
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fv/fv_emulate.h"
#include "fv/fv_machine.h"

#define CR0_EM        (1ull << 2)
#define CR0_TS        (1ull << 3)
#define CR0_WP        (1ull << 16)
#define CR4_OSFXSR    (1ull << 9)
#define CR4_LA57      (1ull << 12)
#define CR4_SMAP      (1ull << 21)
#define EFER_LMA      (1ull << 10)
#define RFLAGS_AC     (1ull << 18)
#define X86_GP_VECTOR 13
#define PAGE_SIZE     4096ull
#define MXCSR_LEN     4

/* The MXCSR bits this CPU implements, from FXSAVE's MXCSR_MASK (0 there
 * means the pre-DAZ default 0xffbf). The guest runs on this very CPU, so a
 * bit reserved here raises #GP(0) in the guest too. */
static uint32_t mxcsr_mask(void)
{
    _Alignas(16) uint8_t area[512];
    memset(area, 0, sizeof area);
    __asm__ volatile("fxsave %0" : "=m"(area));
    uint32_t mask;
    memcpy(&mask, area + 28, sizeof mask);
    return mask ? mask : 0xffbf;
}

/* 64-bit mode with SSE usable: anything else faults in ways not modelled. */
static bool sse_usable_in_long_mode(const struct kvm_sregs *s)
{
    return (s->efer & EFER_LMA) && s->cs.l && !(s->cr0 & (CR0_EM | CR0_TS)) &&
           (s->cr4 & CR4_OSFXSR);
}

static bool canonical(uint64_t la, const struct kvm_sregs *s)
{
    unsigned bits = (s->cr4 & CR4_LA57) ? 57 : 48;
    int64_t top = (int64_t)(la << (64 - bits)) >> (64 - bits);
    return (uint64_t)top == la;
}

/* Would the CPU access this page without #PF? (Present; writable for a
 * store at CPL0 only if CR0.WP allows; user pages at CPL0 only without
 * SMAP or with RFLAGS.AC; supervisor pages never at CPL3.) */
static bool page_ok(const struct kvm_translation *t, const struct kvm_sregs *s, uint64_t rflags,
                    bool write)
{
    unsigned cpl = s->cs.selector & 3;
    if (!t->valid)
        return false;
    if (cpl == 3 && !t->usermode)
        return false;
    if (cpl < 3 && t->usermode && (s->cr4 & CR4_SMAP) && !(rflags & RFLAGS_AC))
        return false;
    if (write && !t->writeable && (cpl == 3 || (s->cr0 & CR0_WP)))
        return false;
    return true;
}

/* Host pointers for each byte of [la, la + MXCSR_LEN), which may span two
 * pages; all are checked before any is used, so a store that would fault
 * on its second page writes nothing (as on the CPU). */
static bool map_operand(struct fv_machine *m, struct vcpu *cpu, const struct kvm_sregs *s,
                        uint64_t rflags, uint64_t la, bool write, uint8_t *p[MXCSR_LEN])
{
    if (!canonical(la, s) || !canonical(la + MXCSR_LEN - 1, s))
        return false;
    for (unsigned i = 0; i < MXCSR_LEN;) {
        uint64_t at = la + i, in_page = PAGE_SIZE - at % PAGE_SIZE;
        unsigned chunk = in_page < MXCSR_LEN - i ? (unsigned)in_page : MXCSR_LEN - i;
        struct kvm_translation t = {.linear_address = at};
        if (ioctl(cpu->fd, KVM_TRANSLATE, &t) < 0 || !page_ok(&t, s, rflags, write))
            return false;
        uint8_t *h = guest_mem_ptr(&m->mem, t.physical_address, chunk);
        if (!h)
            return false;
        for (unsigned j = 0; j < chunk; j++)
            p[i + j] = h + j;
        i += chunk;
    }
    return true;
}

static uint64_t segment_base(const struct fv_mem_operand *op, const struct kvm_sregs *s)
{
    return op->seg == FV_SEG_FS ? s->fs.base : op->seg == FV_SEG_GS ? s->gs.base : 0;
}

static void gprs(const struct kvm_regs *r, uint64_t g[16])
{
    const uint64_t v[16] = {r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
                            r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};
    memcpy(g, v, sizeof v);
}

/* ldmxcsr: #GP(0) for a reserved bit (RIP stays, as for any fault), else
 * MXCSR := m32. */
static int load(struct vcpu *cpu, struct kvm_regs *regs, unsigned len, uint8_t *p[MXCSR_LEN])
{
    uint32_t v = (uint32_t)p[0][0] | (uint32_t)p[1][0] << 8 | (uint32_t)p[2][0] << 16 |
                 (uint32_t)p[3][0] << 24;
    if (v & ~mxcsr_mask())
        return fv_inject_exception(cpu, X86_GP_VECTOR, true, 0);
    struct kvm_fpu fpu;
    if (ioctl(cpu->fd, KVM_GET_FPU, &fpu) < 0)
        return -1;
    fpu.mxcsr = v;
    if (ioctl(cpu->fd, KVM_SET_FPU, &fpu) < 0)
        return -1;
    return fv_step_over(cpu, regs, len);
}

static int store(struct vcpu *cpu, struct kvm_regs *regs, unsigned len, uint8_t *p[MXCSR_LEN])
{
    struct kvm_fpu fpu;
    if (ioctl(cpu->fd, KVM_GET_FPU, &fpu) < 0)
        return -1;
    for (unsigned i = 0; i < MXCSR_LEN; i++)
        p[i][0] = (uint8_t)(fpu.mxcsr >> (8 * i));
    return fv_step_over(cpu, regs, len);
}

int fv_mxcsr_complete(struct fv_machine *m, struct vcpu *cpu, struct kvm_regs *regs,
                      const struct fv_insn_mxcsr *in)
{
    struct kvm_sregs s;
    if (ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0 || !sse_usable_in_long_mode(&s))
        return -1;
    uint64_t g[16];
    gprs(regs, g);
    uint64_t la = segment_base(&in->mem, &s) + fv_mem_operand_ea(&in->mem, g, regs->rip + in->len);
    uint8_t *p[MXCSR_LEN];
    if (!map_operand(m, cpu, &s, regs->rflags, la, in->store, p))
        return -1;
    if ((in->store ? store : load)(cpu, regs, in->len, p) < 0)
        return -1;
    atomic_fetch_add(in->store ? &m->stats.emul_stmxcsr : &m->stats.emul_ldmxcsr, 1);
    return 0;
}
