/* Sequential throughput of the PV disk from a guest (bench/blk_bench.sh):
 *   blkbench.elf -- OP KIB MIB   OP read|write, requests of KIB KiB, MIB MiB
 * moved from sector 0 in 1 MiB calls (so up to MICA_BLK_SLOTS requests in
 * flight); a write ends with a flush, inside the timing. A request carries
 * at most 11 pages (44 KiB): larger KIB are cut to that. Prints one line:
 *   blkbench OP KIB: BYTES bytes in NS ns, REQS requests, KICKS kicks, WAITS waits */
#include "mica/blk.h"
#include "mica/mica.h"

#define CALL_SECTORS 2048u /* 1 MiB per call */

int main(int argc, char **argv)
{
    if (argc != 4) {
        printf("usage: blkbench.elf -- read|write KIB MIB\n");
        return 2;
    }
    bool write = !strcmp(argv[1], "write");
    uint32_t chunk = (uint32_t)atoi(argv[2]) * 2;
    if (chunk > MICA_BLK_CHUNK_MAX)
        chunk = MICA_BLK_CHUNK_MAX;
    uint64_t total = (uint64_t)atoi(argv[3]) * 2048;
    struct mica_blk b;
    if (mica_blk_open(&b, 0) < 0 || total > b.sectors || chunk == 0 || chunk > MICA_BLK_CHUNK_MAX) {
        printf("blkbench: no disk, or it is smaller than %s MiB, or bad KIB\n", argv[3]);
        return 2;
    }
    uint8_t *buf = malloc(CALL_SECTORS * MICA_BLK_SECTOR);
    if (!buf)
        return 2;
    memset(buf, 0x5a, CALL_SECTORS * MICA_BLK_SECTOR);
    uint64_t t0 = mica_time_monotonic();
    int st = MICA_BLK_OK;
    for (uint64_t s = 0; s < total && st == MICA_BLK_OK; s += CALL_SECTORS) {
        uint64_t n = total - s < CALL_SECTORS ? total - s : CALL_SECTORS;
        st = write ? mica_blk_write(&b, s, buf, n, chunk) : mica_blk_read(&b, s, buf, n, chunk);
    }
    if (write && st == MICA_BLK_OK)
        st = mica_blk_flush(&b);
    uint64_t ns = mica_time_monotonic() - t0;
    if (st != MICA_BLK_OK) {
        printf("blkbench: %s\n", mica_blk_status_name(st));
        return 1;
    }
    printf("blkbench %s %s: %llu bytes in %llu ns, %llu requests, %llu kicks, %llu waits\n",
           argv[1], argv[2], (unsigned long long)(total * MICA_BLK_SECTOR), (unsigned long long)ns,
           (unsigned long long)b.requests, (unsigned long long)b.kicks, (unsigned long long)b.waits);
    return 0;
}
