/* Validation of a VM definition sent to POST /v1/vms. */
#ifndef MICA_CP_VM_SPEC_H
#define MICA_CP_VM_SPEC_H

#include "cp/cp_error.h"
#include "cp/registry.h"

#include <jansson.h>
#include <stdbool.h>

#define VM_DEFAULT_MEM_MIB 16u

/* True for 1..63 characters of [A-Za-z0-9_.-], not starting with '.' or '-'. */
bool vm_name_valid(const char *name);

/* Fills vm (malloc'd strings) from {"name","guest","mem_mib","vcpus","args"}.
 * 400 with the reason for anything missing, malformed or unknown. */
int vm_spec_parse(json_t *spec, struct vm_record *vm, struct cp_error *err);

#endif
