/*
 * The snapshot file (docs/snapshot.md): a fixed header (magic, format
 * version, the host CPU profile, where the section table is, checksums),
 * sections of saved state, and the section table (type, instance, offset,
 * length, zlib crc32 of each). Memory sections start on a page boundary so
 * a clone can map them copy-on-write; pages of zeros are left as holes.
 *
 * The reader takes the file as hostile: a truncated, corrupted, foreign,
 * newer or oversize file is refused with one line naming the file and the
 * reason, before any VM is made from it. It checks the header, the table
 * and the CPU profile, and reads and checks every small section at open;
 * memory is checked as it is read (snap_read_memory), or trusted when it is
 * mapped (snap_map_memory: guest memory can only harm its own guest).
 */
#ifndef MICA_SNAP_SNAP_FILE_H
#define MICA_SNAP_SNAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snap/cpu_profile.h"

#define SNAP_MAGIC "MICASNAP"
#define SNAP_VERSION 1u
#define SNAP_HEADER_BYTES 128u
#define SNAP_ENTRY_BYTES 32u
#define SNAP_SECTIONS_MAX 64u
#define SNAP_PAGE 4096u
#define SNAP_SMALL_MAX (32u << 20)       /* one section that is not memory */
#define SNAP_SMALL_TOTAL_MAX (64u << 20) /* all of them                     */
#define SNAP_MEMORY_MAX (4096ull << 20)  /* one memory section              */

enum snap_section_type {
    SNAP_SEC_META = 1,     /* what the VM is: kind, memory, vCPUs, name    */
    SNAP_SEC_RAM = 2,      /* guest RAM (memory: page-aligned)             */
    SNAP_SEC_PV_PAGES = 3, /* PV start_info, shared_info and console pages */
    SNAP_SEC_PV_PTS = 4,   /* PV user page tables                           */
    SNAP_SEC_VCPU = 5,     /* instance: the vCPU's index                    */
    SNAP_SEC_EVTCHN = 6,   /* PV event channels                             */
    SNAP_SEC_GNTTAB = 7,   /* PV grant table                                */
    SNAP_SEC_DEVICE = 8,   /* instance: the back end's index; name + state  */
    SNAP_SEC_TYPES
};

struct snap_section {
    uint32_t type, instance;
    uint64_t offset, length;
    uint32_t crc;
};

struct snap_writer {
    int fd;
    uint64_t pos;
    unsigned n;
    struct snap_section sec[SNAP_SECTIONS_MAX];
    struct cpu_profile cpu; /* the host's; tests may change it */
    int error;              /* the first failure's errno, 0 */
    char why[160];          /* and what failed */
};

/* Starts a snapshot in fd (emptied first; written with pwrite). */
void snap_writer_init(struct snap_writer *w, int fd);
/* Adds a section; failures are remembered and reported by finish. */
void snap_writer_add(struct snap_writer *w, uint32_t type, uint32_t instance, const void *buf,
                     size_t len);
/* Adds a memory section: page-aligned in the file, zero pages as holes. */
void snap_writer_add_memory(struct snap_writer *w, uint32_t type, uint32_t instance,
                            const void *mem, uint64_t len);
/* Writes the table and the header. 0, or -1 with one line in err. */
int snap_writer_finish(struct snap_writer *w, const char *what, char *err, size_t errlen);

struct snap_reader {
    int fd;
    uint64_t file_bytes;
    unsigned n;
    struct snap_section sec[SNAP_SECTIONS_MAX];
    void *data[SNAP_SECTIONS_MAX]; /* small sections, read and checked */
    struct cpu_profile cpu;
    char what[128];                /* the file's name, for messages */
};

/* Opens and checks the snapshot in fd (named `what` in messages) for this
 * host. 0, or -1 with one line in err and nothing to close. The reader
 * does not own fd. */
int snap_reader_open(struct snap_reader *r, int fd, const char *what, char *err, size_t errlen);
/* The same against a given CPU profile (tests). */
int snap_reader_open_for(struct snap_reader *r, int fd, const char *what,
                         const struct cpu_profile *here, char *err, size_t errlen);
void snap_reader_close(struct snap_reader *r);

/* The section of type and instance, or NULL. */
const struct snap_section *snap_find(const struct snap_reader *r, uint32_t type, uint32_t instance);
/* A small section's bytes (checked at open). */
const void *snap_data(const struct snap_reader *r, const struct snap_section *s);
/* Reads a memory section of exactly len bytes into dst and checks it.
 * 0, or -1 with one line in err. */
int snap_read_memory(const struct snap_reader *r, const struct snap_section *s, void *dst,
                     uint64_t len, char *err, size_t errlen);
/* Maps a memory section of exactly len bytes copy-on-write (MAP_PRIVATE)
 * at *out: pages stay shared with the page cache until the guest writes
 * them. 0, or -1 with one line in err. */
int snap_map_memory(const struct snap_reader *r, const struct snap_section *s, uint64_t len,
                    void **out, char *err, size_t errlen);

/* Whether a section type holds memory. */
bool snap_type_is_memory(uint32_t type);

#endif
