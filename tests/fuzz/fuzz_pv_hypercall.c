/* libFuzzer: a hostile guest's hypercalls and exceptions. The input sets
 * guest memory bytes, register values, the iret frame and the CPL0 stack
 * words; mica must answer with codes or a crash report, never crash. */
#include <stdint.h>
#include <string.h>

#include "../support/pv_testbed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_call {
    uint8_t kind, nr;
    uint64_t a, b, c, rsp_off;
    struct pv_iret_frame f;
    uint64_t vec, err;
    uint32_t poke_at;
    uint8_t poke[16];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pv_domain *d;
    if (!d)
        d = testbed_domain(2);
    memset(d->ram.host, 0, d->ram.size);
    memset(d->vcpus[0].trap_table, 0, sizeof d->vcpus[0].trap_table);
    pv_pt_build(&d->mmu);
    testbed_output_len = 0;
    struct fuzz_call call;
    while (size >= sizeof call) {
        memcpy(&call, data, sizeof call);
        data += sizeof call;
        size -= sizeof call;
        memcpy(d->ram.host + (call.poke_at % (d->ram.size - sizeof call.poke)), call.poke,
               sizeof call.poke);
        struct kvm_regs r = {.rdi = call.a, .rsi = call.b, .rdx = call.c};
        uint64_t deadline;
        if (call.kind & 1) {
            struct pv_iret_frame f = call.f;
            pv_hypercall(&d->vcpus[0], call.nr, &r, &f, &deadline);
        } else {
            testbed_exception(d, &r, (unsigned)(call.vec % 40), call.err, &call.f);
            r.rsp += call.rsp_off & 0x38;
            r.rip += call.rsp_off >> 62; /* sometimes not at a stub */
            pv_exception(&d->vcpus[0], &r, &deadline);
        }
    }
    return 0;
}
