/*
 * The state of each container mica-runc created, under --root: one
 * directory per id (ROOT/ID, mode 0700) holding state.json, the start gate
 * (start.fifo) and the VM's control socket (ctl.sock). Every call of the
 * runtime is a new process, so everything it must know again is here;
 * whether the VM still runs is asked of /proc (pid + start time, so a
 * reused pid is not taken for it).
 */
#ifndef MICA_OCI_OCI_STATE_H
#define MICA_OCI_OCI_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/oci_config.h"

#define OCI_ID_MAX 128
#define OCI_DEFAULT_ROOT "/run/mica-runc"
#define OCI_STATE_MAX (1u << 20) /* bytes of state.json: it copies the annotations */

struct oci_state {
    char id[OCI_ID_MAX + 1];
    pid_t pid;            /* the VM process */
    uint64_t pid_start;   /* its start time in clock ticks since boot (/proc/PID/stat) */
    char bundle[OCI_PATH_MAX];
    char rootfs[OCI_PATH_MAX];
    char created[40];     /* RFC 3339, UTC */
    bool started, paused;
    char kind[8];         /* "pv", "linux" or "sandbox" (a pod sandbox: no VM) */
    uint64_t mem_mib, cpu_shares;
    json_t *annotations;  /* owned; NULL when none */
};

/* The OCI status of a container. */
enum oci_status { OCI_CREATED, OCI_RUNNING, OCI_PAUSED, OCI_STOPPED };
const char *oci_status_name(enum oci_status s);

/* A container id as runc takes it: 1..OCI_ID_MAX of [A-Za-z0-9_+.-], not
 * "." or "..". 0, or -1 with one line in err. */
int oci_id_check(const char *id, char *err, size_t errlen);

/* ROOT/ID/name into out. 0, or -1 when it does not fit. */
int oci_state_path(const char *root, const char *id, const char *name, char *out, size_t outlen);

/* Makes ROOT (0700, parents too) and ROOT/ID; an existing id is refused. */
int oci_state_create_dir(const char *root, const char *id, char *err, size_t errlen);

/* Writes ROOT/ID/state.json atomically (a new file renamed over the old). */
int oci_state_save(const char *root, const struct oci_state *st, char *err, size_t errlen);

/* Reads it back: 0, -ENOENT ("container ID does not exist"), or -1; err says
 * which. st needs oci_state_free after 0. */
int oci_state_load(const char *root, const char *id, struct oci_state *st, char *err,
                   size_t errlen);

/* The same from text (the state store's parser, also for tests). */
int oci_state_parse(const char *text, size_t len, struct oci_state *st, char *err, size_t errlen);

void oci_state_free(struct oci_state *st);

/* Removes ROOT/ID and what mica-runc put in it. 0, or -1 with err. */
int oci_state_remove(const char *root, const char *id, char *err, size_t errlen);

/* From /proc: stopped unless the very VM process lives (a zombie counts as
 * stopped); else created until started, paused or running. */
enum oci_status oci_state_status(const struct oci_state *st);

#endif
