#include "boot/x86_boot_state.h"

#include <errno.h>
#include <string.h>

#include "boot/x86_layout.h"
#include "util/errmsg.h"

#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_PS  (1ull << 7)
#define GIB     (1ull << 30)
#define MIB2    (2ull << 20)

/* GDT descriptors: flat 4 GiB, granularity 4K. 0x9b = present, DPL0,
 * code, execute/read, accessed; 0xa = L (64-bit) + G. 0x93 = data, r/w,
 * accessed; 0xc = D/B + G. 0x8b = present 64-bit busy TSS. */
#define GDT_CODE64 0x00af9b000000ffffull
#define GDT_DATA   0x00cf93000000ffffull
#define GDT_TSS    0x00008b0000000067ull

static int write_page_tables(const struct guest_mem *mem, bool gib_pages)
{
    uint64_t *pml4 = guest_mem_ptr(mem, X86_BOOT_PML4, 4096);
    uint64_t *pdpt = guest_mem_ptr(mem, X86_BOOT_PDPT, 4096);
    uint64_t *pd = guest_mem_ptr(mem, X86_BOOT_PD, 4 * 4096);
    if (!pml4 || !pdpt || !pd)
        return -EINVAL;
    memset(pml4, 0, 4096);
    memset(pdpt, 0, 4096);
    pml4[0] = X86_BOOT_PDPT | PTE_P | PTE_RW;
    for (uint64_t g = 0; g < 4; g++) {
        if (gib_pages) {
            pdpt[g] = g * GIB | PTE_P | PTE_RW | PTE_PS;
            continue;
        }
        pdpt[g] = (X86_BOOT_PD + g * 4096) | PTE_P | PTE_RW;
        for (uint64_t i = 0; i < 512; i++)
            pd[g * 512 + i] = (g * GIB + i * MIB2) | PTE_P | PTE_RW | PTE_PS;
    }
    return 0;
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, bool code64)
{
    struct kvm_segment s = {
        .base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
        .present = 1, .dpl = 0, .db = code64 ? 0 : 1, .s = 1, .l = code64 ? 1 : 0, .g = 1,
    };
    return s;
}

static int write_gdt(const struct guest_mem *mem)
{
    uint64_t gdt[5] = { 0, 0, GDT_CODE64, GDT_DATA, GDT_TSS };
    void *p = guest_mem_ptr(mem, X86_BOOT_GDT, sizeof(gdt));
    if (!p)
        return -EINVAL;
    memcpy(p, gdt, sizeof(gdt));
    return 0;
}

static void fill_registers(struct x86_boot_state *st, uint64_t entry, uint64_t boot_params_gpa)
{
    memset(&st->regs, 0, sizeof(st->regs));
    st->regs.rflags = 0x2; /* reserved bit 1; IF clear */
    st->regs.rip = entry;
    st->regs.rsi = boot_params_gpa;
    st->regs.rsp = X86_BOOT_STACK_TOP;
    st->regs.rbp = X86_BOOT_STACK_TOP;
}

static void fill_system_registers(struct x86_boot_state *st)
{
    st->cs = flat_segment(X86_BOOT_CS, 0xb, true);
    st->ds = flat_segment(X86_BOOT_DS, 0x3, false);
    st->es = st->fs = st->gs = st->ss = st->ds;
    st->tr = (struct kvm_segment){ .base = 0, .limit = 0x67, .selector = X86_BOOT_TSS,
                                   .type = 0xb, .present = 1 };
    st->ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .unusable = 1 };
    st->gdt = (struct kvm_dtable){ .base = X86_BOOT_GDT, .limit = 5 * 8 - 1 };
    st->idt = (struct kvm_dtable){ .base = 0, .limit = 0 };
    st->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG;
    st->cr3 = X86_BOOT_PML4;
    st->cr4 = X86_CR4_PAE;
    st->efer = X86_EFER_LME | X86_EFER_LMA;
}

int x86_boot_state_build(const struct guest_mem *mem, uint64_t entry, uint64_t boot_params_gpa,
                         bool gib_pages, struct x86_boot_state *st, char *err, size_t errlen)
{
    if (write_page_tables(mem, gib_pages) || write_gdt(mem))
        return errmsg(err, errlen, -EINVAL,
                      "boot: guest RAM does not cover the boot page tables at 0x%llx-0x%llx",
                      X86_BOOT_GDT, X86_BOOT_PD + 4 * 4096);
    fill_registers(st, entry, boot_params_gpa);
    fill_system_registers(st);
    return 0;
}

void x86_boot_state_to_sregs(const struct x86_boot_state *st, struct kvm_sregs *s)
{
    s->cs = st->cs;
    s->ds = st->ds;
    s->es = st->es;
    s->fs = st->fs;
    s->gs = st->gs;
    s->ss = st->ss;
    s->tr = st->tr;
    s->ldt = st->ldt;
    s->gdt = st->gdt;
    s->idt = st->idt;
    s->cr0 = st->cr0;
    s->cr3 = st->cr3;
    s->cr4 = st->cr4;
    s->efer = st->efer;
}
