#include "cp/vm_spec.h"

#include "fv/fv_limits.h"
#include "mica/abi.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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

/* Fields each kind accepts: a field of the other kind is a mistake worth a
 * 400 rather than something silently ignored. */
static const char *const pv_fields[] = {"name",  "kind",  "guest", "mem_mib",   "vcpus",
                                        "args",  "disks", "autostart", NULL};
static const char *const snapshot_fields[] = {"name", "kind", "snapshot", "autostart", NULL};
static const char *const linux_fields[] = {"name",  "kind",  "kernel", "initrd",    "cmdline",
                                           "mem_mib", "vcpus", "disks",  "rng", "autostart",
                                           NULL};

static bool listed(const char *const *list, const char *key)
{
    for (; *list; list++)
        if (strcmp(*list, key) == 0)
            return true;
    return false;
}

static int check_known_fields(json_t *spec, enum vm_kind kind, struct cp_error *err)
{
    const char *const *mine = kind == VM_KIND_LINUX         ? linux_fields
                              : vm_kind_from_snapshot(kind) ? snapshot_fields
                                                            : pv_fields;
    const char *const *other = kind == VM_KIND_LINUX ? pv_fields : linux_fields;
    const char *key;
    json_t *value;
    json_object_foreach(spec, key, value) {
        if (listed(mine, key))
            continue;
        if (listed(other, key))
            return cp_fail(err, 400, "'%s' is not a field of a %s VM", key,
                           vm_kind_name(kind));
        return cp_fail(err, 400, "unknown field '%s' in the VM definition", key);
    }
    return 0;
}

/* "kind" when given, else linux when there is a "kernel": a definition says
 * what it boots, so the common case needs no extra field. */
static int parse_kind(json_t *spec, enum vm_kind *kind, struct cp_error *err)
{
    json_t *k = json_object_get(spec, "kind");
    if (!k) {
        *kind = json_object_get(spec, "kernel")     ? VM_KIND_LINUX
                : json_object_get(spec, "snapshot") ? VM_KIND_RESTORE
                                                    : VM_KIND_PV;
        return 0;
    }
    int parsed = vm_kind_parse(json_string_value(k));
    if (parsed < 0)
        return cp_fail(err, 400, "'kind' must be \"pv\" or \"linux\" (or, from a snapshot, \"restore\" "
                                 "or \"clone\")");
    *kind = (enum vm_kind)parsed;
    return 0;
}

/* what: "guest", "kernel"... for the message.  Only the form is checked
 * here: whether the file can be opened is asked with the client's rights
 * (vm_inputs.c), never the daemon's. */
static int check_path(const char *what, const char *path, struct cp_error *err)
{
    if (path[0] != '/')
        return cp_fail(err, 400, "%s '%s' must be an absolute path", what, path);
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

struct size_limits {
    json_int_t mem_min, mem_max, mem_default, vcpus_max;
};

static const struct size_limits pv_limits = {MICA_MEM_MIN_MIB, MICA_MEM_MAX_MIB,
                                             VM_DEFAULT_MEM_MIB, 1};
static const struct size_limits linux_limits = {FV_MIN_MEM_MIB, FV_MAX_MEM_MIB,
                                                FV_DEFAULT_MEM_MIB, FV_MAX_CPUS};

static int parse_sizes(json_t *spec, struct vm_record *vm, struct cp_error *err)
{
    const struct size_limits *l = vm->kind == VM_KIND_LINUX ? &linux_limits : &pv_limits;
    json_t *mem = json_object_get(spec, "mem_mib"), *vcpus = json_object_get(spec, "vcpus");
    if (mem && !json_is_integer(mem))
        return cp_fail(err, 400, "'mem_mib' must be an integer");
    json_int_t mib = mem ? json_integer_value(mem) : l->mem_default;
    if (mib < l->mem_min || mib > l->mem_max)
        return cp_fail(err, 400, "memory %lld MiB is out of range for a %s VM (%lld..%lld MiB)",
                       (long long)mib, vm_kind_name(vm->kind), (long long)l->mem_min,
                       (long long)l->mem_max);
    if (vcpus && !json_is_integer(vcpus))
        return cp_fail(err, 400, "'vcpus' must be an integer");
    json_int_t n = vcpus ? json_integer_value(vcpus) : 1;
    if (n < 1 || n > l->vcpus_max)
        return l->vcpus_max == 1
                   ? cp_fail(err, 400, "'vcpus' must be 1 (PV guests have one vCPU for now)")
                   : cp_fail(err, 400, "'vcpus' %lld is out of range (1..%lld)", (long long)n,
                             (long long)l->vcpus_max);
    vm->mem_mib = (uint32_t)mib;
    vm->vcpus = (uint32_t)n;
    return 0;
}

/* One disk: {"path": ABSOLUTE, "readonly": BOOL}.  A ',' in the path would
 * be split by the VMM's --disk FILE[,ro], so it is refused here. */
static int check_disk(json_t *disk, struct cp_error *err)
{
    const char *path = json_string_value(json_object_get(disk, "path"));
    json_t *ro = json_object_get(disk, "readonly");
    if (!json_is_object(disk) || !path || json_object_size(disk) != (ro ? 2u : 1u) ||
        (ro && !json_is_boolean(ro)))
        return cp_fail(err, 400, "each of 'disks' must be {\"path\": FILE, \"readonly\": BOOL}");
    if (strchr(path, ','))
        return cp_fail(err, 400, "disk '%s': a path with ',' cannot be passed to the VMM", path);
    return check_path("disk", path, err);
}

static int check_disks(json_t *disks, struct cp_error *err)
{
    if (!json_is_array(disks))
        return cp_fail(err, 400, "'disks' must be an array of {\"path\", \"readonly\"}");
    if (json_array_size(disks) > FV_MAX_DISKS)
        return cp_fail(err, 400, "at most %d disks", FV_MAX_DISKS);
    size_t i;
    json_t *disk;
    json_array_foreach(disks, i, disk)
        if (check_disk(disk, err) < 0)
            return -1;
    return 0;
}

static int parse_pv(json_t *spec, struct vm_record *vm, struct cp_error *err)
{
    const char *guest = json_string_value(json_object_get(spec, "guest"));
    if (!guest)
        return cp_fail(err, 400, "'guest' (the guest image's path) is required");
    json_t *args = json_object_get(spec, "args"), *disks = json_object_get(spec, "disks");
    json_t *no_args = json_array();
    int rc = check_path("guest", guest, err);
    if (rc == 0)
        rc = check_args(args ? args : no_args, err);
    if (rc == 0 && disks)
        rc = check_disks(disks, err);
    if (rc == 0) {
        vm->guest = strdup(guest);
        vm->args = json_dumps(args ? args : no_args, JSON_COMPACT);
        vm->disks = disks ? json_dumps(disks, JSON_COMPACT) : strdup("[]");
    }
    json_decref(no_args);
    return rc;
}

static int check_linux_extras(json_t *spec, struct cp_error *err)
{
    json_t *initrd = json_object_get(spec, "initrd"), *cmdline = json_object_get(spec, "cmdline");
    json_t *rng = json_object_get(spec, "rng"), *disks = json_object_get(spec, "disks");
    if (initrd && !json_is_string(initrd))
        return cp_fail(err, 400, "'initrd' must be a path");
    if (initrd && check_path("initrd", json_string_value(initrd), err) < 0)
        return -1;
    if (cmdline && !json_is_string(cmdline))
        return cp_fail(err, 400, "'cmdline' must be a string");
    if (cmdline && json_string_length(cmdline) > VM_CMDLINE_MAX)
        return cp_fail(err, 400, "'cmdline' is %zu bytes; at most %d", json_string_length(cmdline),
                       VM_CMDLINE_MAX);
    if (rng && !json_is_boolean(rng))
        return cp_fail(err, 400, "'rng' must be true or false");
    return disks ? check_disks(disks, err) : 0;
}

static int parse_linux(json_t *spec, struct vm_record *vm, struct cp_error *err)
{
    const char *kernel = json_string_value(json_object_get(spec, "kernel"));
    if (!kernel)
        return cp_fail(err, 400, "'kernel' (the kernel image's path) is required");
    if (check_path("kernel", kernel, err) < 0 || check_linux_extras(spec, err) < 0)
        return -1;
    json_t *disks = json_object_get(spec, "disks");
    const char *initrd = json_string_value(json_object_get(spec, "initrd"));
    const char *cmdline = json_string_value(json_object_get(spec, "cmdline"));
    vm->guest = strdup(kernel);
    vm->args = strdup("[]");
    vm->initrd = initrd ? strdup(initrd) : NULL;
    vm->cmdline = cmdline ? strdup(cmdline) : NULL;
    vm->disks = disks ? json_dumps(disks, JSON_COMPACT) : strdup("[]");
    vm->rng = json_is_true(json_object_get(spec, "rng"));
    return 0;
}

/* A VM continued from a snapshot: its size is the snapshot's, read when
 * the file is opened with the client's rights (vm_manager.c). */
static int parse_snapshot(json_t *spec, struct vm_record *vm, struct cp_error *err)
{
    const char *snapshot = json_string_value(json_object_get(spec, "snapshot"));
    if (!snapshot)
        return cp_fail(err, 400, "'snapshot' (the snapshot file's path) is required");
    if (check_path("snapshot", snapshot, err) < 0)
        return -1;
    vm->guest = strdup(snapshot);
    vm->args = strdup("[]");
    vm->mem_mib = VM_DEFAULT_MEM_MIB;
    vm->vcpus = 1;
    return 0;
}

int vm_spec_parse(json_t *spec, struct vm_record *vm, struct cp_error *err)
{
    memset(vm, 0, sizeof *vm);
    if (!json_is_object(spec))
        return cp_fail(err, 400, "the VM definition must be a JSON object");
    if (parse_kind(spec, &vm->kind, err) < 0 || check_known_fields(spec, vm->kind, err) < 0)
        return -1;
    const char *name = json_string_value(json_object_get(spec, "name"));
    if (!name || !vm_name_valid(name))
        return cp_fail(err, 400, "'name' must be 1-63 characters of A-Z a-z 0-9 _ . - "
                                 "(not starting with . or -)");
    json_t *autostart = json_object_get(spec, "autostart");
    if (autostart && !json_is_boolean(autostart))
        return cp_fail(err, 400, "'autostart' must be true or false");
    vm->autostart = json_is_true(autostart);
    int rc = vm->kind == VM_KIND_LINUX         ? parse_linux(spec, vm, err)
             : vm_kind_from_snapshot(vm->kind) ? parse_snapshot(spec, vm, err)
                                               : parse_pv(spec, vm, err);
    if (rc == 0 && !vm_kind_from_snapshot(vm->kind))
        rc = parse_sizes(spec, vm, err);
    if (rc == 0) {
        vm->name = strdup(name);
        vm->backend = strdup("process");
    } else {
        vm_record_free(vm);
    }
    return rc;
}

/* What the VM boots: a PV guest's image and arguments, or a linux VM's
 * kernel, initrd, command line and devices. */
static void add_kind_fields(const struct vm_record *vm, json_t *j)
{
    json_object_set_new(j, "kind", json_string(vm_kind_name(vm->kind)));
    if (vm_kind_from_snapshot(vm->kind)) { /* its size and devices are the snapshot's */
        json_object_set_new(j, "snapshot", json_string(vm->guest));
        return;
    }
    json_t *disks = json_loads(vm->disks ? vm->disks : "[]", 0, NULL);
    json_object_set_new(j, "disks", disks ? disks : json_array()); /* both kinds */
    if (vm->kind == VM_KIND_PV) {
        json_t *args = json_loads(vm->args ? vm->args : "[]", 0, NULL);
        json_object_set_new(j, "guest", json_string(vm->guest));
        json_object_set_new(j, "args", args ? args : json_array());
        return;
    }
    json_object_set_new(j, "kernel", json_string(vm->guest));
    json_object_set_new(j, "initrd", vm->initrd ? json_string(vm->initrd) : json_null());
    json_object_set_new(j, "cmdline", vm->cmdline ? json_string(vm->cmdline) : json_null());
    json_object_set_new(j, "rng", json_boolean(vm->rng));
}

json_t *vm_spec_from_record(const struct vm_record *vm)
{
    json_t *j = json_pack("{s:s,s:i,s:i,s:b}", "name", vm->name, "mem_mib", (int)vm->mem_mib,
                          "vcpus", (int)vm->vcpus, "autostart", vm->autostart);
    add_kind_fields(vm, j);
    return j;
}

/* A null initrd or cmdline reads as "none": vm_spec_parse() refuses nulls,
 * so they are left out of a definition. */
json_t *vm_spec_definition(const struct vm_record *vm)
{
    json_t *j = vm_spec_from_record(vm);
    const char *key;
    json_t *value;
    void *tmp;
    json_object_foreach_safe(j, tmp, key, value)
        if (json_is_null(value))
            json_object_del(j, key);
    return j;
}
