/*
 * A PV vCPU's saved state: its host half (trap table, the ports its last
 * block waited for) and its KVM half (registers, with KVM_CAP_SYNC_REGS'
 * copy when it is newer; segment and control registers; FPU and XSAVE; the
 * MSRs a PV guest can change; pending events). Captured while the vCPU is
 * paused, encoded into a snapshot section, decoded with checks, applied to
 * a fresh vCPU of a restored domain.
 */
#ifndef MICA_PV_VCPU_STATE_H
#define MICA_PV_VCPU_STATE_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pv/vcpu.h"

#define PV_VCPU_SAVED_MSRS 10

struct pv_vcpu_state {
    mica_gva_t trap_table[MICA_TRAP_VECTORS];
    uint64_t wait_ports;
    bool has_kvm; /* false for a vCPU that never had a KVM half (tests) */
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    uint32_t xsave[1024]; /* struct kvm_xsave's fixed part (its region) */
    struct kvm_xcrs xcrs;
    struct kvm_vcpu_events events;
    uint32_t msr_count;
    struct kvm_msr_entry msrs[PV_VCPU_SAVED_MSRS];
};

/* Reads v's state (its KVM half through ioctls, when it has one). 0, or -1
 * with one line in err. */
int pv_vcpu_capture(struct pv_vcpu *v, struct pv_vcpu_state *s, char *err, size_t errlen);

/* The state as bytes into buf when it fits in len; returns the bytes. */
size_t pv_vcpu_state_encode(const struct pv_vcpu_state *s, void *buf, size_t len);

/* Hostile bytes written by encode into *s, checked against the PV layout
 * (page tables, descriptor tables, selectors, trap handlers, MSRs). 0, or
 * -1 with one line in err. */
int pv_vcpu_state_decode(struct pv_vcpu_state *s, const void *buf, size_t len, char *err,
                         size_t errlen);

/* Gives v the state: the host half always, the KVM half when both have
 * one. 0, or -1 with one line in err. */
int pv_vcpu_apply(struct pv_vcpu *v, const struct pv_vcpu_state *s, char *err, size_t errlen);

#endif
