/* PV save and restore on KVM-less testbed domains (src/snap/pv_snap.c and
 * the state pieces next to their code): a domain with memory, remapped
 * pages, event channels, grants, console input, a trap table and pending
 * events is saved, restored (copied or mapped copy-on-write) and compared
 * piece by piece; then hostile state of each piece is refused, and a
 * refused snapshot leaves no domain behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/mman.h>
#include <unistd.h>

#include "pv/cpu_tables.h"
#include "pv/domain_table.h"
#include "pv/sv_blob.h"
#include "pv/sv_state.h"
#include "pv/trap.h"
#include "pv/vcpu_state.h"
#include "snap/pv_snap.h"
#include "snap/snap_file.h"
#include "support/pv_ops.h"
#include "util/wire.h"

#define FRAME 0x150u
#define REMAPPED_VA 0x40000ull /* its PTE is changed to map FRAME read-only */

static long mica_port, peer_port, grant_ref;

/* Gives a some of everything a domain can hold. */
static void dirty_domain(void)
{
    memset(a->ram.host + 0x120000, 0x5a, 3 * PV_PAGE);
    memcpy(a->ram.host + a->ram.size - 8, "lastpage", 8);
    mica_port = ops_alloc_unbound(a, MICA_DOMID_MICA);
    peer_port = ops_alloc_unbound(b, id(a));
    assert_true(mica_port >= 0 && peer_port >= 0);
    assert_true(ops_bind_interdomain(a, id(b), (mica_port_t)peer_port) >= 0);
    grant_ref = ops_grant(a, id(b), FRAME, MICA_GNT_READONLY);
    assert_true(grant_ref >= 0);
    mica_gva_t pte_va;
    uint64_t pte;
    assert_int_equal(pv_pt_check_update(&a->mmu, REMAPPED_VA, FRAME, MICA_MMU_PRESENT, &pte_va,
                                        &pte), 0);
    uint64_t *slot = guest_mem_ptr(&a->hv, PV_HV_GPA + (pte_va - PV_HV_VA), 8);
    *slot = pte;
    a->vcpus[0].trap_table[14] = 0x101234;
    a->vcpus[0].wait_ports = 0x6;
    a->shared->evt_pending |= 1ull << 5;
    pvio_console_queue_input(&a->console, "typed", 5);
}

static int save_a(void)
{
    int fd = memfd_create("a.snap", 0);
    char err[256];
    assert_true(fd >= 0);
    if (pv_snap_save(a, fd, "a.snap", err, sizeof err) < 0)
        fail_msg("%s", err);
    return fd;
}

static struct pv_domain *restore(int fd, bool map, char *err, size_t errlen)
{
    struct pv_snap_restore opt = {.name = "copy", .map_ram = map, .host_only = true,
                                  .console_sink = testbed_sink};
    struct pv_domain *d = NULL;
    if (pv_snap_restore(&d, fd, "a.snap", &opt, err, errlen) < 0)
        return NULL;
    return d;
}

static void same_as_a(struct pv_domain *d)
{
    assert_int_equal(d->ram.size, a->ram.size);
    assert_memory_equal(d->ram.host, a->ram.host, a->ram.size);
    const struct pv_layout *l = &a->layout;
    assert_memory_equal(d->hv.host + l->first_user_pt * PV_PAGE,
                        a->hv.host + l->first_user_pt * PV_PAGE, l->user_pts * PV_PAGE);
    assert_memory_equal(pv_pt_user_ptr(&d->mmu, REMAPPED_VA, PV_READ), a->ram.host + FRAME * PV_PAGE, 8);
    assert_null(pv_pt_user_ptr(&d->mmu, REMAPPED_VA, PV_WRITE));
    /* Events: the virqs, mica's port waiting for its back end, the peer's
     * port unbound for the same peer (it was not restored with it). */
    assert_int_equal(d->evt.virq_port[MICA_VIRQ_CONSOLE], a->evt.virq_port[MICA_VIRQ_CONSOLE]);
    assert_int_equal(d->evt.virq_port[MICA_VIRQ_TIMER], a->evt.virq_port[MICA_VIRQ_TIMER]);
    assert_int_equal(d->evt.port[mica_port].state, MICA_EVTCHN_UNBOUND);
    assert_int_equal(d->evt.port[mica_port].remote_dom, MICA_DOMID_MICA);
    for (mica_port_t p = 0; p < MICA_EVTCHN_PORTS; p++)
        if (a->evt.port[p].state == MICA_EVTCHN_INTERDOMAIN && p != mica_port) {
            assert_int_equal(d->evt.port[p].state, MICA_EVTCHN_UNBOUND);
            assert_int_equal(d->evt.port[p].remote_dom, id(b));
        }
    assert_true(d->shared->evt_pending & (1ull << 5));
    assert_true(d->gnt.ref[grant_ref].granted && d->gnt.ref[grant_ref].readonly);
    assert_int_equal(d->gnt.ref[grant_ref].frame, FRAME);
    assert_int_equal(d->gnt.ref[grant_ref].domid, id(b));
    assert_int_equal(d->vcpus[0].trap_table[14], 0x101234);
    assert_int_equal(d->vcpus[0].wait_ports, 0x6);
    assert_int_equal(pvio_console_pending_input(&d->console), 5);
    assert_memory_equal(d->console.pending, "typed", 5);
    assert_string_equal(d->start_info->name, "copy");
    assert_int_equal(d->start_info->vm_id, d->id);
    assert_int_equal(d->start_info->mem_bytes, a->start_info->mem_bytes);
}

static void round_trip_copied(void **state)
{
    (void)state;
    dirty_domain();
    int fd = save_a();
    char err[256];
    struct pv_domain *d = restore(fd, false, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    same_as_a(d);
    pv_domain_destroy(d);
    close(fd);
}

static void round_trip_mapped_copy_on_write(void **state)
{
    (void)state;
    dirty_domain();
    int fd = save_a();
    char err[256];
    struct pv_domain *c1 = restore(fd, true, err, sizeof err);
    struct pv_domain *c2 = restore(fd, true, err, sizeof err);
    assert_non_null(c1);
    assert_non_null(c2);
    same_as_a(c1);
    /* A write in one clone is its own: the other and the file keep theirs. */
    c1->ram.host[0x120000] = 1;
    assert_int_equal(c2->ram.host[0x120000], 0x5a);
    struct pv_domain *c3 = restore(fd, true, err, sizeof err);
    assert_int_equal(c3->ram.host[0x120000], 0x5a);
    pv_domain_destroy(c1);
    pv_domain_destroy(c2);
    pv_domain_destroy(c3);
    close(fd);
}

/* A domain whose hypercalls enter the in-guest supervisor comes back as
 * one, with the guest rsp its entry parked and its copy of the trap table. */
static void supervisor_round_trip(void **state)
{
    (void)state;
    dirty_domain();
    a->supervisor = true;
    pv_supervisor_state(&a->hv)->guest_rsp = 0x7ff00;
    int fd = save_a();
    char err[256];
    struct pv_domain *d = restore(fd, false, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    assert_true(d->supervisor);
    assert_int_equal(pv_supervisor_state(&d->hv)->guest_rsp, 0x7ff00);
    assert_int_equal(pv_supervisor_state(&d->hv)->trap_table[14], 0x101234);
    assert_int_equal(pv_supervisor_state(&d->hv)->flags, pv_supervisor_state(&a->hv)->flags);
    pv_domain_destroy(d);
    close(fd);
    a->supervisor = false;
}

/* Replaces one section of a's snapshot with bytes, keeping the others. */
static int snapshot_with(uint32_t type, const void *bytes, size_t len)
{
    int good = save_a();
    struct snap_reader r;
    char err[256];
    assert_int_equal(snap_reader_open(&r, good, "a.snap", err, sizeof err), 0);
    int fd = memfd_create("bad.snap", 0);
    struct snap_writer w;
    snap_writer_init(&w, fd);
    for (unsigned i = 0; i < r.n; i++) {
        const struct snap_section *s = &r.sec[i];
        if (s->type == type)
            snap_writer_add(&w, s->type, s->instance, bytes, len);
        else if (snap_type_is_memory(s->type))
            snap_writer_add_memory(&w, s->type, s->instance, a->ram.host, a->ram.size);
        else
            snap_writer_add(&w, s->type, s->instance, snap_data(&r, s), s->length);
    }
    assert_int_equal(snap_writer_finish(&w, "bad", err, sizeof err), 0);
    snap_reader_close(&r);
    close(good);
    return fd;
}

static unsigned domains_alive(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < PV_DOMAINS_MAX; i++)
        n += pv_domains.slot[i] != NULL;
    return n;
}

static void expect_restore_refused(int fd, const char *why)
{
    char err[256] = "";
    unsigned before = domains_alive();
    assert_null(restore(fd, false, err, sizeof err));
    if (!strstr(err, why))
        fail_msg("expected '%s' in: %s", why, err);
    assert_non_null(strstr(err, "a.snap"));
    assert_int_equal(domains_alive(), before); /* no half-made domain stays */
    close(fd);
}

static void hostile_event_channels(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct wire_out o = wire_out(buf, sizeof buf);
    wire_put_u32(&o, 0x54564550u), wire_put_u32(&o, 1), wire_put_u32(&o, 2);
    for (int i = 0; i < 2; i++) /* two ports bound to the console's virq */
        wire_put_u32(&o, (uint32_t)i), wire_put_u8(&o, MICA_EVTCHN_VIRQ),
            wire_put_u8(&o, MICA_VIRQ_CONSOLE), wire_put_u32(&o, 0), wire_put_u32(&o, 0);
    expect_restore_refused(snapshot_with(SNAP_SEC_EVTCHN, buf, o.len), "two ports");
    buf[12] = 0xff, buf[13] = 0xff; /* port 65535 */
    expect_restore_refused(snapshot_with(SNAP_SEC_EVTCHN, buf, o.len), "out of range");
    expect_restore_refused(snapshot_with(SNAP_SEC_EVTCHN, buf, 7), "event channel state refused");
}

static void hostile_grants(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct wire_out o = wire_out(buf, sizeof buf);
    wire_put_u32(&o, 0x544e4750u), wire_put_u32(&o, 1), wire_put_u32(&o, 1);
    wire_put_u32(&o, 3), wire_put_u8(&o, 0), wire_put_u32(&o, 1);
    wire_put_u64(&o, a->ram.size / PV_PAGE); /* one past the end of RAM */
    expect_restore_refused(snapshot_with(SNAP_SEC_GNTTAB, buf, o.len), "outside the domain's RAM");
}

static void hostile_page_tables(void **state)
{
    (void)state;
    size_t len = pv_pt_save(&a->mmu, NULL, 0);
    uint8_t *buf = malloc(len);
    pv_pt_save(&a->mmu, buf, len);
    /* Entries are (index, pte) pairs after a 24-byte header; page 0 is
     * unmapped, so the first pair is page 1's. */
    uint64_t *first = (uint64_t *)(buf + 24);
    assert_int_equal(first[0], 1);
    first[1] = PV_HV_GPA | PTE_P | PTE_W | PTE_U; /* the hypervisor area */
    expect_restore_refused(snapshot_with(SNAP_SEC_PV_PTS, buf, len), "may not map");
    first[1] = PV_PAGE | PTE_P | PTE_W; /* not a user mapping */
    expect_restore_refused(snapshot_with(SNAP_SEC_PV_PTS, buf, len), "may not map");
    first[1] = PV_PAGE | PTE_P | PTE_U | (1ull << 8); /* global: not a guest's to set */
    expect_restore_refused(snapshot_with(SNAP_SEC_PV_PTS, buf, len), "may not map");
    first[1] = PV_PAGE | PTE_P | PTE_U;
    first[0] = first[2]; /* out of order */
    expect_restore_refused(snapshot_with(SNAP_SEC_PV_PTS, buf, len), "out of order");
    first[0] = 1;
    expect_restore_refused(snapshot_with(SNAP_SEC_PV_PTS, buf, len - 8), "does not match");
    ((uint64_t *)buf)[1] = 7; /* the table size */
    expect_restore_refused(snapshot_with(SNAP_SEC_PV_PTS, buf, len), "another memory size");
    free(buf);
}

static void hostile_vcpu(void **state)
{
    (void)state;
    static struct pv_vcpu_state s;
    static uint8_t buf[sizeof s + 512];
    char err[256];
    memset(&s, 0, sizeof s);
    s.has_kvm = true;
    pv_cpu_initial_sregs(&s.sregs, false);
    size_t len = pv_vcpu_state_encode(&s, buf, sizeof buf);
    struct pv_vcpu_state back;
    assert_int_equal(pv_vcpu_state_decode(&back, buf, len, err, sizeof err), 0);
    assert_int_equal(back.sregs.cr3, s.sregs.cr3);
    s.sregs.cr3 = 0x1000; /* page tables in guest RAM */
    len = pv_vcpu_state_encode(&s, buf, sizeof buf);
    expect_restore_refused(snapshot_with(SNAP_SEC_VCPU, buf, len), "page tables other than mica's");
    pv_cpu_initial_sregs(&s.sregs, false);
    s.sregs.cs.selector = 0x33;
    len = pv_vcpu_state_encode(&s, buf, sizeof buf);
    expect_restore_refused(snapshot_with(SNAP_SEC_VCPU, buf, len), "code segment");
    pv_cpu_initial_sregs(&s.sregs, false);
    s.trap_table[3] = 0xffff800000000000ull;
    len = pv_vcpu_state_encode(&s, buf, sizeof buf);
    expect_restore_refused(snapshot_with(SNAP_SEC_VCPU, buf, len), "outside user space");
    s.trap_table[3] = 0;
    s.msr_count = 1;
    s.msrs[0] = (struct kvm_msr_entry){.index = 0xc0000080}; /* EFER: sregs' business */
    len = pv_vcpu_state_encode(&s, buf, sizeof buf);
    expect_restore_refused(snapshot_with(SNAP_SEC_VCPU, buf, len), "an MSR");
    expect_restore_refused(snapshot_with(SNAP_SEC_VCPU, buf, len - 1), "vCPU state refused");
}

/* A vCPU saved on its way back from a hypercall sits in the trampoline
 * before its iretq: the frame on the CPL0 stack must lead to user space. */
static void cpl0_frame_is_checked(void **state)
{
    (void)state;
    static struct pv_vcpu_state s;
    static uint8_t buf[sizeof s + 512];
    memset(&s, 0, sizeof s);
    s.has_kvm = true;
    pv_cpu_initial_sregs(&s.sregs, false);
    s.regs.rip = pv_hv_va(PV_PG_TRAMPOLINE * PV_PAGE);
    while (pv_vector_at(s.regs.rip) != 6) /* the #UD stub's exit: a hypercall's way back */
        s.regs.rip++;
    size_t len = pv_vcpu_state_encode(&s, buf, sizeof buf);
    struct pv_iret_frame *f =
        (struct pv_iret_frame *)pv_stack0_at(a, pv_stack0_top_va() - sizeof *f, 5);
    *f = (struct pv_iret_frame){.rip = 0x100000, .cs = PV_SEL_KCODE, .rflags = 0x202,
                                .rsp = 0x80000, .ss = PV_SEL_UDATA};
    expect_restore_refused(snapshot_with(SNAP_SEC_VCPU, buf, len), "other than the guest's");
    f->cs = PV_SEL_UCODE, f->rsp = 0xffff800000001000ull;
    expect_restore_refused(snapshot_with(SNAP_SEC_VCPU, buf, len), "other than the guest's");
    f->rsp = 0x80000, f->rflags = 0x3202; /* IOPL 3: not a user's to keep */
    int fd = snapshot_with(SNAP_SEC_VCPU, buf, len);
    char err[256];
    struct pv_domain *d = restore(fd, false, err, sizeof err);
    if (!d)
        fail_msg("%s", err);
    f = (struct pv_iret_frame *)pv_stack0_at(d, pv_stack0_top_va() - sizeof *f, 5);
    assert_int_equal(f->rip, 0x100000);
    assert_int_equal(f->rflags, pv_user_rflags(0x3202));
    pv_domain_destroy(d);
    close(fd);
}

static void hostile_meta_and_devices(void **state)
{
    (void)state;
    expect_restore_refused(snapshot_with(SNAP_SEC_META, "meta", 4), "description");
    expect_restore_refused(snapshot_with(SNAP_SEC_DEVICE, "console", 8), "device 0 is not");
    uint8_t dev[16 + 20] = "console";
    expect_restore_refused(snapshot_with(SNAP_SEC_DEVICE, dev, sizeof dev), "console state refused");
    expect_restore_refused(snapshot_with(SNAP_SEC_PV_PAGES, "x", 1), "domain pages refused");
}

/* Ring devices hold grants and ports while connected: not saved yet, so
 * such a VM is not saved (it runs on). */
static void connected_ring_device_is_not_saved(void **state)
{
    (void)state;
    a->devices.count = 1;
    a->devices.dev[0].connected = true;
    int fd = memfd_create("a.snap", 0);
    char err[256];
    assert_int_equal(pv_snap_save(a, fd, "a.snap", err, sizeof err), -1);
    assert_non_null(strstr(err, "ring devices"));
    a->devices.count = 0;
    a->devices.dev[0].connected = false;
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip_copied, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(round_trip_mapped_copy_on_write, ops_setup_pair,
                                        ops_teardown_pair),
        cmocka_unit_test_setup_teardown(hostile_event_channels, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(hostile_grants, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(hostile_page_tables, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(hostile_vcpu, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(hostile_meta_and_devices, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(cpl0_frame_is_checked, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(supervisor_round_trip, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(connected_ring_device_is_not_saved, ops_setup_pair,
                                        ops_teardown_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
