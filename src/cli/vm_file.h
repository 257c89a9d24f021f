/*
 * VM definition files for `mica create -f FILE` and `mica export NAME`: the
 * API's own schema (docs/api.yaml VmSpec), written as JSON or as simple
 * "key = value" lines:
 *
 *     # a comment
 *     name = web
 *     guest = web.elf          (relative paths are relative to the file)
 *     mem_mib = 16
 *     arg = --port             (repeatable: args, in order)
 *     disk = root.img,ro       (repeatable: linux disks, FILE[,ro])
 *     autostart = true
 *
 * A value is the rest of the line, trimmed; one pair of surrounding double
 * quotes is removed ("" for an empty value, " x" to keep spaces).  The
 * file is untrusted input: size, line length and line count are bounded,
 * and every refusal is one line naming the line or field and the reason.
 * What the values mean (ranges, files) the daemon checks, as for any
 * client.
 */
#ifndef MICA_CLI_VM_FILE_H
#define MICA_CLI_VM_FILE_H

#include <jansson.h>
#include <stddef.h>

#define VM_FILE_MAX_BYTES (256u * 1024u)
#define VM_FILE_MAX_LINE  4096u

/* Parses text (len bytes, not NUL-terminated; JSON when its first
 * non-blank byte is '{' or '[', else key = value).  New JSON object, or NULL with
 * "line N: reason" (or "field 'x': reason") in why. */
json_t *vm_file_parse(const char *text, size_t len, char *why, size_t whylen);

/* Reads and parses path ("-": stdin), then makes the relative paths of
 * guest, kernel, initrd and disks absolute, from the file's directory
 * (stdin: the current one).  NULL with "PATH: reason" in why. */
json_t *vm_file_load(const char *path, char *why, size_t whylen);

/* spec (a definition as GET .../definition gives it) as key = value text;
 * malloc'd, or NULL with why (a value that lines cannot hold: use JSON). */
char *vm_file_format_kv(json_t *spec, char *why, size_t whylen);

#endif
