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

/* The start_info page the hypervisor gave this guest. */
extern const struct mica_start_info *mica_start;

/* Raw hypercall: number and up to three arguments; negative = -MICA_E*. */
long mica_hypercall(unsigned nr, uint64_t a, uint64_t b, uint64_t c);

/* ---- lifecycle ---- */
__attribute__((noreturn)) void mica_exit(int code);
long mica_yield(void);

/* ---- console ---- */
/* Output through the shared ring (one doorbell kick per batch at most). */
void mica_console_put(const char *s, size_t n);
/* Output straight through a hypercall (early, or when the ring is broken). */
long mica_console_write(const void *buf, size_t len);
/* Input: a byte, MICA_NO_INPUT when none is there yet, MICA_EOF at its end. */
#define MICA_NO_INPUT (-1)
#define MICA_EOF (-2)
int mica_console_getc(void);
/* Blocks until a byte or the end of input. */
int mica_console_getc_wait(void);
/* Input through the hypercall instead of the ring (non-blocking). */
long mica_console_read(void *buf, size_t len);

/* ---- time (ns) ---- */
uint64_t mica_time_monotonic(void);
uint64_t mica_time_wall(void);     /* since the Unix epoch */
uint64_t mica_time_run(void);      /* this VM's own CPU time: its virtual time */
void mica_sleep_ns(uint64_t ns);

/* ---- events ---- */
/* Atomically takes (and clears) the pending, unmasked events. */
uint64_t mica_events_take(void);
/* Blocks until an event is pending or the monotonic deadline (0 = none). */
long mica_block(uint64_t deadline_ns);
/* The same, waking only for the ports in the mask (1 << MICA_EVT_*). */
long mica_block_on(uint64_t deadline_ns, uint64_t ports);

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
