/*
 * Guest RAM as the host sees it. Every access to guest-physical memory made
 * on a guest's behalf goes through guest_mem_ptr(), which refuses any range
 * that is not wholly inside RAM: guests are hostile, and an address or a
 * length they supply is never trusted.
 */
#ifndef MICA_VMM_GUEST_MEM_H
#define MICA_VMM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem {
    uint8_t *host;  /* mmap of the whole RAM                */
    uint64_t size;  /* bytes, a multiple of the page size    */
    uint64_t gpa;   /* guest-physical address of host[0]     */
};

/* Host pointer for guest-physical [gpa, gpa + len), or NULL when any byte of
 * it lies outside the region (overflow-safe; len 0 is allowed). */
static inline void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
    if (gpa < m->gpa)
        return NULL;
    uint64_t off = gpa - m->gpa;
    if (off > m->size || len > m->size - off)
        return NULL;
    return m->host + off;
}

/* Maps `size` bytes of anonymous memory for a guest at `gpa` (not yet given
 * to KVM). Returns 0 or -errno. */
int guest_mem_alloc(struct guest_mem *m, uint64_t gpa, uint64_t size);
void guest_mem_free(struct guest_mem *m);

/* Asks the host to back the region with 4 KiB pages only (no transparent
 * huge pages, MADV_NOHUGEPAGE): a 4 KiB page given back (MADV_DONTNEED)
 * is then freed at once, where part of a huge page would stay allocated
 * until the kernel splits it under memory pressure. 0 or -1 with errno. */
int guest_mem_small_pages(struct guest_mem *m);

/* Offers the region to the host's same-page merging (KSM, MADV_MERGEABLE):
 * identical pages of it and of other mergeable regions may then share one
 * copy-on-write host page. 0, or -1 with errno (EINVAL: no CONFIG_KSM). */
int guest_mem_mergeable(struct guest_mem *m);
/* Takes over `size` bytes already mapped at host (e.g. a snapshot's RAM,
 * mapped copy-on-write) as memory at gpa; guest_mem_free unmaps it. */
static inline void guest_mem_adopt(struct guest_mem *m, void *host, uint64_t gpa, uint64_t size)
{
    m->host = host;
    m->size = size;
    m->gpa = gpa;
}

#endif
