/* What the control program must know of a full-virtualization machine to
 * check a VM spec before it starts one: sizes and counts only, no machine
 * code. `mica run --kernel` checks the same bounds (cli/run_fv_options.c). */
#ifndef MICA_FV_FV_LIMITS_H
#define MICA_FV_FV_LIMITS_H

#define FV_MAX_DISKS       4
#define FV_MIN_MEM_MIB     16
#define FV_MAX_MEM_MIB     3072 /* guest RAM is one region below the 3 GiB MMIO gap */
#define FV_DEFAULT_MEM_MIB 256
#define FV_MAX_CPUS        254  /* MP table: 8-bit APIC ids, the IOAPIC takes one */

#endif
