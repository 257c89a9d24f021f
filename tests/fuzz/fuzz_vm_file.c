/* Fuzzes VM definition files (cli/vm_file.c): whatever the bytes, the
 * parser answers a JSON value or a one-line reason, and a definition it
 * accepts that export can write as lines reads back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/vm_file.h"

static void check_reason(const char *why)
{
    if (!why[0] || strchr(why, '\n'))
        abort();
}

/* The parser's own choice: JSON when the first non-blank byte opens it. */
static int looks_like_json(const uint8_t *data, size_t size)
{
    size_t i = 0;
    while (i < size && strchr(" \t\r\n", data[i]) && data[i])
        i++;
    return i < size && (data[i] == '{' || data[i] == '[');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > VM_FILE_MAX_BYTES)
        return 0;
    char why[256] = "";
    json_t *spec = vm_file_parse((const char *)data, size, why, sizeof why);
    if (!spec) {
        check_reason(why);
        return 0;
    }
    if (json_is_object(spec)) {
        char *text = vm_file_format_kv(spec, why, sizeof why);
        if (text) {
            json_t *back = vm_file_parse(text, strlen(text), why, sizeof why);
            /* Only what lines can carry is compared: JSON input may hold
             * fields and types the lines have no key for. */
            if (!looks_like_json(data, size) && !json_equal(spec, back))
                abort();
            json_decref(back);
            free(text);
        }
    }
    json_decref(spec);
    return 0;
}
