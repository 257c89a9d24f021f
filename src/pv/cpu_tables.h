/*
 * The x86 machinery of a PV domain that only the hypervisor writes: GDT,
 * TSS, IDT, the CPL0 trampoline, the hypercall page, and the vCPU's initial
 * state (64-bit, paging on, CPL3).
 */
#ifndef MICA_PV_CPU_TABLES_H
#define MICA_PV_CPU_TABLES_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "pv/layout.h"
#include "vmm/guest_mem.h"

/* Writes GDT, TSS, IDT, trampoline and hypercall page into the hv area;
 * with the in-guest supervisor, the hypercall stubs enter it by `syscall`
 * (see the supervisor in trampoline.S), else they trap with `ud2`. */
void pv_cpu_tables_write(struct guest_mem *hv, bool supervisor);

/* Initial segment and control registers: long mode, CPL3 (and EFER.SCE
 * with the supervisor). */
void pv_cpu_initial_sregs(struct kvm_sregs *s, bool supervisor);

/* The exception vector whose trampoline stub exited at rip (the rip after
 * its `out`), or -1; and whether the CPU pushed an error code for it. */
int pv_vector_at(mica_gva_t rip);
bool pv_vector_has_error_code(unsigned vector);

/* The hypercall number whose `ud2` sits at rip in the hypercall page, or
 * -1 when rip is not such an instruction (a real #UD). */
int pv_hypercall_at(mica_gva_t rip);

/* Hypervisor virtual addresses inside the trampoline page. */
mica_gva_t pv_tramp_va_pte_write(void);
mica_gva_t pv_tramp_va_pte_batch(void); /* rcx: struct pv_pte_write[r11] */
mica_gva_t pv_tramp_va_iret(void);
mica_gva_t pv_tramp_va_syscall(void);
mica_gva_t pv_tramp_va_vectors(void); /* vector 0's stub; 16 bytes each */

/* The MSRs that point `syscall` at the supervisor's entry, or without it
 * at pv_tramp_syscall (then mica guests must not use it; without these
 * MSRs it jumps to address 0 on kvm_pvm). */
#define PV_SYSCALL_MSRS 3
struct pv_msr {
    uint32_t index;
    uint64_t value;
};
void pv_cpu_syscall_msrs(struct pv_msr msrs[PV_SYSCALL_MSRS], bool supervisor);

/* The rflags a guest may set: arithmetic flags, DF and AC; IF always on,
 * IOPL 0, no trap flag. */
uint64_t pv_user_rflags(uint64_t wanted);

/* Offset of the iret frame on the CPL0 stack when the trampoline exits. */
mica_gva_t pv_stack0_top_va(void);

#endif
