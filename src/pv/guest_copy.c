#include "pv/guest_copy.h"

#include <string.h>

#include "mica/abi.h"

/* Walks [va, va+len) page by page; calls fn on each host chunk. */
static int for_each_chunk(const struct pv_mmu *mmu, mica_gva_t va, size_t len,
                          enum pv_access access, void (*fn)(void *host, size_t off, size_t n, void *ctx),
                          void *ctx)
{
    if (va + len < va)
        return -MICA_EFAULT;
    size_t off = 0;
    while (off < len) {
        uint64_t at = va + off;
        size_t n = PV_PAGE - (at & (PV_PAGE - 1));
        if (n > len - off)
            n = len - off;
        void *host = pv_pt_user_ptr(mmu, at, access);
        if (!host)
            return -MICA_EFAULT;
        if (fn)
            fn(host, off, n, ctx);
        off += n;
    }
    return 0;
}

int pv_guest_range_ok(const struct pv_mmu *mmu, mica_gva_t va, size_t len, enum pv_access access)
{
    return for_each_chunk(mmu, va, len, access, NULL, NULL);
}

static void chunk_in(void *host, size_t off, size_t n, void *ctx)
{
    memcpy((char *)ctx + off, host, n);
}

static void chunk_out(void *host, size_t off, size_t n, void *ctx)
{
    memcpy(host, (const char *)ctx + off, n);
}

int pv_copy_from_guest(const struct pv_mmu *mmu, void *dst, mica_gva_t va, size_t len)
{
    return for_each_chunk(mmu, va, len, PV_READ, chunk_in, dst);
}

int pv_copy_to_guest(const struct pv_mmu *mmu, mica_gva_t va, const void *src, size_t len)
{
    int rc = pv_guest_range_ok(mmu, va, len, PV_WRITE);
    if (rc == 0)
        rc = for_each_chunk(mmu, va, len, PV_WRITE, chunk_out, (void *)src);
    return rc;
}
