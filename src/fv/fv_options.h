/* What a full-virtualization machine is built from: the `mica run --kernel`
 * options (parsed in cli/run_fv_options.c), read by fv_machine_create() at
 * every boot. */
#ifndef MICA_FV_FV_OPTIONS_H
#define MICA_FV_FV_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/disk_image.h"
#include "fv/fv_limits.h"

#define FV_DEFAULT_CMDLINE "console=ttyS0 reboot=k panic=1 pci=off"
#define FV_DEFAULT_CMDLINE_HVC "console=hvc0 reboot=k panic=1 pci=off"
#define FV_DEFAULT_TEMPLATE "safe"

/* Which device the terminal (or the control channel's viewers) types into
 * and the default command line names: kvmtool's --console serial|virtio. */
enum fv_console_kind { FV_CONSOLE_SERIAL, FV_CONSOLE_VIRTIO };

struct fv_options {
    const char *kernel, *initrd, *cmdline, *cpu_template;
    unsigned cpus;
    uint64_t mem_mib;
    struct disk_spec disk[FV_MAX_DISKS];
    unsigned ndisks;
    bool rng, reboot, stats, help;
    bool balloon;              /* --balloon: a virtio-balloon (mica mem-set) */
    bool raw_console;          /* guest output to a terminal unfiltered */
    enum fv_console_kind console;
    const char *control; /* --control SOCKET: the per-VM control channel, no terminal */
    const char *name;    /* --name: for messages (and the control program) */
    uint64_t timeout_ns; /* 0: none */
    char disk_spec[FV_MAX_DISKS][4096]; /* --disk values, split in place (RUN_DISK_SPEC_MAX) */
    bool jail;             /* --jail: confine the VM process (run/confine.h) */
    const char *jail_user; /* --jail-user; NULL: the default */
    const char *hold;      /* --hold FIFO: wait there for a starter (run/start_hold.h) */
    bool control_stdin;    /* --control-stdin: with --control, stdin is still read */
};

#endif
