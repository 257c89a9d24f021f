/* Checks the PV disk (mica run --disk IMG blkcheck.elf -- [MODE [SEED]]):
 *   write   writes a pattern over the first sectors (4 KiB requests, many
 *           in flight), flushes, reads it back (large requests) and verifies
 *   verify  only reads and verifies (data written by an earlier run)
 * A read-only disk must refuse the write instead. Exits 0 when all holds. */
#include "mica/blk.h"
#include "mica/mica.h"

#define CHECK_SECTORS 512u /* 256 KiB */

static uint8_t pattern(uint64_t sector, unsigned i, unsigned seed)
{
    return (uint8_t)(sector * 7 + i + seed);
}

static void fill(uint8_t *buf, uint64_t n, unsigned seed)
{
    for (uint64_t s = 0; s < n; s++)
        for (unsigned i = 0; i < MICA_BLK_SECTOR; i++)
            buf[s * MICA_BLK_SECTOR + i] = pattern(s, i, seed);
}

static int verify(struct mica_blk *b, uint8_t *buf, uint8_t *want, uint64_t n)
{
    memset(buf, 0, n * MICA_BLK_SECTOR);
    int st = mica_blk_read(b, 0, buf, n, 0);
    if (st != MICA_BLK_OK) {
        printf("blkcheck: read failed: %s\n", mica_blk_status_name(st));
        return 1;
    }
    for (uint64_t s = 0; s < n; s++)
        if (memcmp(buf + s * MICA_BLK_SECTOR, want + s * MICA_BLK_SECTOR, MICA_BLK_SECTOR)) {
            printf("blkcheck: MISMATCH at sector %llu\n", (unsigned long long)s);
            return 1;
        }
    printf("blkcheck: verified %llu sectors\n", (unsigned long long)n);
    return 0;
}

static int read_only_checks(struct mica_blk *b, uint8_t *buf)
{
    int st = mica_blk_write(b, 0, buf, 1, 0);
    printf("blkcheck: write to a read-only disk: %s\n", mica_blk_status_name(st));
    return st == MICA_BLK_EROFS && mica_blk_read(b, 0, buf, 1, 0) == MICA_BLK_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "write";
    unsigned seed = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
    struct mica_blk b;
    long rc = mica_blk_open(&b, 0);
    if (rc < 0) {
        printf("blkcheck: no disk to connect (%ld): run with --disk IMAGE\n", rc);
        return 2;
    }
    printf("blkcheck: disk of %llu sectors (%s)\n", (unsigned long long)b.sectors,
           b.read_only ? "read-only" : "read-write");
    uint64_t n = b.sectors < CHECK_SECTORS ? b.sectors : CHECK_SECTORS;
    uint8_t *buf = malloc(n * MICA_BLK_SECTOR), *want = malloc(n * MICA_BLK_SECTOR);
    if (!buf || !want)
        return 2;
    fill(want, n, seed);
    int bad = 0;
    if (b.read_only) {
        bad = read_only_checks(&b, buf);
    } else {
        if (!strcmp(mode, "write")) {
            int st = mica_blk_write(&b, 0, want, n, MICA_BLK_SECTORS_PER_PAGE);
            int fl = mica_blk_flush(&b);
            printf("blkcheck: wrote %llu sectors (%s), flush %s\n", (unsigned long long)n,
                   mica_blk_status_name(st), mica_blk_status_name(fl));
            bad |= st != MICA_BLK_OK || fl != MICA_BLK_OK;
        }
        bad |= verify(&b, buf, want, n);
        int past = mica_blk_read(&b, b.sectors, buf, 1, 0);
        printf("blkcheck: a read past the end: %s\n", mica_blk_status_name(past));
        bad |= past != MICA_BLK_EINVAL;
    }
    printf("blkcheck: %llu requests, %llu waits\n", (unsigned long long)b.requests,
           (unsigned long long)b.waits);
    rc = mica_blk_close(&b);
    printf("blkcheck: %s\n", bad || rc < 0 ? "FAILED" : "ok");
    return bad || rc < 0;
}
