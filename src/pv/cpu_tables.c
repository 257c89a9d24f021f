#include "pv/cpu_tables.h"

#include <string.h>

#include "mica/abi.h"
#include "pv/sv_state.h"

extern const uint8_t pv_tramp_start[], pv_tramp_end[];
extern const uint8_t pv_tramp_pte_batch[], pv_tramp_pte_write[], pv_tramp_iret[], pv_tramp_syscall[], pv_tramp_vectors[];
extern const uint8_t pv_tramp_hc_stub[], pv_tramp_hc_stub_end[];
extern const uint8_t pv_tramp_sv_stub[], pv_tramp_sv_stub_end[];

#define TRAMP_VA pv_hv_va(PV_PG_TRAMPOLINE * PV_PAGE)
#define TSS_VA pv_hv_va(PV_PG_GDT * PV_PAGE + PV_TSS_OFFSET)
#define TSS_LIMIT 0x67u
#define VECTOR_STUB_SIZE 16
#define HC_STUB_UD2_OFFSET 5 /* after `mov $nr, %eax` */

static uint64_t tramp_va(const uint8_t *label) { return TRAMP_VA + (uint64_t)(label - pv_tramp_start); }

uint64_t pv_user_rflags(uint64_t wanted) { return pv_rflags_for_user(wanted); }

mica_gva_t pv_tramp_va_pte_write(void) { return tramp_va(pv_tramp_pte_write); }
mica_gva_t pv_tramp_va_pte_batch(void) { return tramp_va(pv_tramp_pte_batch); }
mica_gva_t pv_tramp_va_iret(void) { return tramp_va(pv_tramp_iret); }
mica_gva_t pv_tramp_va_syscall(void) { return tramp_va(pv_tramp_syscall); }

void pv_cpu_syscall_msrs(struct pv_msr msrs[PV_SYSCALL_MSRS], bool supervisor)
{
    /* STAR: kernel CS 0x08, SS 0x10; user CS 0x23, SS 0x1b (base 0x10).
     * FMASK clears IF, TF, DF and AC. */
    msrs[0] = (struct pv_msr){0xc0000081, (uint64_t)0x10 << 48 | (uint64_t)PV_SEL_KCODE << 32};
    msrs[1] = (struct pv_msr){0xc0000082, supervisor ? PV_SV_ENTRY_VA : tramp_va(pv_tramp_syscall)};
    msrs[2] = (struct pv_msr){0xc0000084, 0x40700};
}
mica_gva_t pv_stack0_top_va(void) { return pv_hv_va(PV_PG_PML4 * PV_PAGE); }

static void *hv_page(struct guest_mem *hv, enum pv_hv_page pg)
{
    return guest_mem_ptr(hv, pv_hv_gpa(pg), PV_PAGE);
}

static void write_gdt_and_tss(struct guest_mem *hv)
{
    uint64_t *gdt = hv_page(hv, PV_PG_GDT);
    gdt[0] = 0;
    gdt[PV_SEL_KCODE >> 3] = 0x00af9a000000ffffull; /* 64-bit code, DPL0 */
    gdt[PV_SEL_KDATA >> 3] = 0x00cf92000000ffffull; /* data, DPL0        */
    gdt[PV_SEL_UDATA >> 3] = 0x00cff2000000ffffull; /* data, DPL3        */
    gdt[PV_SEL_UCODE >> 3] = 0x00affa000000ffffull; /* 64-bit code, DPL3 */
    uint64_t base = TSS_VA;
    gdt[PV_SEL_TSS >> 3] = TSS_LIMIT | (base & 0xffffff) << 16 | 0x8bull << 40 |
                           ((base >> 24) & 0xff) << 56;
    gdt[(PV_SEL_TSS >> 3) + 1] = base >> 32;

    uint8_t *tss = (uint8_t *)gdt + PV_TSS_OFFSET;
    memset(tss, 0, TSS_LIMIT + 1);
    uint64_t rsp0 = pv_stack0_top_va();
    memcpy(tss + 4, &rsp0, sizeof rsp0);
    uint16_t no_io_bitmap = TSS_LIMIT + 1; /* every port faults at CPL3 */
    memcpy(tss + 0x66, &no_io_bitmap, sizeof no_io_bitmap);
}

static void set_gate(uint64_t *idt, unsigned vector, uint64_t handler, unsigned dpl)
{
    idt[vector * 2] = (handler & 0xffff) | (uint64_t)PV_SEL_KCODE << 16 |
                      (uint64_t)(0x8e | dpl << 5) << 40 | ((handler >> 16) & 0xffff) << 48;
    idt[vector * 2 + 1] = handler >> 32;
}

/* Vectors that always go straight to mica: NMI, double fault and machine
 * check are never the guest's to handle. */
static bool sv_takes_vector(unsigned v) { return v != 2 && v != 8 && v != 18; }

static void write_idt(struct guest_mem *hv, bool supervisor)
{
    uint64_t *idt = hv_page(hv, PV_PG_IDT);
    memset(idt, 0, PV_PAGE);
    /* Exception gates are DPL0, so `int N` from the guest is a #GP. With
     * the supervisor, faults enter it first (it bounces them to the guest's
     * handlers or hands them on to the trampoline's stubs). */
    for (unsigned v = 0; v < MICA_TRAP_VECTORS; v++) {
        uint64_t to = supervisor && sv_takes_vector(v)
                          ? PV_SV_ENTRY_VA + PV_SV_VECTORS_OFFSET + v * PV_SV_VECTOR_STUB
                          : tramp_va(pv_tramp_vectors) + v * VECTOR_STUB_SIZE;
        set_gate(idt, v, to, 0);
    }
}

mica_gva_t pv_tramp_va_vectors(void) { return tramp_va(pv_tramp_vectors); }

static void write_hypercall_page(struct guest_mem *hv, bool supervisor)
{
    uint8_t *page = hv_page(hv, PV_PG_HYPERCALL);
    const uint8_t *tmpl = supervisor ? pv_tramp_sv_stub : pv_tramp_hc_stub;
    size_t stub = supervisor ? (size_t)(pv_tramp_sv_stub_end - pv_tramp_sv_stub)
                             : (size_t)(pv_tramp_hc_stub_end - pv_tramp_hc_stub);
    memset(page, 0xcc, PV_PAGE); /* int3 between stubs */
    /* Every slot gets a stub, so an unknown number is -MICA_ENOSYS. */
    for (uint32_t nr = 0; nr < PV_PAGE / MICA_HC_STUB_SIZE; nr++) {
        uint8_t *at = page + nr * MICA_HC_STUB_SIZE;
        memcpy(at, tmpl, stub);
        memcpy(at + 1, &nr, sizeof nr); /* imm32 of `mov $imm, %eax` */
    }
}

int pv_vector_at(mica_gva_t rip)
{
    /* kvm_pvm reports rip past the 2-byte `out`; KVM on VT-x/AMD-V may
     * report it at the `out` itself. Either is a stub's exit. */
    uint64_t first = tramp_va(pv_tramp_vectors);
    if (rip < first)
        return -1;
    uint64_t v = (rip - first) / VECTOR_STUB_SIZE, off = (rip - first) % VECTOR_STUB_SIZE;
    return v < MICA_TRAP_VECTORS && (off == 0 || off == 2) ? (int)v : -1;
}

bool pv_vector_has_error_code(unsigned v) { return pv_vector_pushes_error(v); }

int pv_hypercall_at(mica_gva_t rip)
{
    uint64_t page = pv_special_va(PV_PG_HYPERCALL);
    if (rip < page || rip >= page + PV_PAGE)
        return -1;
    uint64_t off = rip - page;
    return off % MICA_HC_STUB_SIZE == HC_STUB_UD2_OFFSET ? (int)(off / MICA_HC_STUB_SIZE) : -1;
}

void pv_cpu_tables_write(struct guest_mem *hv, bool supervisor)
{
    write_gdt_and_tss(hv);
    write_idt(hv, supervisor);
    memcpy(hv_page(hv, PV_PG_TRAMPOLINE), pv_tramp_start, (size_t)(pv_tramp_end - pv_tramp_start));
    write_hypercall_page(hv, supervisor);
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, int code)
{
    return (struct kvm_segment){
        .base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
        .present = 1, .dpl = selector & 3, .db = !code, .s = 1, .l = code, .g = 1,
    };
}

void pv_cpu_initial_sregs(struct kvm_sregs *s, bool supervisor)
{
    s->cs = flat_segment(PV_SEL_UCODE, 0xb, 1);
    s->ss = flat_segment(PV_SEL_UDATA, 0x3, 0);
    s->ds = s->es = s->fs = s->gs = s->ss;
    s->tr = (struct kvm_segment){.base = TSS_VA, .limit = TSS_LIMIT, .selector = PV_SEL_TSS,
                                 .type = 0xb, .present = 1};
    s->ldt = (struct kvm_segment){.type = 0x2, .present = 1, .unusable = 1};
    s->gdt.base = pv_hv_va(PV_PG_GDT * PV_PAGE);
    s->gdt.limit = 0x37;
    s->idt.base = pv_hv_va(PV_PG_IDT * PV_PAGE);
    s->idt.limit = 256 * 16 - 1;
    s->cr3 = pv_hv_gpa(PV_PG_PML4);
    s->cr4 = 0x620;      /* PAE, OSFXSR, OSXMMEXCPT: SSE works at CPL3     */
    s->cr0 = 0x80050033; /* PG, AM, WP, NE, ET, MP, PE                      */
    s->efer = 0xd00;     /* NXE, LMA, LME                                   */
    if (supervisor)
        s->efer |= 0x1;  /* SCE: hypercall stubs enter it with `syscall`    */
}
