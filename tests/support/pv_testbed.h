/*
 * A PV domain without KVM, for unit tests and fuzzers of the hypercall and
 * trap paths: real RAM, hypervisor area, page tables, trampoline tables,
 * start_info, shared_info and console; no VM or vCPU file descriptors.
 * Header-only so fuzz targets (which link src/ only) can use it too.
 */
#ifndef MICA_TESTS_PV_TESTBED_H
#define MICA_TESTS_PV_TESTBED_H

#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "pv/cpu_tables.h"
#include "pv/domain.h"
#include "pv/hypercall.h"
#include "pv/trap.h"

static char testbed_output[1 << 17];
static size_t testbed_output_len;

static void testbed_sink(void *ctx, const char *buf, size_t len)
{
    (void)ctx;
    if (len > sizeof testbed_output - testbed_output_len)
        len = sizeof testbed_output - testbed_output_len;
    memcpy(testbed_output + testbed_output_len, buf, len);
    testbed_output_len += len;
}

static struct pv_domain *testbed_domain(uint64_t mem_mib)
{
    struct pv_domain *d = calloc(1, sizeof *d);
    if (!d)
        abort();
    d->vm.fd = d->doorbell_fd = -1;
    strcpy(d->name, "testbed");
    pv_layout_init(&d->layout, mem_mib << 20);
    if (guest_mem_alloc(&d->ram, 0, d->layout.ram_bytes) < 0 ||
        guest_mem_alloc(&d->hv, PV_HV_GPA, d->layout.hv_bytes) < 0)
        abort();
    d->mmu = (struct pv_mmu){.layout = &d->layout, .ram = &d->ram, .hv = &d->hv};
    pv_pt_build(&d->mmu);
    pv_cpu_tables_write(&d->hv);
    d->start_info = guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_START_INFO), PV_PAGE);
    d->shared = guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_SHARED_INFO), PV_PAGE);
    pvio_console_init(&d->console, testbed_sink, NULL);
    if (pv_domain_attach(d, &d->console.base, PV_PG_CONSOLE, 2, MICA_EVT_CONSOLE, NULL, 0) < 0)
        abort();
    d->vcpu_count = 1;
    if (pv_vcpu_init(&d->vcpus[0], d, 0, NULL, 0) < 0)
        abort();
    testbed_output_len = 0;
    return d;
}

/* The CPU state as the trampoline leaves it on an exception exit: rip just
 * past the vector's `out`, the error code (if the vector has one) and the
 * iret frame on the CPL0 stack. */
static inline void testbed_exception(struct pv_domain *d, struct kvm_regs *r, unsigned vec, uint64_t err,
                              const struct pv_iret_frame *f)
{
    bool has_err = pv_vector_has_error_code(vec);
    uint64_t words = has_err ? 6 : 5;
    r->rsp = pv_stack0_top_va() - words * 8;
    uint64_t *w = pv_stack0_at(d, r->rsp, (unsigned)words);
    if (has_err)
        w[0] = err;
    memcpy(&w[has_err], f, sizeof *f);
    uint64_t first_stub = pv_hv_va(PV_PG_TRAMPOLINE * PV_PAGE);
    for (uint64_t rip = first_stub; rip < first_stub + PV_PAGE; rip++)
        if (pv_vector_at(rip) == (int)vec) {
            r->rip = rip;
            return;
        }
    r->rip = 0; /* no such vector: the exit looks corrupt */
}

#endif
