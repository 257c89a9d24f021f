#include "oci/oci_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mica/abi.h"
#include "util/errmsg.h"
#include "util/file.h"

#define FIELD_MAX 4096 /* bytes of one argument, variable or path */

static const char *string_field(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A string field that must be a string when present: 0 (*out NULL when
 * absent) or -1 with err naming it. */
static int optional_string(json_t *obj, const char *key, const char *where, const char **out,
                           char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > FIELD_MAX ||
        strlen(json_string_value(v)) != json_string_length(v))
        return errmsg(err, errlen, -1, "config.json: %s.%s must be a string of 1 to %d bytes "
                      "without NUL", where, key, FIELD_MAX);
    *out = json_string_value(v);
    return 0;
}

/* An array of strings into out[0..max); `what` names it in errors. */
static int string_array(json_t *arr, const char *what, const char **out, size_t max, size_t *n,
                        char *err, size_t errlen)
{
    *n = 0;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return errmsg(err, errlen, -1, "config.json: %s must be an array of strings", what);
    if (json_array_size(arr) > max)
        return errmsg(err, errlen, -1, "config.json: %s has %zu entries; mica takes at most %zu",
                      what, json_array_size(arr), max);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v) || json_string_length(v) > FIELD_MAX ||
            strlen(json_string_value(v)) != json_string_length(v))
            return errmsg(err, errlen, -1, "config.json: %s[%zu] must be a string of at most %d "
                          "bytes without NUL", what, i, FIELD_MAX);
        out[(*n)++] = json_string_value(v);
    }
    return 0;
}

static int parse_root(json_t *doc, const char *bundle, struct oci_config *c, char *err,
                      size_t errlen)
{
    const char *path = string_field(json_object_get(doc, "root"), "path");
    if (!path || !*path)
        return errmsg(err, errlen, -1, "config.json: root.path is missing (the rootfs that holds "
                      "the guest)");
    int n = path[0] == '/' ? snprintf(c->rootfs, sizeof c->rootfs, "%s", path)
                           : snprintf(c->rootfs, sizeof c->rootfs, "%s/%s", bundle, path);
    if (n < 0 || (size_t)n >= sizeof c->rootfs)
        return errmsg(err, errlen, -1, "config.json: root.path is longer than %d bytes",
                      OCI_PATH_MAX - 1);
    return 0;
}

/* The guest's environment: NAME=VALUE entries, as `mica run --env` wants. */
static int check_env(const struct oci_config *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < c->envc; i++) {
        const char *eq = strchr(c->env[i], '=');
        if (!eq || eq == c->env[i])
            return errmsg(err, errlen, -1, "config.json: process.env[%zu] '%.64s' is not "
                          "NAME=VALUE", i, c->env[i]);
    }
    return 0;
}

/* Everything the guest receives shares start_info's MICA_ARGS_MAX bytes. */
static int check_fits(const struct oci_config *c, char *err, size_t errlen)
{
    size_t total = MICA_NAME_MAX; /* argv[0] is the container's id */
    for (size_t i = 1; i < c->argc; i++)
        total += strlen(c->args[i]) + 1;
    for (size_t i = 0; i < c->envc; i++)
        total += strlen(c->env[i]) + 1;
    if (total > MICA_ARGS_MAX)
        return errmsg(err, errlen, -1, "config.json: process.args and process.env take %zu bytes; "
                      "a mica guest receives at most %u", total, MICA_ARGS_MAX);
    return 0;
}

static int parse_process(json_t *doc, struct oci_config *c, char *err, size_t errlen)
{
    json_t *p = json_object_get(doc, "process");
    if (!json_is_object(p))
        return errmsg(err, errlen, -1, "config.json: process is missing (it names the guest)");
    json_t *term = json_object_get(p, "terminal");
    if (term && !json_is_boolean(term))
        return errmsg(err, errlen, -1, "config.json: process.terminal must be true or false");
    c->terminal = json_is_true(term);
    if (string_array(json_object_get(p, "args"), "process.args", c->args, OCI_ARGS_MAX, &c->argc,
                     err, errlen) < 0 ||
        string_array(json_object_get(p, "env"), "process.env", c->env, OCI_ENV_MAX, &c->envc, err,
                     errlen) < 0 ||
        check_env(c, err, errlen) < 0)
        return -1;
    if (c->kind == OCI_VM_PV && (c->argc == 0 || !*c->args[0]))
        return errmsg(err, errlen, -1, "config.json: process.args is empty; its first entry names "
                      "the mica guest ELF inside the rootfs");
    return check_fits(c, err, errlen);
}

/* A JSON integer in [min, max]; `what` names it. */
static int integer_field(json_t *v, const char *what, json_int_t min, json_int_t max,
                         json_int_t *out, char *err, size_t errlen)
{
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return errmsg(err, errlen, -1, "config.json: %s must be an integer from %lld to %lld", what,
                      (long long)min, (long long)max);
    *out = json_integer_value(v);
    return 0;
}

/* A limit is a ceiling: a VM of that size (at most mica's largest) honours
 * it; one below the smallest VM cannot. -1 (no limit) keeps the default. */
static int parse_resources(json_t *linux_, struct oci_config *c, char *err, size_t errlen)
{
    json_t *res = json_object_get(linux_, "resources");
    json_t *limit = json_object_get(json_object_get(res, "memory"), "limit");
    json_int_t v;
    if (limit && !json_is_null(limit)) {
        if (integer_field(limit, "linux.resources.memory.limit", -1, INT64_MAX, &v, err, errlen) < 0)
            return -1;
        if (v >= 0 && (uint64_t)v >> 20 < MICA_MEM_MIN_MIB)
            return errmsg(err, errlen, -1, "config.json: linux.resources.memory.limit %lld bytes "
                          "is below the %u MiB a mica VM needs", (long long)v, MICA_MEM_MIN_MIB);
        if (v >= 0)
            c->mem_mib = (uint64_t)v >> 20 > MICA_MEM_MAX_MIB ? MICA_MEM_MAX_MIB : (uint64_t)v >> 20;
    }
    json_t *shares = json_object_get(json_object_get(res, "cpu"), "shares");
    if (shares && !json_is_null(shares)) {
        if (integer_field(shares, "linux.resources.cpu.shares", 0, 262144, &v, err, errlen) < 0)
            return -1;
        c->cpu_shares = (uint64_t)v;
    }
    return 0;
}

static int parse_namespaces(json_t *linux_, struct oci_config *c, char *err, size_t errlen)
{
    json_t *nss = json_object_get(linux_, "namespaces");
    if (nss && !json_is_array(nss))
        return errmsg(err, errlen, -1, "config.json: linux.namespaces must be an array");
    size_t i;
    json_t *ns;
    json_array_foreach(nss, i, ns) {
        const char *type = string_field(ns, "type");
        if (!type)
            return errmsg(err, errlen, -1, "config.json: linux.namespaces[%zu] has no type", i);
        if (strcmp(type, "network"))
            continue; /* the VM is the isolation; only its process's network matters */
        if (optional_string(ns, "path", "linux.namespaces[]", &c->netns_path, err, errlen) < 0)
            return -1;
        c->netns = c->netns_path ? OCI_NETNS_JOIN : OCI_NETNS_NEW;
    }
    return 0;
}

static int parse_linux(json_t *doc, struct oci_config *c, char *err, size_t errlen)
{
    json_t *linux_ = json_object_get(doc, "linux");
    if (!linux_)
        return 0;
    if (!json_is_object(linux_))
        return errmsg(err, errlen, -1, "config.json: linux must be an object");
    return parse_resources(linux_, c, err, errlen) < 0 ? -1
                                                       : parse_namespaces(linux_, c, err, errlen);
}

static bool is_pod_sandbox(json_t *ann)
{
    const char *cri = string_field(ann, OCI_ANN_CRI_TYPE), *crio = string_field(ann, OCI_ANN_CRIO_TYPE);
    return (cri && !strcmp(cri, "sandbox")) || (crio && !strcmp(crio, "sandbox"));
}

static int parse_kind(struct oci_config *c, char *err, size_t errlen)
{
    const char *kind;
    if (is_pod_sandbox(c->annotations)) {
        c->kind = OCI_VM_NONE; /* its "pause" program is not a mica guest */
        return 0;
    }
    if (optional_string(c->annotations, OCI_ANN_KIND, "annotations", &kind, err, errlen) < 0)
        return -1;
    if (!kind || !strcmp(kind, "pv"))
        c->kind = OCI_VM_PV;
    else if (!strcmp(kind, "linux"))
        c->kind = OCI_VM_LINUX;
    else
        return errmsg(err, errlen, -1, "config.json: annotation %s '%.32s': give pv or linux",
                      OCI_ANN_KIND, kind);
    if (optional_string(c->annotations, OCI_ANN_KERNEL, "annotations", &c->kernel, err, errlen) < 0 ||
        optional_string(c->annotations, OCI_ANN_INITRD, "annotations", &c->initrd, err, errlen) < 0 ||
        optional_string(c->annotations, OCI_ANN_CMDLINE, "annotations", &c->cmdline, err, errlen) < 0)
        return -1;
    if (c->kind == OCI_VM_LINUX && !c->kernel)
        return errmsg(err, errlen, -1, "config.json: %s=linux needs %s (a kernel inside the rootfs)",
                      OCI_ANN_KIND, OCI_ANN_KERNEL);
    if (c->kind == OCI_VM_PV && (c->kernel || c->initrd || c->cmdline))
        return errmsg(err, errlen, -1, "config.json: %s, %s and %s need %s=linux", OCI_ANN_KERNEL,
                      OCI_ANN_INITRD, OCI_ANN_CMDLINE, OCI_ANN_KIND);
    return 0;
}

static int parse_annotations(json_t *doc, struct oci_config *c, char *err, size_t errlen)
{
    json_t *ann = json_object_get(doc, "annotations");
    if (ann && !json_is_object(ann))
        return errmsg(err, errlen, -1, "config.json: annotations must be an object of strings");
    c->annotations = ann;
    const char *key;
    json_t *v;
    json_object_foreach(ann, key, v) {
        if (!json_is_string(v))
            return errmsg(err, errlen, -1, "config.json: annotation '%.64s' must be a string", key);
        if (strncmp(key, "org.mica.", 9))
            continue;
        if (strcmp(key, OCI_ANN_KIND) && strcmp(key, OCI_ANN_KERNEL) &&
            strcmp(key, OCI_ANN_INITRD) && strcmp(key, OCI_ANN_CMDLINE))
            return errmsg(err, errlen, -1, "config.json: unknown mica annotation '%.64s' (known: %s, "
                          "%s, %s, %s)", key, OCI_ANN_KIND, OCI_ANN_KERNEL, OCI_ANN_INITRD,
                          OCI_ANN_CMDLINE);
    }
    return parse_kind(c, err, errlen);
}

/* Hooks would run host programs around a container process mica does not
 * have; running none of them could break what they were for. */
static int refuse_hooks(json_t *doc, char *err, size_t errlen)
{
    json_t *hooks = json_object_get(doc, "hooks");
    const char *key;
    json_t *v;
    json_object_foreach(hooks, key, v) {
        if (json_is_array(v) && json_array_size(v) > 0)
            return errmsg(err, errlen, -1, "config.json: hooks.%.32s: mica-runc runs no OCI hooks "
                          "(a mica VM has no container process for them)", key);
    }
    return 0;
}

int oci_config_parse(const char *text, size_t len, const char *bundle, struct oci_config *c,
                     char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (len > OCI_CONFIG_MAX)
        return errmsg(err, errlen, -1, "config.json: larger than %u bytes", OCI_CONFIG_MAX);
    json_error_t jerr;
    c->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!c->doc)
        return errmsg(err, errlen, -1, "config.json: line %d: %s", jerr.line, jerr.text);
    if (!json_is_object(c->doc))
        return errmsg(err, errlen, -1, "config.json: not a JSON object");
    const char *version = string_field(c->doc, "ociVersion");
    if (!version || strncmp(version, "1.", 2))
        return errmsg(err, errlen, -1, "config.json: ociVersion must be 1.x (the OCI runtime "
                      "spec mica-runc implements)");
    if (parse_annotations(c->doc, c, err, errlen) < 0 || refuse_hooks(c->doc, err, errlen) < 0 ||
        parse_root(c->doc, bundle, c, err, errlen) < 0 ||
        parse_process(c->doc, c, err, errlen) < 0 || parse_linux(c->doc, c, err, errlen) < 0)
        return -1;
    return 0;
}

int oci_config_load(const char *bundle, struct oci_config *c, char *err, size_t errlen)
{
    char path[OCI_PATH_MAX + 16];
    memset(c, 0, sizeof *c);
    if (snprintf(path, sizeof path, "%s/config.json", bundle) >= (int)sizeof path)
        return errmsg(err, errlen, -1, "bundle path is too long");
    uint8_t *text;
    size_t len;
    if (read_whole_file(path, OCI_CONFIG_MAX, &text, &len, err, errlen) < 0)
        return -1;
    int rc = oci_config_parse((const char *)text, len, bundle, c, err, errlen);
    free(text);
    return rc;
}

void oci_config_free(struct oci_config *c)
{
    json_decref(c->doc);
    c->doc = NULL;
}
