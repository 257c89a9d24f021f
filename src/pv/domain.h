/*
 * A paravirtualized domain: one KVM VM with its memory and layout, the page
 * tables mica keeps for it, its start_info and shared_info pages, its event
 * ports, its devices and its vCPUs (one today, see pv/vcpu.h), running a
 * guest-kit ELF at CPL3. Mechanism only: who runs its vCPUs, when and for
 * how long is the caller's (a simple loop in `mica run`, a dispatcher later).
 */
#ifndef MICA_PV_DOMAIN_H
#define MICA_PV_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/abi.h"
#include "pv/balloon.h"
#include "pv/clock.h"
#include "pv/device.h"
#include "pv/elf_loader.h"
#include "pv/evtchn.h"
#include "pv/gnttab.h"
#include "pv/layout.h"
#include "pv/pagetable.h"
#include "pv/vcpu.h"
#include "pvio/blk/blk.h"
#include "pvio/console/console.h"
#include "pvio/pvio.h"
#include "vmm/vm.h"

#define PV_VCPUS_MAX 1
#define PV_BACKENDS_MAX 8
#define PV_DISKS_MAX 4 /* --disk: block devices, of MICA_DEVICES_MAX ring devices */

struct pv_domain_config {
    const char *name;
    const char *image_path;
    uint64_t mem_mib;
    int argc;           /* arguments for the guest, argv[0] included */
    char **argv;
    int envc;           /* the guest's environment, NAME=VALUE strings */
    char **envp;
    pvio_console_sink console_sink;
    void *console_ctx;
    bool supervisor; /* hypercalls enter the in-guest supervisor (pv_supervisor_usable) */
    bool mergeable;     /* offer RAM to the host's KSM (MADV_MERGEABLE) */
    const struct disk_spec *disks; /* PV block devices (pvio/blk), in order */
    unsigned ndisks;
    /* A restore's RAM, already mapped (e.g. copy-on-write from a snapshot):
     * mem_mib of it, which pv_domain_build_host takes over (and frees on
     * failure); NULL: fresh anonymous memory. */
    void *ram_mapping;
};

struct pv_domain {
    char name[MICA_NAME_MAX];
    uint64_t id;         /* in pv_domains, the process's domain table */
    struct vm vm;
    struct guest_mem ram, hv;
    struct pv_layout layout;
    struct pv_mmu mmu;
    struct mica_start_info *start_info;
    struct mica_shared_info *shared;
    struct pv_clock clock;
    struct pv_evtchn_table evt;  /* its event channels (pv/evtchn.h)      */
    struct pv_gnttab gnt;        /* the frames it grants (pv/gnttab.h)    */
    struct pv_balloon balloon;   /* its frames and released ones (pv/memory_op.h) */
    struct pvio_console console; /* the first back end, always attached  */
    int doorbell_fd;     /* device kicks (ioeventfd)                   */
    unsigned backend_count;
    struct pvio_backend *backends[PV_BACKENDS_MAX]; /* attached, in order */
    struct pv_devices devices;   /* ring devices (pv/device.h)           */
    unsigned vcpu_count;
    struct pv_vcpu vcpus[PV_VCPUS_MAX];
    bool supervisor;     /* see pv_domain_config.supervisor            */
    bool dispatched;     /* run by a dispatcher that charges run time:
                            the guest's run_ns is what it was charged */
    int exit_code;
    char crash_report[2048];
};

int pv_domain_create(struct pv_domain **out, const struct pv_domain_config *cfg, char *err,
                     size_t errlen);
void pv_domain_destroy(struct pv_domain *d);

/* Whether the guest image at path (a /proc/self/fd/N path will do; `name`
 * is what messages call it) would boot in a domain of `mib` MiB: what
 * pv_domain_create() checks before it touches KVM, with the same one-line
 * reasons.  0, or -1 with err. */
int pv_domain_check_image(const char *path, const char *name, uint64_t mib, char *err,
                          size_t errlen);

/* The construction steps that need no KVM, shared by pv_domain_create and
 * the KVM-less test domains (tests/support/pv_testbed.h): a domain with an
 * id and a name; then its memory, page tables, CPU tables, start_info (for
 * the image img, whose bytes the caller loads), shared_info, console and
 * vCPUs without their KVM halves. Destroy either with pv_domain_destroy. */
int pv_domain_alloc(struct pv_domain **out, const char *name, char *err, size_t errlen);
int pv_domain_build_host(struct pv_domain *d, const struct pv_domain_config *cfg,
                         const struct pv_image *img, char *err, size_t errlen);

/* The KVM half, for a domain whose host half is built: the VM, its memory
 * slots and doorbell, and vCPUs in their initial state at entry. */
int pv_domain_start_kvm(struct pv_domain *d, mica_gva_t entry, char *err, size_t errlen);

/* Saved state of the domain's own pages (pv/domain_state.c): start_info,
 * shared_info and the console pages into buf when they fit in len (returns
 * the bytes they take); load puts them back and renames start_info for d. */
size_t pv_domain_save_pages(const struct pv_domain *d, void *buf, size_t len);
int pv_domain_load_pages(struct pv_domain *d, const void *buf, size_t len, char *err,
                         size_t errlen);

/* A restored vCPU at an exception stub's exit (pv_vector_at) returns to the
 * guest through the iret frame on the CPL0 stack: it must lead to user
 * space (its flags are made a user's). 0, or -1 with one line in err. */
int pv_domain_check_stack0(struct pv_domain *d, mica_gva_t rip, char *err, size_t errlen);

/* vCPU i (0 .. vcpu_count-1). */
static inline struct pv_vcpu *pv_domain_vcpu(struct pv_domain *d, unsigned i)
{
    return &d->vcpus[i];
}

/* Attaches a device back end to the shared pages [first, first + pages)
 * of the hypervisor area and its event port; the domain detaches it when
 * it is destroyed. */
int pv_domain_attach(struct pv_domain *d, struct pvio_backend *b, enum pv_hv_page first,
                     unsigned pages, mica_port_t port, char *err, size_t errlen);

/* A doorbell kick (or a stop of a vCPU): every attached back end looks at
 * its rings. From the vCPU's or the I/O thread. */
void pv_domain_notify(struct pv_domain *d);

/* From any thread: sets a port pending; when that is news (it was not
 * pending) and the port is not masked, wakes the domain's vCPUs. Devices
 * raise their virtual IRQ instead (pv_evtchn_raise_virq): the guest may
 * have bound it to another port. */
void pv_domain_raise_event(struct pv_domain *d, mica_port_t port);

/* From any thread: wakes the domain's blocked vCPUs (once, see pv_vcpu_wake). */
void pv_domain_wake(struct pv_domain *d);

/* From any thread: takes every vCPU back (see pv_vcpu_kick). */
void pv_domain_kick(struct pv_domain *d);

/* Refreshes shared_info's time, with the run time of all vCPUs (the time
 * inside KVM_RUN, or when `dispatched` the run time the dispatcher charged
 * them: the virtual time BVT accounts, see sched/cell.h). */
void pv_domain_publish_clock(struct pv_domain *d);

#endif
