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
#include "mica/event.h"
#include "mica/grant.h"

/* The start_info page the hypervisor gave this guest (start_info.c). */
extern const struct mica_start_info *mica_start;
/* The environment the host gave (`mica run --env`, an OCI config's
 * process.env): the value of NAME, or NULL. Read from start_info, where
 * NAME=VALUE strings follow the argc argument strings. */
const char *mica_getenv(const char *name);
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
/* Extra ports the console's input wait also wakes for, and what it calls
 * after such a wake (the balloon driver sets both; 0/NULL by default). */
extern uint64_t mica_wait_ports;
extern long (*mica_wait_hook)(void);
/* MICA_HC_BLOCK alone, for what sits below the console (its own waits). */
long mica_events_block(uint64_t deadline_ns, uint64_t ports);

/* ---- event channels (mica/event.h): a port, or -MICA_E* ---- */
/* A port that remote_dom (a VM's id, or MICA_DOMID_MICA for a back end)
 * may bind; tell it the port out of band. */
long mica_evtchn_alloc_unbound(mica_domid_t remote_dom);
/* A port joined to remote_dom's port, allocated unbound for this VM. */
long mica_evtchn_bind_interdomain(mica_domid_t remote_dom, mica_port_t remote_port);
long mica_evtchn_bind_virq(enum mica_virq virq);
/* 0 or -MICA_E*. Unmask wakes this VM's blocked vCPU if the port was
 * pending meanwhile. */
long mica_evtchn_send(mica_port_t port);
long mica_evtchn_mask(mica_port_t port);
long mica_evtchn_unmask(mica_port_t port);
long mica_evtchn_close(mica_port_t port);
long mica_evtchn_status(mica_port_t port, struct mica_evtchn_status *out);
/* Atomically takes (clears) the port's pending bit: whether it was set.
 * Wait for any port with mica_block (ports 64 and up need the mask 0). */
int mica_evtchn_take(mica_port_t port);

/* ---- grant tables (mica/grant.h) ---- */
/* Grants frame (this VM's guest-physical frame number) to domid: a
 * reference, or -MICA_E*. */
long mica_gnttab_grant(mica_domid_t domid, uint64_t frame, int readonly);
/* 0, or -MICA_EBUSY while a back end uses the grant: try again later. */
long mica_gnttab_revoke(mica_grant_ref_t ref);
/* Grant copy from / to the frame granter granted this VM as ref. */
long mica_gnttab_copy_from(mica_domid_t granter, mica_grant_ref_t ref, uint32_t offset, void *buf,
                           uint32_t len);
long mica_gnttab_copy_to(mica_domid_t granter, mica_grant_ref_t ref, uint32_t offset,
                         const void *buf, uint32_t len);

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
/* ---- the balloon (mica/memory.h) ---- */
/* MICA_HC_MEMORY_OP(cmd, frames[count]): 0 or -MICA_E*. */
long mica_memory_op(unsigned cmd, const uint64_t *frames, uint32_t count);
/* Binds MICA_VIRQ_BALLOON and follows mica's target from then on, in the
 * console's input wait; then follows it once now. Steps taken or -MICA_E*. */
long mica_balloon_start(void);
/* Inflates or deflates toward the target now (bounded; stops at what the
 * heap can give). Chunks moved. */
long mica_balloon_follow(void);
/* Pages of 4 KiB: held now, mica's target, the maximum. */
uint64_t mica_balloon_current(void);
uint64_t mica_balloon_target(void);
uint64_t mica_balloon_max(void);

#endif
