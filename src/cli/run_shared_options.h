/* The `mica run` options a PV guest and a Linux kernel both take, checked
 * the same way by both parsers (run_options.c, run_fv_options.c). */
#ifndef MICA_CLI_RUN_SHARED_OPTIONS_H
#define MICA_CLI_RUN_SHARED_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "disk/disk_image.h"

#define RUN_DISK_SPEC_MAX 4096

/* --control SOCKET: the path must fit sun_path. Checked while parsing so
 * that a bad path is bad input (125), not a failure at bind. 0, or -1 with
 * one line in err. */
int run_option_control(const char *path, char *err, size_t errlen);

/* --timeout SECONDS into *ns. 0, or -1 with one line in err. */
int run_option_timeout(const char *arg, uint64_t *ns, char *err, size_t errlen);

/* A guest's name (--name, or `mica cell`'s name=; `what` names the option
 * in the message): 1..MICA_NAME_MAX-1 letters, digits, '-', '_', '.'. */
int run_option_name(const char *what, const char *name, char *err, size_t errlen);

/* Guest memory in MiB (--mem, mem=) within the ABI's bounds into *mib. */
int run_option_mem(const char *what, const char *arg, uint64_t *mib, char *err, size_t errlen);

/* --disk FILE[,ro] (or FILE,rw): the next of at most max disks, disk[*n],
 * whose path is kept in paths[*n] (split there in place). 0, or -1 with
 * one line in err. */
int run_option_disk(const char *arg, struct disk_spec *disk, unsigned *n, unsigned max,
                    char (*paths)[RUN_DISK_SPEC_MAX], char *err, size_t errlen);

#endif
