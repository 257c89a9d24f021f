/*
 * A PV domain without KVM, for unit tests and fuzzers of the hypercall and
 * trap paths. Built by the real construction code (pv_domain_alloc and
 * pv_domain_build_host, the steps pv_domain_create takes before it opens
 * KVM objects): real RAM, hypervisor area, page tables, trampoline tables,
 * start_info, shared_info, the console back end and a vCPU, so the test
 * domain cannot drift from the real one. What needs KVM is faked by its
 * absence: no VM, no vCPU fd (ioctls on it fail), no doorbell, no image
 * bytes (tests write the RAM they need). Destroy with pv_domain_destroy.
 * Header-only so fuzz targets (which link src/ only) can use it too.
 */
#ifndef MICA_TESTS_PV_TESTBED_H
#define MICA_TESTS_PV_TESTBED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    static char *argv[] = {"testbed", NULL};
    struct pv_domain_config cfg = {
        .name = "testbed", .mem_mib = mem_mib, .argc = 1, .argv = argv,
        .console_sink = testbed_sink,
    };
    /* A one-page image at the usual base: its entry is never run. */
    struct pv_image img = {.entry = MICA_IMAGE_BASE, .start = MICA_IMAGE_BASE,
                           .end = MICA_IMAGE_BASE + PV_PAGE};
    struct pv_domain *d;
    char err[256];
    if (pv_domain_alloc(&d, cfg.name, err, sizeof err) < 0 ||
        pv_domain_build_host(d, &cfg, &img, err, sizeof err) < 0) {
        fprintf(stderr, "testbed: %s\n", err);
        abort();
    }
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
