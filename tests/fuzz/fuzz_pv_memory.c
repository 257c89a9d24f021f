/* libFuzzer: a hostile guest drives MICA_HC_MEMORY_OP with any command,
 * count, reserved word, frame numbers and struct address, between grants,
 * MMU updates and targets set by mica. mica must answer with codes, never
 * crash, and keep the invariant: every frame is the guest's or released,
 * never both, and no page table entry maps a released frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../support/pv_balloon_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIB 4u

struct fuzz_op {
    uint8_t kind, cmd, where, count;
    uint32_t reserved;
    uint16_t frames[12];
};

static struct pv_domain *dom;

static mica_gva_t arg_address(uint8_t where)
{
    static const mica_gva_t bad[] = {0, PV_HV_VA, MICA_SPECIAL_VA, BALLOON_SCRATCH + PV_PAGE - 8,
                                     UINT64_MAX - 8};
    return where < 220 ? BALLOON_SCRATCH : bad[where % (sizeof bad / sizeof bad[0])];
}

static void memory_op(const struct fuzz_op *op)
{
    uint64_t frames[12];
    for (int i = 0; i < 12; i++)
        frames[i] = op->frames[i] % (MIB * 256 + 8); /* mostly in RAM, a few past it */
    uint32_t n = op->count % 13;
    struct mica_memory_reservation res = {
        .frames = op->where & 1 ? BALLOON_FRAMES : (mica_gva_t)op->frames[0] << 12,
        .count = op->count < 250 ? n : op->count * 3u,
        .reserved = op->reserved % 4 == 0 ? op->reserved : 0,
    };
    long writes;
    balloon_call_raw(dom, op->cmd % 3, arg_address(op->where), &res, frames, n, &writes);
    if (writes < 0)
        abort(); /* registers the trampoline would misread */
}

static void other_op(const struct fuzz_op *op)
{
    uint64_t frame = op->frames[0] % (MIB * 256);
    if (op->kind % 3 == 0) {
        balloon_mmu_update(dom, (uint64_t)op->frames[1] << 12, frame, op->cmd & 7);
    } else if (op->kind % 3 == 1) {
        for (mica_grant_ref_t ref = 0; ref < 4; ref++)
            if (!dom->gnt.ref[ref].granted && !pv_balloon_is_released(&dom->balloon, frame)) {
                dom->gnt.ref[ref] = (struct pv_grant){.granted = true, .domid = 7, .frame = frame};
                break;
            } else if (dom->gnt.ref[ref].granted && (op->cmd & 1)) {
                dom->gnt.ref[ref] = (struct pv_grant){0};
            }
    } else {
        pv_memory_set_target(dom, op->reserved % (MIB * 256 + 16));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dom)
        dom = testbed_domain(MIB);
    /* Each input from a fresh state: no grants, fresh tables, every frame
     * the guest's (cheaper than a new domain). */
    memset(&dom->gnt, 0, sizeof dom->gnt);
    pv_pt_build(&dom->mmu);
    pv_balloon_free(&dom->balloon);
    if (pv_memory_init(dom) < 0)
        abort();
    struct fuzz_op op;
    for (size_t at = 0; at + sizeof op <= size && at < 64 * sizeof op; at += sizeof op) {
        memcpy(&op, data + at, sizeof op);
        if (op.kind < 200)
            memory_op(&op);
        else
            other_op(&op);
        if (pv_balloon_current(&dom->balloon) > dom->balloon.max_pages)
            abort();
    }
    if (!balloon_consistent(dom))
        abort();
    return 0;
}
