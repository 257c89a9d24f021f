/*
 * libmica: what a guest built with the mica guest kit can call. Freestanding,
 * no libc; string, format and malloc functions are in their own headers
 * (all included by <mica/mica.h>).
 */
#ifndef MICA_KIT_H
#define MICA_KIT_H

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"

/* The start_info page the hypervisor gave this guest (start_info.c). */
extern const struct mica_start_info *mica_start;
/* Its hypercall page's address, which mica_hypercall jumps into. */
extern uint64_t mica_hypercall_page;

/* Raw hypercall: number and up to three arguments; negative = -MICA_E*. */
long mica_hypercall(unsigned nr, uint64_t a, uint64_t b, uint64_t c);

/* ---- lifecycle ---- */
__attribute__((noreturn)) void mica_exit(int code);
long mica_yield(void);

/* ---- time (ns) ---- */
uint64_t mica_time_monotonic(void);
uint64_t mica_time_wall(void);     /* since the Unix epoch */
uint64_t mica_time_run(void);      /* this VM's own CPU time: its virtual time */
void mica_sleep_ns(uint64_t ns);

/* ---- events ---- */
/* Atomically takes (and clears) the pending, unmasked events. */
uint64_t mica_events_take(void);
/* Blocks until an event is pending or the monotonic deadline (0 = none),
 * after telling the host about all console output. */
long mica_block(uint64_t deadline_ns);
/* The same, waking only for the ports in the mask (MICA_PORT_BIT(port)). */
long mica_block_on(uint64_t deadline_ns, uint64_t ports);
/* MICA_HC_BLOCK alone, for what sits below the console (its own waits). */
long mica_events_block(uint64_t deadline_ns, uint64_t ports);

/* ---- traps ---- */
typedef void (*mica_trap_handler)(struct mica_trap_frame *frame);
/* Registers (or with NULL removes) the handler of an exception vector. When
 * the handler returns, the frame (which it may edit) is resumed. */
long mica_trap_register(unsigned vector, mica_trap_handler handler);
__attribute__((noreturn)) void mica_trap_resume(struct mica_trap_frame *frame);

/* ---- memory ---- */
/* Maps frame `frame` of this guest's RAM at va with MICA_MMU_* flags (no
 * MICA_MMU_PRESENT unmaps); 0 or -MICA_E*. */
long mica_mmu_update(mica_gva_t va, uint64_t frame, unsigned flags);

#endif
