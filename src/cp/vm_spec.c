#include "cp/vm_spec.h"

#include "mica/abi.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool vm_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= MICA_NAME_MAX || name[0] == '.' || name[0] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
            return false;
    return true;
}

static int check_known_fields(json_t *spec, struct cp_error *err)
{
    static const char *const known[] = {"name", "guest", "mem_mib", "vcpus", "args"};
    const char *key;
    json_t *value;
    json_object_foreach(spec, key, value) {
        bool found = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            found |= strcmp(key, known[i]) == 0;
        if (!found)
            return cp_fail(err, 400, "unknown field '%s' in the VM definition", key);
    }
    return 0;
}

static int check_guest(const char *guest, struct cp_error *err)
{
    struct stat st;
    if (guest[0] != '/')
        return cp_fail(err, 400, "guest '%s' must be an absolute path", guest);
    if (stat(guest, &st) < 0 || !S_ISREG(st.st_mode) || access(guest, R_OK) < 0)
        return cp_fail(err, 400, "guest '%s' is not a readable file", guest);
    return 0;
}

static int check_args(json_t *args, struct cp_error *err)
{
    if (!json_is_array(args))
        return cp_fail(err, 400, "'args' must be an array of strings");
    size_t total = 0, i;
    json_t *arg;
    json_array_foreach(args, i, arg) {
        if (!json_is_string(arg))
            return cp_fail(err, 400, "'args' must be an array of strings");
        total += json_string_length(arg) + 1;
    }
    if (total > MICA_ARGS_MAX)
        return cp_fail(err, 400, "the guest arguments take %zu bytes; at most %u fit", total,
                       MICA_ARGS_MAX);
    return 0;
}

static int parse_sizes(json_t *spec, struct vm_record *vm, struct cp_error *err)
{
    json_t *mem = json_object_get(spec, "mem_mib"), *vcpus = json_object_get(spec, "vcpus");
    if (mem && !json_is_integer(mem))
        return cp_fail(err, 400, "'mem_mib' must be an integer");
    json_int_t mib = mem ? json_integer_value(mem) : VM_DEFAULT_MEM_MIB;
    if (mib < MICA_MEM_MIN_MIB || mib > MICA_MEM_MAX_MIB)
        return cp_fail(err, 400, "memory %lld MiB is out of range (%u..%u MiB)", (long long)mib,
                       MICA_MEM_MIN_MIB, MICA_MEM_MAX_MIB);
    if (vcpus && (!json_is_integer(vcpus) || json_integer_value(vcpus) != 1))
        return cp_fail(err, 400, "'vcpus' must be 1 (PV guests have one vCPU for now)");
    vm->mem_mib = (uint32_t)mib;
    vm->vcpus = 1;
    return 0;
}

int vm_spec_parse(json_t *spec, struct vm_record *vm, struct cp_error *err)
{
    memset(vm, 0, sizeof *vm);
    if (!json_is_object(spec))
        return cp_fail(err, 400, "the VM definition must be a JSON object");
    if (check_known_fields(spec, err) < 0)
        return -1;
    const char *name = json_string_value(json_object_get(spec, "name"));
    const char *guest = json_string_value(json_object_get(spec, "guest"));
    if (!name || !vm_name_valid(name))
        return cp_fail(err, 400, "'name' must be 1-63 characters of A-Z a-z 0-9 _ . - "
                                 "(not starting with . or -)");
    if (!guest)
        return cp_fail(err, 400, "'guest' (the guest image's path) is required");
    json_t *args = json_object_get(spec, "args");
    json_t *no_args = json_array();
    int rc = check_guest(guest, err);
    if (rc == 0)
        rc = check_args(args ? args : no_args, err);
    if (rc == 0)
        rc = parse_sizes(spec, vm, err);
    if (rc == 0) {
        vm->name = strdup(name);
        vm->guest = strdup(guest);
        vm->args = json_dumps(args ? args : no_args, JSON_COMPACT);
        vm->backend = strdup("process");
    }
    json_decref(no_args);
    return rc;
}
