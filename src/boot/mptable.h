/*
 * Intel MultiProcessor Specification 1.4 tables: how a kernel without ACPI
 * learns how many CPUs there are, where the IOAPIC is and how ISA IRQs reach
 * it. With this table `--cpus N` gives Linux N processors.
 */
#ifndef MICA_BOOT_MPTABLE_H
#define MICA_BOOT_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/guest_mem.h"

#define MPTABLE_MAX_CPUS 254 /* APIC ids 0..N-1, the IOAPIC takes id N (8 bits) */

/* Bytes the tables need for `ncpus` processors (floating pointer excluded). */
size_t mptable_config_size(unsigned ncpus);

/* Writes the configuration table at X86_MPTABLE_START and the floating
 * pointer at X86_MPTABLE_FLOAT. 0, or -EINVAL for a bad CPU count or when
 * it does not fit (the message says why). */
int mptable_write(const struct guest_mem *mem, unsigned ncpus, char *err, size_t errlen);

#endif
