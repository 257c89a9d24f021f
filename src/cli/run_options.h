/* `mica run` command-line options, parsed without side effects so tests can
 * feed it any argv. */
#ifndef MICA_CLI_RUN_OPTIONS_H
#define MICA_CLI_RUN_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "run/confine.h"

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
    const char *restore;    /* --restore: a snapshot to continue instead of a guest image */
    int clone;              /* --clone: its memory mapped copy-on-write from the file */
};

enum { RUN_SUPERVISOR_AUTO = 0, RUN_SUPERVISOR_ON, RUN_SUPERVISOR_OFF };

#define RUN_DEFAULT_MEM_MIB 32

/* Returns 0, or -1 with one line in err. argv[0] is "run". */
int run_options_parse(int argc, char **argv, struct run_options *o, char *err, size_t errlen);

extern const char run_usage[];

#endif
