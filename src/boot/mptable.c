#include "boot/mptable.h"

#include <errno.h>
#include <string.h>

#include "boot/x86_layout.h"
#include "util/errmsg.h"

/* Structures and values from the MP specification 1.4, chapter 4. */
struct mpf_intel {           /* floating pointer, 16 bytes */
    char signature[4];       /* "_MP_" */
    uint32_t physptr;
    uint8_t length;          /* in 16-byte units: 1 */
    uint8_t specification;   /* 4 = version 1.4 */
    uint8_t checksum;
    uint8_t feature1;        /* 0: a configuration table is present */
    uint8_t feature2;
    uint8_t feature3, feature4, feature5;
} __attribute__((packed));

struct mpc_table {           /* configuration table header, 44 bytes */
    char signature[4];       /* "PCMP" */
    uint16_t length;
    uint8_t spec;
    uint8_t checksum;
    char oem[8];
    char productid[12];
    uint32_t oemptr;
    uint16_t oemsize;
    uint16_t oemcount;       /* number of entries */
    uint32_t lapic;
    uint16_t reserved;
    uint8_t ext_checksum, reserved2;
} __attribute__((packed));

struct mpc_cpu {             /* entry type 0, 20 bytes */
    uint8_t type, apicid, apicver, cpuflag;
    uint32_t cpufeature, featureflag;
    uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {             /* entry type 1, 8 bytes */
    uint8_t type, busid;
    char bustype[6];
} __attribute__((packed));

struct mpc_ioapic {          /* entry type 2, 8 bytes */
    uint8_t type, apicid, apicver, flags;
    uint32_t apicaddr;
} __attribute__((packed));

struct mpc_intsrc {          /* entry types 3 and 4, 8 bytes */
    uint8_t type, irqtype;
    uint16_t irqflag;
    uint8_t srcbus, srcbusirq, dstapic, dstirq;
} __attribute__((packed));

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

#define CPU_ENABLED     1
#define CPU_BOOTPROC    2
#define APIC_VERSION    0x14
#define IOAPIC_VERSION  0x11
#define ISA_IRQS        16
#define CPU_SIGNATURE   0x600           /* family 6 */
#define CPU_FEATURES    (1u << 0 | 1u << 9) /* FPU, APIC */

static uint8_t checksum(const void *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ((const uint8_t *)p)[i];
    return (uint8_t)-sum;
}

size_t mptable_config_size(unsigned ncpus)
{
    return sizeof(struct mpc_table) + ncpus * sizeof(struct mpc_cpu) + sizeof(struct mpc_bus) +
           sizeof(struct mpc_ioapic) + (ISA_IRQS + 2) * sizeof(struct mpc_intsrc);
}

static uint8_t *put_cpus(uint8_t *p, unsigned ncpus)
{
    for (unsigned i = 0; i < ncpus; i++) {
        struct mpc_cpu c = {
            .type = MP_PROCESSOR, .apicid = (uint8_t)i, .apicver = APIC_VERSION,
            .cpuflag = CPU_ENABLED | (i == 0 ? CPU_BOOTPROC : 0),
            .cpufeature = CPU_SIGNATURE, .featureflag = CPU_FEATURES,
        };
        memcpy(p, &c, sizeof(c));
        p += sizeof(c);
    }
    return p;
}

static uint8_t *put_intsrc(uint8_t *p, uint8_t type, uint8_t irqtype, uint8_t srcirq,
                           uint8_t dstapic, uint8_t dstirq)
{
    struct mpc_intsrc s = { .type = type, .irqtype = irqtype, .irqflag = 0 /* bus default */,
                            .srcbus = 0, .srcbusirq = srcirq, .dstapic = dstapic, .dstirq = dstirq };
    memcpy(p, &s, sizeof(s));
    return p + sizeof(s);
}

/* One ISA bus; its 16 IRQs go to the same-numbered IOAPIC pins, which is how
 * KVM's in-kernel irqchip routes GSIs 0-15 by default; LINT0 is ExtINT
 * (the PIC) and LINT1 NMI, as on a PC. */
static uint8_t *put_bus_and_irqs(uint8_t *p, uint8_t ioapic_id)
{
    struct mpc_bus bus = { .type = MP_BUS, .busid = 0, .bustype = { 'I', 'S', 'A', ' ', ' ', ' ' } };
    memcpy(p, &bus, sizeof(bus));
    p += sizeof(bus);
    struct mpc_ioapic io = { .type = MP_IOAPIC, .apicid = ioapic_id, .apicver = IOAPIC_VERSION,
                             .flags = 1 /* usable */, .apicaddr = (uint32_t)X86_IOAPIC_ADDR };
    memcpy(p, &io, sizeof(io));
    p += sizeof(io);
    for (uint8_t irq = 0; irq < ISA_IRQS; irq++)
        p = put_intsrc(p, MP_INTSRC, MP_INT, irq, ioapic_id, irq);
    p = put_intsrc(p, MP_LINTSRC, MP_EXTINT, 0, 0xff, 0);
    p = put_intsrc(p, MP_LINTSRC, MP_NMI, 0, 0xff, 1);
    return p;
}

int mptable_write(const struct guest_mem *mem, unsigned ncpus, char *err, size_t errlen)
{
    if (ncpus < 1 || ncpus > MPTABLE_MAX_CPUS)
        return errmsg(err, errlen, -EINVAL, "--cpus %u is out of range (1..%d)", ncpus, MPTABLE_MAX_CPUS);
    size_t size = mptable_config_size(ncpus);
    if (X86_MPTABLE_START + size > X86_MPTABLE_FLOAT)
        return errmsg(err, errlen, -EINVAL, "MP table for %u CPUs does not fit below 0x%llx", ncpus,
                      X86_MPTABLE_FLOAT);
    uint8_t *table = guest_mem_ptr(mem, X86_MPTABLE_START, size);
    struct mpf_intel *mpf = guest_mem_ptr(mem, X86_MPTABLE_FLOAT, sizeof(*mpf));
    if (!table || !mpf)
        return errmsg(err, errlen, -EINVAL, "MP table: guest RAM does not cover 0x%llx-0x%llx",
                      X86_MPTABLE_START, X86_EBDA_END);
    memset(table, 0, size);
    uint8_t *p = put_cpus(table + sizeof(struct mpc_table), ncpus);
    put_bus_and_irqs(p, (uint8_t)ncpus);

    struct mpc_table h = { .signature = { 'P', 'C', 'M', 'P' }, .length = (uint16_t)size, .spec = 4,
                           .oem = { 'M', 'I', 'C', 'A', ' ', ' ', ' ', ' ' },
                           .productid = { 'V', 'I', 'R', 'T', 'U', 'A', 'L', ' ', 'P', 'C', ' ', ' ' },
                           .oemcount = (uint16_t)(ncpus + 1 + 1 + ISA_IRQS + 2),
                           .lapic = (uint32_t)X86_LAPIC_ADDR };
    memcpy(table, &h, sizeof(h));
    table[offsetof(struct mpc_table, checksum)] = checksum(table, size);

    struct mpf_intel f = { .signature = { '_', 'M', 'P', '_' }, .physptr = (uint32_t)X86_MPTABLE_START,
                           .length = 1, .specification = 4 };
    f.checksum = checksum(&f, sizeof(f));
    memcpy(mpf, &f, sizeof(f));
    return 0;
}
