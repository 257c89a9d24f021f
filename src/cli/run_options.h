/* `mica run` command-line options, parsed without side effects so tests can
 * feed it any argv. */
#ifndef MICA_CLI_RUN_OPTIONS_H
#define MICA_CLI_RUN_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"
#include "cli/run_shared_options.h"
#include "run/confine.h"
#include "run/vif.h"

#define RUN_ENV_MAX 256 /* --env entries; all must fit MICA_ARGS_MAX with the arguments */

#define RUN_MAX_DISKS 4

struct run_options {
    const char *guest;      /* NULL: the bundled shell */
    const char *name;
    uint64_t mem_mib;
    uint64_t timeout_ns;    /* 0: none */
    const char *control;    /* --control: serve this control socket, no terminal */
    int guest_argc;         /* after "--" */
    char **guest_argv;
    struct confine_options confine; /* --jail, --jail-user */
    int help;
    int raw_console;        /* guest output to a terminal unfiltered */
    int supervisor;         /* --supervisor: RUN_SUPERVISOR_* */
    unsigned net_count;     /* --net, in order (run/vif.h) */
    struct vif_spec net[MICA_DEVICES_MAX];
    char net_text[MICA_DEVICES_MAX][256]; /* what the specs point into */
    int ksm;                /* --ksm: RAM offered to KSM (MADV_MERGEABLE) */
    const char *hold;       /* --hold FIFO: wait there for a starter (run/start_hold.h) */
    int control_stdin;      /* --control-stdin: with --control, stdin is still read */
    int envc;               /* --env NAME=VALUE, in order */
    char *envp[RUN_ENV_MAX];
    struct disk_spec disk[RUN_MAX_DISKS]; /* --disk: PV block devices */
    unsigned ndisks;
    char disk_spec[RUN_MAX_DISKS][RUN_DISK_SPEC_MAX]; /* --disk values, split in place */
    const char *restore;    /* --restore: a snapshot to continue instead of a guest image */
    int clone;              /* --clone: its memory mapped copy-on-write from the file */
};

enum { RUN_SUPERVISOR_AUTO = 0, RUN_SUPERVISOR_ON, RUN_SUPERVISOR_OFF };

#define RUN_DEFAULT_MEM_MIB 32

/* Returns 0, or -1 with one line in err. argv[0] is "run". */
int run_options_parse(int argc, char **argv, struct run_options *o, char *err, size_t errlen);

extern const char run_usage[];

#endif
