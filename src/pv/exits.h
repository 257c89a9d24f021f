/*
 * What the two ways a PV guest's trampoline comes back to mica (a hypercall,
 * see pv/hypercall.h, and an exception, see pv/trap.h) share: the outcome
 * they decide and the iret frame the CPU pushed on the CPL0 stack.
 */
#ifndef MICA_PV_EXITS_H
#define MICA_PV_EXITS_H

#include <stdint.h>

#include "mica/abi.h"

enum pv_outcome {
    PV_RESUME,  /* back into the guest                          */
    PV_BLOCK,   /* wait for an event or the deadline            */
    PV_YIELD,
    PV_EXIT,    /* the domain's exit_code is set                */
    PV_CRASH,   /* the domain's crash_report is set             */
};

/* What the CPU pushed when it entered CPL0 (and iretq pops). */
struct pv_iret_frame {
    mica_gva_t rip;
    uint64_t cs, rflags;
    mica_gva_t rsp;
    uint64_t ss;
};

#endif
