/*
 * mica-runc: a runc-compatible command line for mica VMs (docs/oci.md), so
 * containerd's runc shim, a Kubernetes RuntimeClass or dockerd can run a
 * mica guest as a container. One process per call, like runc: the global
 * options below, then one command (oci_main.c dispatches).
 */
#ifndef MICA_OCI_OCI_RUNTIME_H
#define MICA_OCI_OCI_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "util/log.h"

struct oci_runtime {
    const char *root;     /* --root: the state store (oci_state.h) */
    const char *log_path; /* --log: errors are appended there too */
    bool log_json;        /* --log-format json: as {"level","msg","time"} lines */
    /* `mica run` (cli/commands.h): the VM process runs it in-process after
     * create has set the process up. */
    int (*run_vm)(int argc, char **argv);
};

/* Whole command lines: global options, then the command. Returns the exit
 * status (0, or 1 with the error on stderr and in the log, as runc). */
int oci_main(int argc, char **argv, int (*run_vm)(int argc, char **argv));

/* One error line: on stderr ("mica-runc: ..."), and appended to --log in
 * its format. Returns 1, runc's failure status. */
int oci_fail(const struct oci_runtime *rt, const char *fmt, ...) MICA_PRINTF(2, 3);

/* A command's options (getopt_long, see cli/option_loop.h; opts may be
 * NULL for none) and then the container id, which must be valid, and at
 * most max_operands operands in all: the id's index in argv, or -1 with one
 * line in err. */
struct option;
int oci_parse_args(int argc, char **argv, const struct option *opts,
                   int (*apply)(int opt, void *ctx, char *err, size_t errlen), void *ctx,
                   int max_operands, char *err, size_t errlen);

/* The commands: argv[0] is the command's name. */
int oci_create(const struct oci_runtime *rt, int argc, char **argv);
int oci_start(const struct oci_runtime *rt, int argc, char **argv);
int oci_state(const struct oci_runtime *rt, int argc, char **argv);
int oci_list(const struct oci_runtime *rt, int argc, char **argv);
int oci_kill(const struct oci_runtime *rt, int argc, char **argv);
int oci_delete(const struct oci_runtime *rt, int argc, char **argv);
int oci_ps(const struct oci_runtime *rt, int argc, char **argv);
int oci_pause(const struct oci_runtime *rt, int argc, char **argv);
int oci_resume(const struct oci_runtime *rt, int argc, char **argv);
int oci_events(const struct oci_runtime *rt, int argc, char **argv);
int oci_features(const struct oci_runtime *rt, int argc, char **argv);

#endif
