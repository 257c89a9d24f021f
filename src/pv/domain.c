#include "pv/domain.h"
#include "pv/sv_blob.h"
#include "pv/sv_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/linux_image.h"
#include "pv/cpu_tables.h"
#include "pv/domain_table.h"
#include "pv/memory_op.h"
#include "pv/start_info.h"
#include "pv/xdom.h"
#include "util/file.h"
#include "util/log.h"

#define IMAGE_FILE_MAX (256u << 20)
#define HEAP_MIN (64u << 10)
#define TWO_MIB (2ull << 20)

static int check_mem(uint64_t mib, char *err, size_t errlen)
{
    if (mib < MICA_MEM_MIN_MIB || mib > MICA_MEM_MAX_MIB)
        return errmsg(err, errlen, -1, "memory size %llu MiB is outside %u..%u MiB",
                       (unsigned long long)mib, MICA_MEM_MIN_MIB, MICA_MEM_MAX_MIB);
    return 0;
}

/* Hypercalls read and write the guest's registers in kvm_run (sync regs);
 * without them every exit would need two more ioctls. */
static int check_sync_regs(struct pv_domain *d, char *err, size_t errlen)
{
    if (d->vm.kvm->has_sync_regs)
        return 0;
    return errmsg(err, errlen, -1, "%s: KVM lacks KVM_CAP_SYNC_REGS, which PV guests need",
                  kvm_device_path());
}

/* Reads the guest image at path (named `name` in messages) and checks it
 * against the RAM a domain of `mib` MiB would have, before any KVM object
 * exists: a bad image is reported as such on any host. The caller frees
 * *file. */
static int read_image(const char *path, const char *name, uint64_t mib, uint8_t **file,
                      size_t *size, struct pv_image *img, char *err, size_t errlen)
{
    struct pv_layout layout;
    pv_layout_init(&layout, mib << 20);
    struct guest_mem sizing = {.size = layout.ram_bytes}; /* no host: check only */
    char why[256];
    if (read_whole_file(path, IMAGE_FILE_MAX, file, size, why, sizeof why) < 0)
        return errmsg(err, errlen, -1, "%s", strcmp(path, name) ? "guest image: cannot read it" : why);
    char what[160];
    if (looks_like_linux_kernel(*file, *size, what, sizeof what))
        return errmsg(err, errlen, -1, "%s looks like %s; boot it with 'mica run --kernel %s'",
                      name, what, name);
    if (pv_elf_load(*file, *size, &sizing, img, why, sizeof why) < 0)
        return errmsg(err, errlen, -1, "guest image %s: %s", name, why);
    if (img->end + HEAP_MIN > sizing.size)
        return errmsg(err, errlen, -1, "guest image %s needs more than %llu MiB of memory (try --mem %llu)",
                       name, (unsigned long long)(sizing.size >> 20),
                       (unsigned long long)((img->end + HEAP_MIN + TWO_MIB - 1) >> 20) + 1);
    return 0;
}

int pv_domain_check_image(const char *path, const char *name, uint64_t mib, char *err,
                          size_t errlen)
{
    uint8_t *file = NULL;
    size_t size = 0;
    struct pv_image img;
    int rc = check_mem(mib, err, errlen);
    if (rc == 0)
        rc = read_image(path, name, mib, &file, &size, &img, err, errlen);
    free(file);
    return rc;
}

/* Copies the checked image's segments into guest RAM. */
static int load_image(struct pv_domain *d, const char *path, const uint8_t *file, size_t size,
                      struct pv_image *img, char *err, size_t errlen)
{
    char why[256];
    if (pv_elf_load(file, size, &d->ram, img, why, sizeof why) < 0)
        return errmsg(err, errlen, -1, "guest image %s: %s", path, why);
    return 0;
}

static int alloc_memory(struct pv_domain *d, uint64_t mib, void *ram_mapping, char *err,
                        size_t errlen)
{
    pv_layout_init(&d->layout, mib << 20);
    int rc = 0;
    if (ram_mapping)
        guest_mem_adopt(&d->ram, ram_mapping, 0, d->layout.ram_bytes);
    else
        rc = guest_mem_alloc(&d->ram, 0, d->layout.ram_bytes);
    if (rc == 0)
        rc = guest_mem_alloc(&d->hv, PV_HV_GPA, d->layout.hv_bytes);
    if (rc < 0)
        return errmsg(err, errlen, -1, "cannot map %llu MiB of guest memory: %s",
                       (unsigned long long)mib, strerror(-rc));
    /* PV guests touch little of their memory: with transparent huge pages
     * "always", each would cost 2 MiB+ of host memory (measured in the KVM
     * rig: 2,176 KiB per idle domain against 137 KiB with small pages), and
     * the balloon gives RAM back 4 KiB at a time (pv/memory_op.c), which
     * the host would not get back from a huge page until it splits it.
     * Best effort: EINVAL (no THP) is fine. */
    guest_mem_small_pages(&d->ram);
    guest_mem_small_pages(&d->hv);
    d->mmu = (struct pv_mmu){.layout = &d->layout, .ram = &d->ram, .hv = &d->hv};
    d->start_info = guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_START_INFO), PV_PAGE);
    d->shared = guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_SHARED_INFO), PV_PAGE);
    return 0;
}

static int attach_kvm(struct pv_domain *d, mica_gva_t entry, char *err, size_t errlen)
{
    if (vm_add_memory(&d->vm, &d->ram, err, errlen) < 0 ||
        vm_add_memory(&d->vm, &d->hv, err, errlen) < 0)
        return -1;
    d->doorbell_fd = vm_add_mmio_doorbell(&d->vm, PV_DOORBELL_GPA, 4, err, errlen);
    if (d->doorbell_fd < 0)
        return -1;
    for (unsigned i = 0; i < d->vcpu_count; i++)
        if (pv_vcpu_create_kvm(&d->vcpus[i], entry, err, errlen) < 0)
            return -1;
    pv_clock_init(&d->clock, d->vcpus[0].cpu.fd, d->shared);
    return 0;
}

int pv_domain_build_host(struct pv_domain *d, const struct pv_domain_config *cfg,
                         const struct pv_image *img, char *err, size_t errlen)
{
    if (alloc_memory(d, cfg->mem_mib, cfg->ram_mapping, err, errlen) < 0)
        return -1;
    pv_pt_build(&d->mmu);
    d->supervisor = cfg->supervisor;
    pv_cpu_tables_write(&d->hv, d->supervisor);
    pv_supervisor_install(&d->hv, &d->layout, PV_SV_CLOCK | PV_SV_MMU | PV_SV_TRAPS);
    if (pv_start_info_fill(d->start_info, &d->layout, img, d->name, d->id, cfg->argc, cfg->argv,
                           cfg->envc, cfg->envp, err, errlen) < 0)
        return -1;
    if (pv_memory_init(d) < 0)
        return errmsg(err, errlen, -1, "guest %s: out of memory for its balloon bitmap", d->name);
    if (cfg->mergeable && guest_mem_mergeable(&d->ram) < 0)
        return errmsg(err, errlen, -1, "guest %s: cannot offer its RAM to KSM: %s", d->name,
                      strerror(errno));
    pv_evtchn_init(d);
    pvio_console_init(&d->console, cfg->console_sink, cfg->console_ctx);
    if (pv_domain_attach(d, &d->console.base, PV_PG_CONSOLE, 2, MICA_EVT_CONSOLE, err, errlen) < 0) {
        pvio_detach(&d->console.base);
        return -1;
    }
    d->vcpu_count = 1;
    for (unsigned i = 0; i < d->vcpu_count; i++)
        if (pv_vcpu_init(&d->vcpus[i], d, i, err, errlen) < 0)
            return -1;
    pv_domain_publish_clock(d);
    return 0;
}

/* Opens each disk's back end: a bad image is the user's error to hear
 * about before anything depends on this host's KVM. */
static int open_disks(const struct pv_domain_config *cfg, struct pvio_blk **blk, char *err,
                      size_t errlen)
{
    if (cfg->ndisks > PV_DISKS_MAX)
        return errmsg(err, errlen, -1, "guest %s: %u disks, at most %u", cfg->name, cfg->ndisks,
                      PV_DISKS_MAX);
    for (unsigned i = 0; i < cfg->ndisks; i++) {
        blk[i] = pvio_blk_open(&cfg->disks[i], true, err, errlen);
        if (!blk[i])
            return -1;
    }
    return 0;
}

/* Hands each open back end to the domain (which detaches it); those it
 * did not take are detached here, on any failure. */
static int add_disks(struct pv_domain *d, struct pvio_blk **blk, unsigned n, bool ok, char *err,
                     size_t errlen)
{
    for (unsigned i = 0; i < n; i++) {
        if (!blk[i])
            continue;
        struct mica_device_info info;
        pvio_blk_describe(blk[i], &info);
        if (ok && pv_device_add(d, &info, &blk[i]->base, 1, err, errlen) == 0)
            continue;
        ok = false;
        pvio_detach(&blk[i]->base);
    }
    return ok ? 0 : -1;
}

int pv_domain_start_kvm(struct pv_domain *d, mica_gva_t entry, char *err, size_t errlen)
{
    if (vm_create(&d->vm, err, errlen) < 0 || check_sync_regs(d, err, errlen) < 0 ||
        attach_kvm(d, entry, err, errlen) < 0)
        return -1;
    pv_domain_publish_clock(d);
    return 0;
}

static int build(struct pv_domain *d, const struct pv_domain_config *cfg, char *err, size_t errlen)
{
    struct pv_image img;
    uint8_t *file = NULL;
    size_t size = 0;
    struct pvio_blk *blk[PV_DISKS_MAX] = {0};
    int rc = check_mem(cfg->mem_mib, err, errlen);
    if (rc == 0)
        rc = read_image(cfg->image_path, cfg->image_path, cfg->mem_mib, &file, &size, &img, err,
                        errlen);
    if (rc == 0)
        rc = open_disks(cfg, blk, err, errlen);
    if (rc == 0 && (pv_domain_build_host(d, cfg, &img, err, errlen) < 0 ||
                    load_image(d, cfg->image_path, file, size, &img, err, errlen) < 0))
        rc = -1;
    if (add_disks(d, blk, cfg->ndisks < PV_DISKS_MAX ? cfg->ndisks : PV_DISKS_MAX, rc == 0, err,
                  errlen) < 0)
        rc = -1;
    free(file);
    if (rc < 0)
        return -1;
    return pv_domain_start_kvm(d, img.entry, err, errlen);
}

int pv_domain_alloc(struct pv_domain **out, const char *name, char *err, size_t errlen)
{
    struct pv_domain *d = calloc(1, sizeof *d);
    if (!d)
        return errmsg(err, errlen, -1, "out of memory");
    d->vm.fd = d->doorbell_fd = -1;
    for (unsigned i = 0; i < PV_VCPUS_MAX; i++)
        d->vcpus[i].cpu.fd = d->vcpus[i].wake_fd = -1;
    snprintf(d->name, sizeof d->name, "%s", name ? name : "guest");
    d->id = pv_domain_table_add(&pv_domains, d);
    if (!d->id) {
        free(d);
        return errmsg(err, errlen, -1, "guest %s: this process already runs %u domains, the most it can",
                      name ? name : "guest", PV_DOMAINS_MAX);
    }
    *out = d;
    return 0;
}

int pv_domain_create(struct pv_domain **out, const struct pv_domain_config *cfg, char *err,
                     size_t errlen)
{
    struct pv_domain *d;
    if (pv_domain_alloc(&d, cfg->name, err, errlen) < 0)
        return -1;
    if (build(d, cfg, err, errlen) < 0) {
        pv_domain_destroy(d);
        return -1;
    }
    *out = d;
    return 0;
}

void pv_domain_destroy(struct pv_domain *d)
{
    if (!d)
        return;
    pv_xdom_leave(d); /* first: no other domain reaches it from here on */
    pv_device_remove_all(d);
    while (d->backend_count)
        pvio_detach(d->backends[--d->backend_count]);
    for (unsigned i = 0; i < PV_VCPUS_MAX; i++)
        pv_vcpu_destroy(&d->vcpus[i]);
    if (d->doorbell_fd >= 0)
        close(d->doorbell_fd);
    vm_destroy(&d->vm);
    guest_mem_free(&d->ram);
    guest_mem_free(&d->hv);
    pv_balloon_free(&d->balloon);
    free(d);
}

int pv_domain_attach(struct pv_domain *d, struct pvio_backend *b, enum pv_hv_page first,
                     unsigned pages, mica_port_t port, char *err, size_t errlen)
{
    if (d->backend_count == PV_BACKENDS_MAX)
        return errmsg(err, errlen, -1, "guest %s: more than %u devices", d->name, PV_BACKENDS_MAX);
    struct pvio_attach at = {
        .domain_name = d->name,
        .shared = guest_mem_ptr(&d->hv, pv_hv_gpa(first), pages * PV_PAGE),
        .shared_len = pages * PV_PAGE,
        .port = port,
    };
    if (pvio_attach(b, &at, err, errlen) < 0)
        return -1;
    d->backends[d->backend_count++] = b;
    return 0;
}

void pv_domain_notify(struct pv_domain *d)
{
    for (unsigned i = 0; i < d->backend_count; i++)
        pvio_notify(d->backends[i]);
}

void pv_domain_raise_event(struct pv_domain *d, mica_port_t port)
{
    if (port >= MICA_EVTCHN_PORTS)
        return;
    uint64_t bit = MICA_PORT_BIT(port);
    uint64_t was = __atomic_fetch_or(mica_evtchn_word(d->shared, 0, port), bit, __ATOMIC_SEQ_CST);
    /* Already pending: its wake is on its way. Masked: unmasking wakes. */
    if ((was & bit) || (__atomic_load_n(mica_evtchn_word(d->shared, 1, port), __ATOMIC_SEQ_CST) & bit))
        return;
    pv_domain_wake(d);
}

void pv_domain_wake(struct pv_domain *d)
{
    for (unsigned i = 0; i < d->vcpu_count; i++)
        pv_vcpu_wake(&d->vcpus[i]);
}

void pv_domain_kick(struct pv_domain *d)
{
    for (unsigned i = 0; i < d->vcpu_count; i++)
        pv_vcpu_kick(&d->vcpus[i]);
}

void pv_domain_publish_clock(struct pv_domain *d)
{
    uint64_t run_ns = 0;
    for (unsigned i = 0; i < d->vcpu_count; i++)
        run_ns += d->dispatched ? __atomic_load_n(&d->vcpus[i].charged_ns, __ATOMIC_RELAXED)
                                : __atomic_load_n(&d->vcpus[i].cpu.run_ns, __ATOMIC_RELAXED);
    pv_clock_publish(&d->clock, d->shared, run_ns);
}
