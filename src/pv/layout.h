/*
 * Where everything of a PV domain lives, in guest-physical and guest-virtual
 * terms. RAM is slot 0 at GPA 0; the hypervisor area is slot 1 at HV_GPA and
 * holds the special pages the guest sees (start_info ... console ring) and,
 * supervisor-only, the descriptor tables, trampoline, CPL0 stack and every
 * page table. Page tables are never in RAM, so no mapping a guest can ask for
 * can ever reach them.
 */
#ifndef MICA_PV_LAYOUT_H
#define MICA_PV_LAYOUT_H

#include <stdint.h>

#include "mica/abi.h"

#define PV_PAGE 4096ull
#define PV_HV_GPA 0x4000000000ull                 /* 256 GiB, above any RAM */
#define PV_DOORBELL_GPA (PV_HV_GPA - PV_PAGE)     /* in no memslot: MMIO    */
#define PV_HV_VA 0xffffff8000000000ull            /* PML4 slot 511          */

/* Page indices inside the hypervisor area. */
enum pv_hv_page {
    PV_PG_START_INFO = 0,
    PV_PG_SHARED_INFO = 1,
    PV_PG_HYPERCALL = 2,
    PV_PG_CONSOLE = 3, /* two pages */
    PV_PG_GDT = 5,     /* GDT, then the TSS at PV_TSS_OFFSET */
    PV_PG_IDT = 6,
    PV_PG_TRAMPOLINE = 7,
    PV_PG_STACK0 = 8,  /* CPL0 stack: two pages, top at PV_PG_PML4 */
    PV_PG_PML4 = 10,
    PV_PG_PDPT_USER = 11,
    PV_PG_PDPT_SPECIAL = 12,
    PV_PG_PD_SPECIAL = 13,
    PV_PG_PT_SPECIAL = 14,
    PV_PG_PDPT_HV = 15,
    PV_PG_PD_HV = 16,
    PV_PG_SUPERVISOR = 17, /* the in-guest supervisor: code, then its state */
    PV_PG_PTE_BATCH = 17 + 4, /* two pages, after the supervisor's four: one balloon call's PTE writes */
    PV_PG_USER_PD = 17 + 4 + 2, /* then the user PDs and PTs, see struct pv_layout */
};
#define PV_SV_CODE_PAGES 3
#define PV_PG_SV_STATE (PV_PG_SUPERVISOR + PV_SV_CODE_PAGES) /* struct pv_sv_state */
#define PV_TSS_OFFSET 0x800u
#define PV_PTE_BATCH_PAGES 2
/* One queued page-table write of the batch trampoline: (entry's hv va, value). */
struct pv_pte_write {
    mica_gva_t pte_va;
    uint64_t value;
};
#define PV_PTE_BATCH_MAX (PV_PTE_BATCH_PAGES * PV_PAGE / sizeof(struct pv_pte_write))
#define PV_SPECIAL_PAGES 6 /* start_info .. console (2) .. doorbell */
#define PV_DOORBELL_VA (MICA_SPECIAL_VA + 5 * PV_PAGE)

/* Selectors; the GDT is built to match in cpu_tables.c. */
#define PV_SEL_KCODE 0x08
#define PV_SEL_KDATA 0x10
#define PV_SEL_UDATA (0x18 | 3)
#define PV_SEL_UCODE (0x20 | 3)
#define PV_SEL_TSS 0x28

/* Whether the CPU pushes an error code for exception vector v: one mask
 * for mica (cpu_tables.c) and the in-guest supervisor (sv_fault.c). */
static inline int pv_vector_pushes_error(uint64_t v)
{
    return v < 32 && ((1u << v) & ((1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) |
                                   (1u << 14) | (1u << 17) | (1u << 21) | (1u << 29) | (1u << 30)));
}

/* Ports the trampoline uses to exit to mica (only CPL0 may do port I/O). */
#define PV_PORT_EXCEPTION 0xe1
#define PV_PORT_SYSCALL 0xe2
#define PV_PORT_SUPERVISOR 0xe3 /* the supervisor hands a hypercall to mica */

struct pv_layout {
    uint64_t ram_bytes;
    uint64_t window_bytes;  /* user VAs [0, window) are backed by PTs      */
    uint64_t user_pds;      /* one per GiB of window                        */
    uint64_t user_pts;      /* one per 2 MiB of window                      */
    uint64_t first_user_pt; /* hv page index of the first user PT           */
    uint64_t hv_pages;
    uint64_t hv_bytes;      /* a multiple of 2 MiB (mapped with large pages) */
};

/* Computes the layout for a RAM size (bytes, a multiple of 2 MiB). */
void pv_layout_init(struct pv_layout *l, uint64_t ram_bytes);

static inline mica_gpa_t pv_hv_gpa(enum pv_hv_page pg) { return PV_HV_GPA + (uint64_t)pg * PV_PAGE; }
static inline mica_gva_t pv_hv_va(uint64_t offset) { return PV_HV_VA + offset; }
static inline mica_gva_t pv_special_va(enum pv_hv_page pg) { return MICA_SPECIAL_VA + (uint64_t)pg * PV_PAGE; }

#endif
