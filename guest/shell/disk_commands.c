/* The shell's disk commands (the PV block device, mica/blk.h): the first
 * disk is connected at its first use and stays connected. */
#include "mica/blk.h"
#include "mica/mica.h"
#include "shell.h"

static struct mica_blk disk;
static bool connected;

static struct mica_blk *first_disk(void)
{
    if (connected)
        return &disk;
    long rc = mica_blk_open(&disk, 0);
    if (rc < 0) {
        printf("no disk (%ld): start mica with --disk IMAGE\n", rc);
        return NULL;
    }
    connected = true;
    return &disk;
}

/* A sector number below the disk's size, or -1 with the usage printed. */
static int64_t sector_arg(const struct mica_blk *b, const char *arg, const char *usage)
{
    char *end;
    unsigned long s = strtoul(arg, &end, 0);
    if (*end || !*arg || s >= b->sectors) {
        printf("usage: %s (SECTOR below %llu)\n", usage, (unsigned long long)b->sectors);
        return -1;
    }
    return (int64_t)s;
}

void shell_cmd_disk(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct mica_blk *b = first_disk();
    if (b)
        printf("disk 0: %llu sectors of %u bytes (%llu KiB), %s; %llu requests so far\n",
               (unsigned long long)b->sectors, MICA_BLK_SECTOR,
               (unsigned long long)(b->sectors / 2), b->read_only ? "read-only" : "read-write",
               (unsigned long long)b->requests);
}

void shell_cmd_dread(int argc, char **argv)
{
    struct mica_blk *b = argc == 2 ? first_disk() : NULL;
    int64_t s = b ? sector_arg(b, argv[1], "dread SECTOR") : -1;
    if (argc != 2 && !b)
        printf("usage: dread SECTOR\n");
    if (s < 0)
        return;
    uint8_t buf[MICA_BLK_SECTOR];
    int st = mica_blk_read(b, (uint64_t)s, buf, 1, 0);
    if (st != MICA_BLK_OK) {
        printf("dread: %s\n", mica_blk_status_name(st));
        return;
    }
    for (unsigned off = 0; off < sizeof buf; off += 16) {
        printf("%03x:", off);
        for (unsigned i = 0; i < 16; i++)
            printf(" %02x", buf[off + i]);
        printf("  ");
        for (unsigned i = 0; i < 16; i++)
            putchar(isprint(buf[off + i]) ? buf[off + i] : '.');
        printf("\n");
    }
}

void shell_cmd_dwrite(int argc, char **argv)
{
    struct mica_blk *b = argc >= 3 ? first_disk() : NULL;
    int64_t s = b ? sector_arg(b, argv[1], "dwrite SECTOR TEXT...") : -1;
    if (argc < 3 && !b)
        printf("usage: dwrite SECTOR TEXT...\n");
    if (s < 0)
        return;
    uint8_t buf[MICA_BLK_SECTOR] = {0};
    size_t len = 0;
    for (int i = 2; i < argc && len < sizeof buf; i++) {
        len += strlcpy((char *)buf + len, argv[i], sizeof buf - len);
        if (i + 1 < argc && len < sizeof buf - 1)
            buf[len++] = ' ';
    }
    int st = mica_blk_write(b, (uint64_t)s, buf, 1, 0);
    int fl = st == MICA_BLK_OK ? mica_blk_flush(b) : st;
    printf("dwrite: sector %lld: %s\n", (long long)s, mica_blk_status_name(fl));
}
