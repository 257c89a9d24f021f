#include "snap/snap_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/errmsg.h"
#include "util/wire.h"

#define IO_CHUNK (1u << 20)
#define HEADER_CRC_AT (SNAP_HEADER_BYTES - 4)

static uint32_t crc_of(uint32_t crc, const void *p, uint64_t len)
{
    return (uint32_t)crc32_z(crc, p, (size_t)len);
}

bool snap_type_is_memory(uint32_t type) { return type == SNAP_SEC_RAM; }

static uint64_t align_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

/* ---- writing ------------------------------------------------------------ */

static void fail(struct snap_writer *w, int error, const char *why)
{
    if (w->error)
        return;
    w->error = error ? error : EIO;
    snprintf(w->why, sizeof w->why, "%s", why);
}

static void write_at(struct snap_writer *w, const void *buf, uint64_t len, uint64_t at)
{
    const uint8_t *p = buf;
    while (!w->error && len) {
        ssize_t n = pwrite(w->fd, p, len > IO_CHUNK ? IO_CHUNK : (size_t)len, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail(w, n < 0 ? errno : ENOSPC, "cannot write it");
        else
            p += n, len -= (uint64_t)n, at += (uint64_t)n;
    }
}

void snap_writer_init(struct snap_writer *w, int fd)
{
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->pos = SNAP_HEADER_BYTES;
    cpu_profile_host(&w->cpu);
    if (ftruncate(fd, 0) < 0) /* holes must read as zeros, not old bytes */
        fail(w, errno, "cannot empty it");
}

static struct snap_section *new_section(struct snap_writer *w, uint32_t type, uint32_t instance)
{
    if (w->n == SNAP_SECTIONS_MAX) {
        fail(w, E2BIG, "too many sections");
        return NULL;
    }
    struct snap_section *s = &w->sec[w->n++];
    *s = (struct snap_section){.type = type, .instance = instance, .offset = w->pos};
    return s;
}

void snap_writer_add(struct snap_writer *w, uint32_t type, uint32_t instance, const void *buf,
                     size_t len)
{
    struct snap_section *s = new_section(w, type, instance);
    if (!s)
        return;
    s->length = len;
    s->crc = crc_of(0, buf, len);
    write_at(w, buf, len, w->pos);
    w->pos = align_up(w->pos + len, 8);
}

static bool page_is_zero(const uint8_t *p)
{
    const uint64_t *q = (const uint64_t *)p;
    for (unsigned i = 0; i < SNAP_PAGE / 8; i++)
        if (q[i])
            return false;
    return true;
}

void snap_writer_add_memory(struct snap_writer *w, uint32_t type, uint32_t instance,
                            const void *mem, uint64_t len)
{
    w->pos = align_up(w->pos, SNAP_PAGE);
    struct snap_section *s = new_section(w, type, instance);
    if (!s)
        return;
    const uint8_t *p = mem;
    s->length = len;
    s->crc = crc_of(0, mem, len);
    /* Runs of non-zero pages are written; zero pages stay holes. */
    uint64_t run = 0;
    for (uint64_t off = 0; off < len && !w->error; off += SNAP_PAGE) {
        uint64_t page = len - off < SNAP_PAGE ? len - off : SNAP_PAGE;
        if (page == SNAP_PAGE && page_is_zero(p + off)) {
            write_at(w, p + off - run, run, w->pos + off - run);
            run = 0;
        } else {
            run += page;
        }
    }
    write_at(w, p + len - run, run, w->pos + len - run);
    w->pos = align_up(w->pos + len, SNAP_PAGE);
}

static void put_profile(struct wire_out *o, const struct cpu_profile *c)
{
    wire_put_bytes(o, c->vendor, sizeof c->vendor);
    wire_put_u32(o, c->signature);
    for (int i = 0; i < CPU_PROFILE_WORDS; i++)
        wire_put_u32(o, c->words[i]);
}

int snap_writer_finish(struct snap_writer *w, const char *what, char *err, size_t errlen)
{
    uint8_t table[SNAP_SECTIONS_MAX * SNAP_ENTRY_BYTES], head[SNAP_HEADER_BYTES] = {0};
    struct wire_out t = wire_out(table, sizeof table), h = wire_out(head, sizeof head);
    for (unsigned i = 0; i < w->n; i++) {
        const struct snap_section *s = &w->sec[i];
        wire_put_u32(&t, s->type), wire_put_u32(&t, s->instance);
        wire_put_u64(&t, s->offset), wire_put_u64(&t, s->length);
        wire_put_u32(&t, s->crc), wire_put_u32(&t, 0);
    }
    uint64_t table_at = w->pos, file_bytes = table_at + t.len;
    wire_put_bytes(&h, SNAP_MAGIC, 8);
    wire_put_u32(&h, SNAP_VERSION), wire_put_u32(&h, SNAP_HEADER_BYTES);
    wire_put_u32(&h, w->n), wire_put_u32(&h, 0);
    wire_put_u64(&h, table_at), wire_put_u64(&h, file_bytes);
    put_profile(&h, &w->cpu);
    wire_put_u32(&h, crc_of(0, table, t.len));
    uint32_t head_crc = crc_of(0, head, HEADER_CRC_AT);
    h.len = HEADER_CRC_AT;
    wire_put_u32(&h, head_crc);
    write_at(w, table, t.len, table_at);
    if (!w->error && ftruncate(w->fd, (off_t)file_bytes) < 0)
        fail(w, errno, "cannot size it");
    write_at(w, head, sizeof head, 0);
    if (w->error)
        return errmsg(err, errlen, -1, "snapshot %s: %s: %s", what, w->why, strerror(w->error));
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

static int refuse(const struct snap_reader *r, char *err, size_t errlen, const char *why)
{
    return errmsg(err, errlen, -1, "snapshot %s refused: %s", r->what, why);
}

static int read_at(int fd, void *buf, uint64_t len, uint64_t at)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len > IO_CHUNK ? IO_CHUNK : (size_t)len, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n, len -= (uint64_t)n, at += (uint64_t)n;
    }
    return 0;
}

struct header {
    uint32_t version, header_bytes, count, reserved;
    uint64_t table_at, file_bytes;
    uint32_t table_crc, crc;
};

static void get_profile(struct wire_in *in, struct cpu_profile *c)
{
    wire_get_bytes(in, c->vendor, sizeof c->vendor);
    c->signature = wire_get_u32(in);
    for (int i = 0; i < CPU_PROFILE_WORDS; i++)
        c->words[i] = wire_get_u32(in);
}

static int parse_header(struct snap_reader *r, const uint8_t *head, struct header *h, char *err,
                        size_t errlen)
{
    struct wire_in in = wire_in(head, SNAP_HEADER_BYTES);
    char magic[8];
    wire_get_bytes(&in, magic, sizeof magic);
    h->version = wire_get_u32(&in), h->header_bytes = wire_get_u32(&in);
    h->count = wire_get_u32(&in), h->reserved = wire_get_u32(&in);
    h->table_at = wire_get_u64(&in), h->file_bytes = wire_get_u64(&in);
    get_profile(&in, &r->cpu);
    h->table_crc = wire_get_u32(&in);
    in.pos = HEADER_CRC_AT;
    h->crc = wire_get_u32(&in);
    if (memcmp(magic, SNAP_MAGIC, sizeof magic))
        return refuse(r, err, errlen, "not a mica snapshot (bad magic)");
    if (h->version != SNAP_VERSION)
        return errmsg(err, errlen, -1, "snapshot %s refused: format version %u, this mica reads "
                      "version %u", r->what, h->version, SNAP_VERSION);
    if (h->crc != crc_of(0, head, HEADER_CRC_AT))
        return refuse(r, err, errlen, "its header is corrupted (checksum mismatch)");
    if (h->header_bytes != SNAP_HEADER_BYTES || h->reserved)
        return refuse(r, err, errlen, "its header is malformed");
    if (h->count > SNAP_SECTIONS_MAX)
        return refuse(r, err, errlen, "more sections than a snapshot may have");
    return 0;
}

static int check_extent(struct snap_reader *r, const struct header *h, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(r->fd, &st) < 0)
        return errmsg(err, errlen, -1, "snapshot %s: %s", r->what, strerror(errno));
    if ((uint64_t)st.st_size < h->file_bytes)
        return refuse(r, err, errlen, "it is truncated");
    if ((uint64_t)st.st_size > h->file_bytes)
        return refuse(r, err, errlen, "it has bytes after its end");
    if (h->table_at < SNAP_HEADER_BYTES || h->table_at > h->file_bytes ||
        h->file_bytes - h->table_at != (uint64_t)h->count * SNAP_ENTRY_BYTES)
        return refuse(r, err, errlen, "its section table is out of place");
    r->file_bytes = h->file_bytes;
    return 0;
}

/* One entry's own checks: a known type, inside the file, of a sane size. */
static const char *entry_fault(const struct snap_section *s, uint64_t end)
{
    if (s->type == 0 || s->type >= SNAP_SEC_TYPES)
        return "a section of an unknown type";
    if (s->offset < SNAP_HEADER_BYTES || s->offset > end || s->length > end - s->offset)
        return "a section outside the file";
    if (snap_type_is_memory(s->type)) {
        if (s->offset % SNAP_PAGE || s->length % SNAP_PAGE)
            return "a memory section not on page boundaries";
        if (s->length > SNAP_MEMORY_MAX)
            return "a memory section larger than a VM may have";
    } else if (s->length > SNAP_SMALL_MAX) {
        return "a state section larger than any state";
    }
    return NULL;
}

static bool overlap(const struct snap_section *a, const struct snap_section *b)
{
    return a->offset < b->offset + b->length && b->offset < a->offset + a->length;
}

static const char *table_fault(const struct snap_reader *r, uint64_t end)
{
    uint64_t small = 0;
    for (unsigned i = 0; i < r->n; i++) {
        const struct snap_section *s = &r->sec[i];
        const char *why = entry_fault(s, end);
        if (why)
            return why;
        if (!snap_type_is_memory(s->type) && (small += s->length) > SNAP_SMALL_TOTAL_MAX)
            return "more state than any VM has";
        for (unsigned j = 0; j < i; j++) {
            if (r->sec[j].type == s->type && r->sec[j].instance == s->instance)
                return "a section twice";
            if (s->length && r->sec[j].length && overlap(s, &r->sec[j]))
                return "overlapping sections";
        }
    }
    return NULL;
}

static int read_table(struct snap_reader *r, const struct header *h, char *err, size_t errlen)
{
    uint8_t table[SNAP_SECTIONS_MAX * SNAP_ENTRY_BYTES];
    size_t len = (size_t)h->count * SNAP_ENTRY_BYTES;
    int rc = read_at(r->fd, table, len, h->table_at);
    if (rc < 0)
        return errmsg(err, errlen, -1, "snapshot %s: cannot read its section table: %s", r->what,
                      strerror(-rc));
    if (crc_of(0, table, len) != h->table_crc)
        return refuse(r, err, errlen, "its section table is corrupted (checksum mismatch)");
    struct wire_in in = wire_in(table, len);
    r->n = h->count;
    for (unsigned i = 0; i < r->n; i++) {
        struct snap_section *s = &r->sec[i];
        s->type = wire_get_u32(&in), s->instance = wire_get_u32(&in);
        s->offset = wire_get_u64(&in), s->length = wire_get_u64(&in);
        s->crc = wire_get_u32(&in);
        if (wire_get_u32(&in))
            return refuse(r, err, errlen, "its section table is malformed");
    }
    const char *why = table_fault(r, h->table_at);
    return why ? refuse(r, err, errlen, why) : 0;
}

static int read_small(struct snap_reader *r, unsigned i, char *err, size_t errlen)
{
    const struct snap_section *s = &r->sec[i];
    r->data[i] = malloc(s->length ? s->length : 1);
    if (!r->data[i])
        return errmsg(err, errlen, -1, "snapshot %s: out of memory", r->what);
    int rc = read_at(r->fd, r->data[i], s->length, s->offset);
    if (rc < 0)
        return errmsg(err, errlen, -1, "snapshot %s: cannot read it: %s", r->what, strerror(-rc));
    if (crc_of(0, r->data[i], s->length) != s->crc)
        return errmsg(err, errlen, -1, "snapshot %s refused: section %u (type %u) is corrupted "
                      "(checksum mismatch)", r->what, i, s->type);
    return 0;
}

int snap_reader_open_for(struct snap_reader *r, int fd, const char *what,
                         const struct cpu_profile *here, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    snprintf(r->what, sizeof r->what, "%s", what);
    uint8_t head[SNAP_HEADER_BYTES];
    struct header h;
    char why[200];
    int rc = read_at(fd, head, sizeof head, 0);
    if (rc == -EIO)
        return refuse(r, err, errlen, "it is shorter than a snapshot header");
    if (rc < 0)
        return errmsg(err, errlen, -1, "snapshot %s: cannot read it: %s", what, strerror(-rc));
    if (parse_header(r, head, &h, err, errlen) < 0 || check_extent(r, &h, err, errlen) < 0)
        return -1;
    if (cpu_profile_check(&r->cpu, here, why, sizeof why) < 0)
        return refuse(r, err, errlen, why);
    if (read_table(r, &h, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < r->n; i++)
        if (!snap_type_is_memory(r->sec[i].type) && read_small(r, i, err, errlen) < 0) {
            snap_reader_close(r);
            return -1;
        }
    return 0;
}

int snap_reader_open(struct snap_reader *r, int fd, const char *what, char *err, size_t errlen)
{
    struct cpu_profile here;
    cpu_profile_host(&here);
    return snap_reader_open_for(r, fd, what, &here, err, errlen);
}

void snap_reader_close(struct snap_reader *r)
{
    for (unsigned i = 0; i < SNAP_SECTIONS_MAX; i++) {
        free(r->data[i]);
        r->data[i] = NULL;
    }
}

const struct snap_section *snap_find(const struct snap_reader *r, uint32_t type, uint32_t instance)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->sec[i].type == type && r->sec[i].instance == instance)
            return &r->sec[i];
    return NULL;
}

const void *snap_data(const struct snap_reader *r, const struct snap_section *s)
{
    return r->data[s - r->sec];
}

static int wrong_size(const struct snap_reader *r, const struct snap_section *s, uint64_t len,
                      char *err, size_t errlen)
{
    return errmsg(err, errlen, -1, "snapshot %s refused: its memory is %llu bytes, the VM it "
                  "describes has %llu", r->what, (unsigned long long)s->length,
                  (unsigned long long)len);
}

int snap_read_memory(const struct snap_reader *r, const struct snap_section *s, void *dst,
                     uint64_t len, char *err, size_t errlen)
{
    if (s->length != len)
        return wrong_size(r, s, len, err, errlen);
    int rc = read_at(r->fd, dst, len, s->offset);
    if (rc < 0)
        return errmsg(err, errlen, -1, "snapshot %s: cannot read its memory: %s", r->what,
                      strerror(-rc));
    if (crc_of(0, dst, len) != s->crc)
        return refuse(r, err, errlen, "its memory is corrupted (checksum mismatch)");
    return 0;
}

int snap_map_memory(const struct snap_reader *r, const struct snap_section *s, uint64_t len,
                    void **out, char *err, size_t errlen)
{
    if (s->length != len)
        return wrong_size(r, s, len, err, errlen);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, r->fd,
                   (off_t)s->offset);
    if (p == MAP_FAILED)
        return errmsg(err, errlen, -1, "snapshot %s: cannot map its memory: %s", r->what,
                      strerror(errno));
    *out = p;
    return 0;
}
