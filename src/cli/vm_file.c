#include "cli/vm_file.h"

#include "util/errmsg.h"
#include "util/parse.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- key = value ----------------------------------------------------------- */

enum kv_type { KV_STRING, KV_INT, KV_BOOL, KV_ARG, KV_DISK };

struct kv_key {
    const char *key, *field; /* as written, and the API's field */
    enum kv_type type;
};

static const struct kv_key kv_keys[] = {
    {"name", "name", KV_STRING},       {"kind", "kind", KV_STRING},
    {"guest", "guest", KV_STRING},     {"kernel", "kernel", KV_STRING},
    {"initrd", "initrd", KV_STRING},   {"cmdline", "cmdline", KV_STRING},
    {"mem_mib", "mem_mib", KV_INT},    {"mem", "mem_mib", KV_INT},
    {"vcpus", "vcpus", KV_INT},        {"cpus", "vcpus", KV_INT},
    {"rng", "rng", KV_BOOL},           {"autostart", "autostart", KV_BOOL},
    {"arg", "args", KV_ARG},           {"disk", "disks", KV_DISK},
};

static const struct kv_key *find_key(const char *key)
{
    for (size_t i = 0; i < sizeof kv_keys / sizeof kv_keys[0]; i++)
        if (strcmp(kv_keys[i].key, key) == 0)
            return &kv_keys[i];
    return NULL;
}

static int parse_bool(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1"))
        return 1;
    if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "0"))
        return 0;
    return -1;
}

/* FILE or FILE,ro -> {"path": FILE, "readonly": BOOL} */
static json_t *disk_value(const char *value)
{
    size_t len = strlen(value);
    bool ro = len > 3 && strcmp(value + len - 3, ",ro") == 0;
    json_t *path = json_stringn(value, ro ? len - 3 : len);
    return path ? json_pack("{s:o,s:b}", "path", path, "readonly", ro) : NULL;
}

/* Appends to the array `field` of spec, creating it. */
static void append(json_t *spec, const char *field, json_t *value)
{
    if (!json_object_get(spec, field))
        json_object_set_new(spec, field, json_array());
    json_array_append_new(json_object_get(spec, field), value);
}

/* Sets one key; 0, or -1 with the reason (without the line number). */
static int set_key(json_t *spec, const char *key, const char *value, char *why, size_t whylen)
{
    const struct kv_key *k = find_key(key);
    uint64_t n;
    int b;
    if (!k)
        return errmsg(why, whylen, -1, "unknown key '%.64s'", key);
    if ((k->type != KV_ARG && k->type != KV_DISK) && json_object_get(spec, k->field))
        return errmsg(why, whylen, -1, "'%s' is given twice", k->field);
    json_t *v = NULL;
    switch (k->type) {
    case KV_STRING: v = json_string(value); break;
    case KV_INT:
        if (parse_u64(value, 0, INT32_MAX, &n) < 0)
            return errmsg(why, whylen, -1, "'%s' wants a whole number, not '%.64s'", key, value);
        v = json_integer((json_int_t)n);
        break;
    case KV_BOOL:
        if ((b = parse_bool(value)) < 0)
            return errmsg(why, whylen, -1, "'%s' wants true or false, not '%.64s'", key, value);
        v = json_boolean(b);
        break;
    case KV_ARG: v = json_string(value); break; /* these two repeat: appended */
    case KV_DISK: v = disk_value(value); break;
    }
    if (!v) /* json_string refuses what is not UTF-8 */
        return errmsg(why, whylen, -1, "the value of '%s' is not UTF-8 text", key);
    if (k->type == KV_ARG || k->type == KV_DISK)
        append(spec, k->field, v);
    else
        json_object_set_new(spec, k->field, v);
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        s[--len] = '\0';
    return s;
}

static char *unquote(char *v)
{
    size_t len = strlen(v);
    if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
        v[len - 1] = '\0';
        return v + 1;
    }
    return v;
}

/* One line (NUL-terminated, no newline); 0 or -1 with the reason. */
static int parse_line(json_t *spec, char *line, char *why, size_t whylen)
{
    char *s = trim(line);
    if (!*s || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return errmsg(why, whylen, -1, "expected 'key = value'");
    *eq = '\0';
    char *key = trim(s);
    if (!*key)
        return errmsg(why, whylen, -1, "no key before '='");
    return set_key(spec, key, unquote(trim(eq + 1)), why, whylen);
}

static json_t *parse_kv(const char *text, size_t len, char *why, size_t whylen)
{
    json_t *spec = json_object();
    char line[VM_FILE_MAX_LINE + 1], reason[256];
    size_t at = 0;
    for (unsigned number = 1; at < len; number++) {
        const char *end = memchr(text + at, '\n', len - at);
        size_t n = (end ? (size_t)(end - text) : len) - at;
        if (n > VM_FILE_MAX_LINE || memchr(text + at, '\0', n)) {
            errmsg(why, whylen, 0, "line %u: %s", number,
                   n > VM_FILE_MAX_LINE ? "longer than 4096 bytes" : "a NUL byte");
            json_decref(spec);
            return NULL;
        }
        memcpy(line, text + at, n);
        line[n] = '\0';
        if (parse_line(spec, line, reason, sizeof reason) < 0) {
            errmsg(why, whylen, 0, "line %u: %s", number, reason);
            json_decref(spec);
            return NULL;
        }
        at += n + 1;
    }
    return spec;
}

/* ---- either format ---------------------------------------------------------- */

json_t *vm_file_parse(const char *text, size_t len, char *why, size_t whylen)
{
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", text[i]))
        i++;
    if (i == len || (text[i] != '{' && text[i] != '['))
        return parse_kv(text, len, why, whylen);
    json_error_t jerr;
    json_t *spec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!spec)
        errmsg(why, whylen, 0, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    return spec;
}

/* Reads at most VM_FILE_MAX_BYTES; malloc'd, or NULL with why. */
static char *read_all(FILE *f, size_t *len, char *why, size_t whylen)
{
    char *buf = malloc(VM_FILE_MAX_BYTES + 1);
    if (!buf) {
        errmsg(why, whylen, 0, "out of memory");
        return NULL;
    }
    *len = fread(buf, 1, VM_FILE_MAX_BYTES + 1, f);
    if (ferror(f) || *len > VM_FILE_MAX_BYTES) {
        errmsg(why, whylen, 0, "%s", ferror(f) ? strerror(errno) : "larger than 256 KiB");
        free(buf);
        return NULL;
    }
    return buf;
}

/* path relative to dir, made absolute (the daemon runs elsewhere). */
static void make_absolute(json_t *holder, const char *key, const char *dir)
{
    const char *path = json_string_value(json_object_get(holder, key));
    if (!path || path[0] == '/' || !path[0])
        return;
    char joined[PATH_MAX * 2], abs[PATH_MAX];
    snprintf(joined, sizeof joined, "%s/%s", dir, path);
    json_object_set_new(holder, key, json_string(realpath(joined, abs) ? abs : joined));
}

static void resolve_paths(json_t *spec, const char *dir)
{
    static const char *const keys[] = {"guest", "kernel", "initrd"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        make_absolute(spec, keys[i], dir);
    size_t i;
    json_t *disk;
    json_array_foreach(json_object_get(spec, "disks"), i, disk)
        if (json_is_object(disk))
            make_absolute(disk, "path", dir);
}

json_t *vm_file_load(const char *path, char *why, size_t whylen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    char reason[300], dir[PATH_MAX];
    if (!f) {
        errmsg(why, whylen, 0, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0;
    char *text = read_all(f, &len, reason, sizeof reason);
    if (!is_stdin)
        fclose(f);
    json_t *spec = text ? vm_file_parse(text, len, reason, sizeof reason) : NULL;
    free(text);
    if (spec && !json_is_object(spec)) {
        json_decref(spec);
        spec = NULL;
        snprintf(reason, sizeof reason, "a VM definition is a JSON object");
    }
    if (!spec) {
        errmsg(why, whylen, 0, "%s: %s", is_stdin ? "<stdin>" : path, reason);
        return NULL;
    }
    /* The file's own directory, absolute (it opened, so realpath works). */
    char abs[PATH_MAX];
    if (!is_stdin && realpath(path, abs))
        snprintf(dir, sizeof dir, "%s", dirname(abs));
    else if (!getcwd(dir, sizeof dir))
        snprintf(dir, sizeof dir, "/");
    resolve_paths(spec, dir);
    return spec;
}

/* ---- writing key = value ---------------------------------------------------- */

/* A value that lines hold: no control characters. */
static bool line_safe(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static int put(FILE *out, const char *key, const char *value, char *why, size_t whylen)
{
    if (!line_safe(value))
        return errmsg(why, whylen, -1, "the value of '%s' has a control character: use JSON",
                      key);
    size_t len = strlen(value);
    bool quote = !len || value[0] == '"' || value[0] == ' ' || value[0] == '\t' ||
                 value[len - 1] == ' ' || value[len - 1] == '\t';
    fprintf(out, quote ? "%s = \"%s\"\n" : "%s = %s\n", key, value);
    return 0;
}

static int put_field(FILE *out, const char *key, json_t *v, char *why, size_t whylen)
{
    char number[32];
    if (json_is_string(v))
        return put(out, key, json_string_value(v), why, whylen);
    if (json_is_boolean(v))
        return put(out, key, json_is_true(v) ? "true" : "false", why, whylen);
    if (json_is_integer(v)) {
        snprintf(number, sizeof number, "%lld", (long long)json_integer_value(v));
        return put(out, key, number, why, whylen);
    }
    return errmsg(why, whylen, -1, "field '%s' cannot be written as a line", key);
}

static int put_lists(FILE *out, json_t *spec, char *why, size_t whylen)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "args"), i, v)
        if (put_field(out, "arg", v, why, whylen) < 0)
            return -1;
    json_array_foreach(json_object_get(spec, "disks"), i, v) {
        const char *path = json_string_value(json_object_get(v, "path"));
        char disk[PATH_MAX + 8];
        snprintf(disk, sizeof disk, "%s%s", path ? path : "",
                 json_is_true(json_object_get(v, "readonly")) ? ",ro" : "");
        if (put(out, "disk", disk, why, whylen) < 0)
            return -1;
    }
    return 0;
}

char *vm_file_format_kv(json_t *spec, char *why, size_t whylen)
{
    static const char *const order[] = {"name",    "kind",    "guest", "kernel", "initrd",
                                        "cmdline", "mem_mib", "vcpus", "rng",    "autostart"};
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out) {
        errmsg(why, whylen, 0, "out of memory");
        return NULL;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof order / sizeof order[0]; i++) {
        json_t *v = json_object_get(spec, order[i]);
        if (v && !json_is_null(v))
            rc = put_field(out, order[i], v, why, whylen);
    }
    if (rc == 0)
        rc = put_lists(out, spec, why, whylen);
    fclose(out);
    if (rc < 0) {
        free(text);
        return NULL;
    }
    return text;
}
