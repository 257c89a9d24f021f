#include "vmm/guest_mem.h"

#include <errno.h>
#include <sys/mman.h>

int guest_mem_alloc(struct guest_mem *m, uint64_t gpa, uint64_t size)
{
    /* MAP_NORESERVE: guests are sized generously and touch little of it. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    m->host = p;
    m->size = size;
    m->gpa = gpa;
    return 0;
}

void guest_mem_free(struct guest_mem *m)
{
    if (m->host)
        munmap(m->host, m->size);
    m->host = NULL;
    m->size = 0;
}

int guest_mem_mergeable(struct guest_mem *m)
{
    return madvise(m->host, m->size, MADV_MERGEABLE);
}

int guest_mem_small_pages(struct guest_mem *m)
{
    if (!m->host)
        return 0;
    return madvise(m->host, m->size, MADV_NOHUGEPAGE);
}
