/* Validation of a VM definition sent to POST /v1/vms. */
#ifndef MICA_CP_VM_SPEC_H
#define MICA_CP_VM_SPEC_H

#include "ctl/cp_error.h"
#include "cp/registry.h"

#include <jansson.h>
#include <stdbool.h>

#define VM_DEFAULT_MEM_MIB 16u   /* PV; a linux VM's default is the VMM's (256) */
#define VM_CMDLINE_MAX     2047  /* Linux's COMMAND_LINE_SIZE on x86, less its NUL */

/* True for 1..63 characters of [A-Za-z0-9_.-], not starting with '.' or '-'. */
bool vm_name_valid(const char *name);

/* Fills vm (malloc'd strings) from a PV definition {"name","guest","mem_mib",
 * "vcpus","args"} or a linux one {"name","kernel","initrd","cmdline",
 * "mem_mib","vcpus","disks","rng"} ("kind" optional: linux iff "kernel").
 * 400 with the reason for anything missing, malformed or unknown.  Paths
 * are only checked to be absolute: the files are opened with the client's
 * rights by vm_inputs_open(). */
int vm_spec_parse(json_t *spec, struct vm_record *vm, struct cp_error *err);

/* The definition fields of vm as the API shows them (null for an absent
 * initrd or cmdline): name, kind, mem_mib, vcpus, autostart and the kind's
 * own fields.  New JSON. */
json_t *vm_spec_from_record(const struct vm_record *vm);

/* The same without nulls: exactly what POST /v1/vms accepts, so that
 * `mica export` | `mica create -f -` gives the same VM again. */
json_t *vm_spec_definition(const struct vm_record *vm);

#endif
