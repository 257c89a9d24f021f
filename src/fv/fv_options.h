/* `mica run --kernel ...` options, parsed without side effects so tests
 * and the reboot loop can use them freely. */
#ifndef MICA_FV_FV_OPTIONS_H
#define MICA_FV_FV_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FV_MAX_DISKS       4
#define FV_MIN_MEM_MIB     16
#define FV_MAX_MEM_MIB     3072 /* guest RAM is one region below the 3 GiB MMIO gap */
#define FV_DEFAULT_MEM_MIB 256
#define FV_MAX_CPUS        254  /* MP table: 8-bit APIC ids, the IOAPIC takes one */
#define FV_DEFAULT_CMDLINE "console=ttyS0 reboot=k panic=1 pci=off"
#define FV_DEFAULT_CMDLINE_HVC "console=hvc0 reboot=k panic=1 pci=off"
#define FV_DEFAULT_TEMPLATE "safe"

struct fv_disk_opt {
    const char *path;
    bool read_only;
};

/* Which device the terminal (or the control channel's viewers) types into
 * and the default command line names: kvmtool's --console serial|virtio. */
enum fv_console_kind { FV_CONSOLE_SERIAL, FV_CONSOLE_VIRTIO };

struct fv_options {
    const char *kernel, *initrd, *cmdline, *cpu_template;
    unsigned cpus;
    uint64_t mem_mib;
    struct fv_disk_opt disk[FV_MAX_DISKS];
    unsigned ndisks;
    bool rng, reboot, stats, help;
    enum fv_console_kind console;
    const char *control; /* --control SOCKET: the per-VM control channel, no terminal */
    const char *name;    /* --name: for messages (and the control program) */
    uint64_t timeout_ns; /* 0: none */
    char disk_spec[FV_MAX_DISKS][4096]; /* --disk values, split in place */
};

/* argv[0] is "run". 0, or -1 with one line in err. */
int fv_options_parse(int argc, char **argv, struct fv_options *o, char *err, size_t errlen);

extern const char fv_usage[];

#endif
