#include "snap/pv_snap.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include "pv/vcpu_state.h"
#include "snap/snap_file.h"
#include "util/errmsg.h"
#include "util/wire.h"

#define META_MAGIC 0x4154454du /* "META" */
#define META_VERSION 1u
#define KIND_PV 1u
#define DEVICE_NAME_BYTES 16u
#define META_SUPERVISOR 0x1u /* hypercalls enter the in-guest supervisor */

struct meta {
    uint32_t kind, vcpus, devices, flags;
    uint64_t mem_mib;
    char name[MICA_NAME_MAX];
};

/* ---- save ---------------------------------------------------------------- */

/* A section from a piece's save(buf, len) -> bytes: sized, then written. */
typedef size_t (*state_fn)(const void *obj, void *buf, size_t len);

static size_t pages_fn(const void *o, void *b, size_t l) { return pv_domain_save_pages(o, b, l); }
static size_t pts_fn(const void *o, void *b, size_t l) { return pv_pt_save(o, b, l); }
static size_t evt_fn(const void *o, void *b, size_t l) { return pv_evtchn_save(o, b, l); }
static size_t gnt_fn(const void *o, void *b, size_t l) { return pv_gnttab_save(o, b, l); }

static int add_state(struct snap_writer *w, uint32_t type, uint32_t instance, state_fn fn,
                     const void *obj, const void *prefix, size_t prefix_len)
{
    size_t len = fn(obj, NULL, 0);
    uint8_t *buf = malloc(prefix_len + len + 1);
    if (!buf)
        return -1;
    if (prefix_len)
        memcpy(buf, prefix, prefix_len);
    if (fn(obj, buf + prefix_len, len) != len) { /* it changed meanwhile: not paused */
        free(buf);
        return -1;
    }
    snap_writer_add(w, type, instance, buf, prefix_len + len);
    free(buf);
    return 0;
}

static void add_meta(struct snap_writer *w, const struct pv_domain *d)
{
    uint8_t buf[128];
    struct wire_out o = wire_out(buf, sizeof buf);
    wire_put_u32(&o, META_MAGIC), wire_put_u32(&o, META_VERSION), wire_put_u32(&o, KIND_PV);
    wire_put_u32(&o, d->vcpu_count), wire_put_u32(&o, d->backend_count);
    wire_put_u32(&o, d->supervisor ? META_SUPERVISOR : 0);
    wire_put_u64(&o, d->ram.size >> 20);
    wire_put_bytes(&o, d->name, MICA_NAME_MAX);
    snap_writer_add(w, SNAP_SEC_META, 0, buf, o.len);
}

static int add_vcpu(struct snap_writer *w, struct pv_vcpu *v, char *err, size_t errlen)
{
    static struct pv_vcpu_state s; /* 5 KiB of XSAVE: not on the stack */
    static uint8_t buf[sizeof s + 1024];
    if (pv_vcpu_capture(v, &s, err, errlen) < 0)
        return -1;
    size_t len = pv_vcpu_state_encode(&s, buf, sizeof buf);
    if (len > sizeof buf)
        return errmsg(err, errlen, -1, "vCPU state larger than expected");
    snap_writer_add(w, SNAP_SEC_VCPU, v->index, buf, len);
    return 0;
}

static size_t device_fn(const void *o, void *b, size_t l)
{
    return pvio_save((struct pvio_backend *)o, b, l);
}

static int add_devices(struct snap_writer *w, struct pv_domain *d)
{
    for (unsigned i = 0; i < d->backend_count; i++) {
        char name[DEVICE_NAME_BYTES] = {0};
        strncpy(name, d->backends[i]->ops->name, sizeof name - 1);
        if (add_state(w, SNAP_SEC_DEVICE, i, device_fn, d->backends[i], name, sizeof name) < 0)
            return -1;
    }
    return 0;
}

/* Ring devices (block, network) hold grants and ports for their rings
 * while connected; their back ends do not save that yet. */
static bool ring_device_connected(const struct pv_domain *d)
{
    for (unsigned i = 0; i < d->devices.count; i++)
        if (d->devices.dev[i].connected)
            return true;
    return false;
}

int pv_snap_save(struct pv_domain *d, int fd, const char *what, char *err, size_t errlen)
{
    if (ring_device_connected(d))
        return errmsg(err, errlen, -1, "guest %s: saving a VM whose ring devices (block, "
                      "network) are connected is not supported yet", d->name);
    struct snap_writer *w = malloc(sizeof *w);
    if (!w)
        return errmsg(err, errlen, -1, "snapshot %s: out of memory", what);
    snap_writer_init(w, fd);
    add_meta(w, d);
    snap_writer_add_memory(w, SNAP_SEC_RAM, 0, d->ram.host, d->ram.size);
    int rc = add_state(w, SNAP_SEC_PV_PAGES, 0, pages_fn, d, NULL, 0);
    if (rc == 0)
        rc = add_state(w, SNAP_SEC_PV_PTS, 0, pts_fn, &d->mmu, NULL, 0);
    if (rc == 0)
        rc = add_state(w, SNAP_SEC_EVTCHN, 0, evt_fn, d, NULL, 0);
    if (rc == 0)
        rc = add_state(w, SNAP_SEC_GNTTAB, 0, gnt_fn, d, NULL, 0);
    if (rc == 0)
        rc = add_devices(w, d);
    if (rc < 0)
        rc = errmsg(err, errlen, -1, "snapshot %s: guest %s changed while it was saved, or "
                    "out of memory", what, d->name);
    for (unsigned i = 0; rc == 0 && i < d->vcpu_count; i++)
        rc = add_vcpu(w, pv_domain_vcpu(d, i), err, errlen);
    if (rc == 0)
        rc = snap_writer_finish(w, what, err, errlen);
    free(w);
    return rc;
}

/* ---- restore ------------------------------------------------------------- */

static const char *parse_meta(const struct snap_reader *r, struct meta *m)
{
    const struct snap_section *s = snap_find(r, SNAP_SEC_META, 0);
    if (!s)
        return "it has no description of its VM";
    struct wire_in in = wire_in(snap_data(r, s), s->length);
    if (wire_get_u32(&in) != META_MAGIC || wire_get_u32(&in) != META_VERSION)
        return "its VM description is of another version";
    m->kind = wire_get_u32(&in), m->vcpus = wire_get_u32(&in), m->devices = wire_get_u32(&in);
    m->flags = wire_get_u32(&in);
    m->mem_mib = wire_get_u64(&in);
    wire_get_bytes(&in, m->name, sizeof m->name);
    if (!wire_in_done(&in))
        return "its VM description is malformed";
    if (m->kind != KIND_PV)
        return "it is not of a paravirtualized VM";
    if (m->flags & ~META_SUPERVISOR)
        return "its VM description has unknown flags";
    if (m->mem_mib < MICA_MEM_MIN_MIB || m->mem_mib > MICA_MEM_MAX_MIB)
        return "its memory size is outside what a VM may have";
    if (m->vcpus != PV_VCPUS_MAX || m->devices == 0 || m->devices > PV_BACKENDS_MAX)
        return "its vCPUs or devices are more than a PV VM has";
    if (!memchr(m->name, 0, sizeof m->name) || !m->name[0])
        return "its VM name is malformed";
    if (!snap_find(r, SNAP_SEC_RAM, 0))
        return "it has no memory";
    return NULL;
}

/* A required small section's bytes, or NULL with err filled. */
static const void *section(const struct snap_reader *r, uint32_t type, uint32_t instance,
                           size_t *len, char *err, size_t errlen)
{
    const struct snap_section *s = snap_find(r, type, instance);
    if (!s) {
        errmsg(err, errlen, -1, "snapshot %s refused: it lacks section type %u/%u", r->what,
               type, instance);
        return NULL;
    }
    *len = s->length;
    return snap_data(r, s);
}

typedef int (*load_fn)(struct pv_domain *d, const void *buf, size_t len, char *err, size_t errlen);

static int load_pts(struct pv_domain *d, const void *b, size_t l, char *e, size_t el)
{
    return pv_pt_load(&d->mmu, b, l, e, el);
}

static int load_one(const struct snap_reader *r, struct pv_domain *d, uint32_t type, load_fn fn,
                    char *err, size_t errlen)
{
    size_t len;
    const void *buf = section(r, type, 0, &len, err, errlen);
    char why[256];
    if (!buf)
        return -1;
    if (fn(d, buf, len, why, sizeof why) < 0)
        return errmsg(err, errlen, -1, "snapshot %s refused: %s", r->what, why);
    return 0;
}

static int load_devices(const struct snap_reader *r, struct pv_domain *d, const struct meta *m,
                        char *err, size_t errlen)
{
    if (m->devices != d->backend_count)
        return errmsg(err, errlen, -1, "snapshot %s: its VM had %u devices and a restored VM "
                      "has %u; restoring other back ends is not supported yet", r->what,
                      m->devices, d->backend_count);
    for (unsigned i = 0; i < d->backend_count; i++) {
        size_t len;
        const uint8_t *buf = section(r, SNAP_SEC_DEVICE, i, &len, err, errlen);
        char why[256];
        if (!buf)
            return -1;
        if (len < DEVICE_NAME_BYTES || strncmp((const char *)buf, d->backends[i]->ops->name,
                                               DEVICE_NAME_BYTES))
            return errmsg(err, errlen, -1, "snapshot %s refused: device %u is not a %s", r->what,
                          i, d->backends[i]->ops->name);
        if (pvio_restore(d->backends[i], buf + DEVICE_NAME_BYTES, len - DEVICE_NAME_BYTES, why,
                         sizeof why) < 0)
            return errmsg(err, errlen, -1, "snapshot %s refused: %s", r->what, why);
    }
    return 0;
}

static int load_vcpus(const struct snap_reader *r, struct pv_domain *d, struct pv_vcpu_state *s,
                      char *err, size_t errlen)
{
    for (unsigned i = 0; i < d->vcpu_count; i++) {
        size_t len;
        const void *buf = section(r, SNAP_SEC_VCPU, i, &len, err, errlen);
        char why[256];
        if (!buf)
            return -1;
        if (pv_vcpu_state_decode(&s[i], buf, len, why, sizeof why) < 0 ||
            (s[i].has_kvm && pv_domain_check_stack0(d, s[i].regs.rip, why, sizeof why) < 0))
            return errmsg(err, errlen, -1, "snapshot %s refused: %s", r->what, why);
    }
    return 0;
}

static int load_host(const struct snap_reader *r, struct pv_domain *d, const struct meta *m,
                     bool mapped, char *err, size_t errlen)
{
    if (!mapped && snap_read_memory(r, snap_find(r, SNAP_SEC_RAM, 0), d->ram.host, d->ram.size,
                                    err, errlen) < 0)
        return -1;
    if (load_one(r, d, SNAP_SEC_PV_PAGES, pv_domain_load_pages, err, errlen) < 0 ||
        load_one(r, d, SNAP_SEC_PV_PTS, load_pts, err, errlen) < 0 ||
        load_one(r, d, SNAP_SEC_EVTCHN, pv_evtchn_load, err, errlen) < 0 ||
        load_one(r, d, SNAP_SEC_GNTTAB, pv_gnttab_load, err, errlen) < 0)
        return -1;
    return load_devices(r, d, m, err, errlen);
}

/* The KVM half, then the vCPUs' saved state; the clock is measured again
 * against the restored TSC. */
static int start(struct pv_domain *d, const struct pv_vcpu_state *s, bool host_only, char *err,
                 size_t errlen)
{
    if (!host_only && pv_domain_start_kvm(d, MICA_IMAGE_BASE, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < d->vcpu_count; i++)
        if (pv_vcpu_apply(pv_domain_vcpu(d, i), &s[i], err, errlen) < 0)
            return -1;
    if (!host_only)
        pv_clock_init(&d->clock, pv_domain_vcpu(d, 0)->cpu.fd, d->shared);
    pv_domain_publish_clock(d);
    return 0;
}

static int build(struct pv_domain **out, const struct snap_reader *r, const struct meta *m,
                 const struct pv_snap_restore *opt, char *err, size_t errlen)
{
    struct pv_vcpu_state *s = calloc(PV_VCPUS_MAX, sizeof *s); /* XSAVE: not on the stack */
    const char *name = opt->name ? opt->name : m->name;
    char *argv[] = {(char *)name, NULL};
    struct pv_domain_config cfg = {
        .name = name, .mem_mib = m->mem_mib, .argc = 1, .argv = argv,
        .console_sink = opt->console_sink, .console_ctx = opt->console_ctx,
        .supervisor = m->flags & META_SUPERVISOR, /* its hypercall page and MSRs are the saved ones' */
    };
    /* A stand-in image: start_info is replaced by the saved one. */
    struct pv_image img = {.entry = MICA_IMAGE_BASE, .start = MICA_IMAGE_BASE,
                           .end = MICA_IMAGE_BASE + PV_PAGE};
    void *ram = NULL;
    if (!s)
        return errmsg(err, errlen, -1, "out of memory");
    if (opt->map_ram && snap_map_memory(r, snap_find(r, SNAP_SEC_RAM, 0), m->mem_mib << 20, &ram,
                                        err, errlen) < 0) {
        free(s);
        return -1;
    }
    cfg.ram_mapping = ram;
    struct pv_domain *d;
    if (pv_domain_alloc(&d, name, err, errlen) < 0) {
        if (ram)
            munmap(ram, m->mem_mib << 20);
        free(s);
        return -1;
    }
    int rc = 0;
    if (pv_domain_build_host(d, &cfg, &img, err, errlen) < 0 ||
        load_host(r, d, m, ram != NULL, err, errlen) < 0 || load_vcpus(r, d, s, err, errlen) < 0 ||
        start(d, s, opt->host_only, err, errlen) < 0) {
        pv_domain_destroy(d);
        rc = -1;
    } else {
        *out = d;
    }
    free(s);
    return rc;
}

/* Opens and checks the file, and reads what it says of its VM; then fn
 * (when there is one) builds from it. */
typedef int (*with_meta_fn)(const struct snap_reader *r, const struct meta *m, void *ctx,
                            char *err, size_t errlen);

static int with_meta(int fd, const char *what, with_meta_fn fn, void *ctx, char *err,
                     size_t errlen)
{
    struct snap_reader *r = malloc(sizeof *r);
    struct meta m;
    if (!r)
        return errmsg(err, errlen, -1, "snapshot %s: out of memory", what);
    int rc = snap_reader_open(r, fd, what, err, errlen);
    if (rc == 0) {
        const char *why = parse_meta(r, &m);
        rc = why ? errmsg(err, errlen, -1, "snapshot %s refused: %s", what, why)
                 : fn(r, &m, ctx, err, errlen);
        snap_reader_close(r);
    }
    free(r);
    return rc;
}

static int describe(const struct snap_reader *r, const struct meta *m, void *ctx, char *err,
                    size_t errlen)
{
    (void)r, (void)err, (void)errlen;
    struct pv_snap_info *info = ctx;
    memcpy(info->name, m->name, sizeof info->name);
    info->mem_mib = m->mem_mib;
    return 0;
}

int pv_snap_describe(int fd, const char *what, struct pv_snap_info *info, char *err,
                     size_t errlen)
{
    return with_meta(fd, what, describe, info, err, errlen);
}

struct restore_ctx {
    struct pv_domain **out;
    const struct pv_snap_restore *opt;
};

static int restore(const struct snap_reader *r, const struct meta *m, void *ctx, char *err,
                   size_t errlen)
{
    struct restore_ctx *c = ctx;
    return build(c->out, r, m, c->opt, err, errlen);
}

int pv_snap_restore(struct pv_domain **out, int fd, const char *what,
                    const struct pv_snap_restore *opt, char *err, size_t errlen)
{
    struct restore_ctx c = {out, opt};
    return with_meta(fd, what, restore, &c, err, errlen);
}
