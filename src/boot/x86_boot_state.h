/*
 * The CPU state the Linux boot protocol's 64-bit entry expects, as plain
 * data: long mode, paging on with an identity map of the first 4 GiB, a GDT
 * with flat __BOOT_CS (0x10) and __BOOT_DS (0x18), interrupts off,
 * RSI = the zero page, RIP = startup_64. x86_boot_state_build() writes the
 * page tables and GDT into guest RAM and fills the struct; the VMM applies
 * it with linux_setup_vcpu() (KVM_SET_SREGS / KVM_SET_REGS / KVM_SET_FPU).
 */
#ifndef MICA_BOOT_X86_BOOT_STATE_H
#define MICA_BOOT_X86_BOOT_STATE_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/guest_mem.h"

#define X86_BOOT_CS  0x10 /* __BOOT_CS */
#define X86_BOOT_DS  0x18 /* __BOOT_DS */
#define X86_BOOT_TSS 0x20

#define X86_CR0_PE   (1ull << 0)
#define X86_CR0_ET   (1ull << 4)
#define X86_CR0_NE   (1ull << 5)
#define X86_CR0_PG   (1ull << 31)
#define X86_CR4_PAE  (1ull << 5)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)

struct x86_boot_state {
    struct kvm_regs regs;          /* complete: applied as is */
    /* The fields of kvm_sregs we set; the rest (APIC base, ...) are kept. */
    struct kvm_segment cs, ds, es, fs, gs, ss, tr, ldt;
    struct kvm_dtable gdt, idt;
    uint64_t cr0, cr3, cr4, efer;
};

/* Page tables identity-mapping [0, 4 GiB) with 2 MiB pages, or with 1 GiB
 * pages when `gib_pages` (only if the guest CPU has PDPE1GB), and the GDT. */
int x86_boot_state_build(const struct guest_mem *mem, uint64_t entry, uint64_t boot_params_gpa,
                         bool gib_pages, struct x86_boot_state *st, char *err, size_t errlen);

/* Copies the boot state over `sregs` (as read by KVM_GET_SREGS). */
void x86_boot_state_to_sregs(const struct x86_boot_state *st, struct kvm_sregs *sregs);

#endif
