/* `mica cell` command-line options and guest specs, parsed without side
 * effects so tests can feed it any argv. */
#ifndef MICA_CLI_CELL_OPTIONS_H
#define MICA_CLI_CELL_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "sched/sched_ops.h"

#define CELL_GUEST_ARGS_MAX 16   /* arg= per guest spec */
#define CELL_SPEC_COUNT_MAX 4096 /* count= of one spec, and guests in all */

/* One guest spec: GUEST.elf[,name=N][,mem=MIB][,weight=W][,warp-us=US]
 * [,warp-limit-us=US][,unwarp-us=US][,count=N][,arg=A]... */
struct cell_guest_spec {
    char *path;
    const char *name;   /* NULL: the file's base name */
    uint64_t mem_mib;
    struct sched_params params;
    unsigned count;     /* copies, named NAME-1..NAME-count when > 1 */
    int argc;           /* arg= values, in order */
    const char *argv[CELL_GUEST_ARGS_MAX];
};

struct cell_options {
    unsigned workers;    /* 0: one per host CPU */
    uint64_t timeout_ns; /* 0: none */
    uint64_t settle_ns;  /* shares are counted from then on; 0: from the start */
    uint64_t mem_mib;    /* default for specs without mem= */
    int quiet;           /* guest output dropped */
    int stats;           /* dispatcher statistics at the end */
    int help;
    const char *control; /* --control DIR: DIR/NAME.sock per guest; NULL: none */
    unsigned nspecs;
    unsigned guests;     /* sum of the counts */
    struct cell_guest_spec *specs; /* malloc'd: cell_options_free */
};

/* Returns 0, or -1 with one line in err. argv[0] is "cell"; the specs keep
 * pointers into argv (whose strings are split in place at ',' and '='). */
int cell_options_parse(int argc, char **argv, struct cell_options *o, char *err, size_t errlen);
void cell_options_free(struct cell_options *o);

extern const char cell_usage[];

#endif
