/* libFuzzer: hostile keys into the shell's line editor and word splitter
 * (guest/shell/line_edit.c, tokenize.c, #included: they are pure). Every
 * line the editor ends is split; whatever the keys, the line stays within
 * LINE_EDIT_MAX, the cursor within the line, the output uses only the
 * bytes mica's console filter passes, and the words lie inside the line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../guest/shell/line_edit.c"
#include "../../guest/shell/tokenize.c"

static void check_output(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c == '\b' || c == '\n' || (c >= 0x20 && c < 0x7f)))
            abort();
    }
}

static void check_split(const struct line_edit *e)
{
    static char line[LINE_EDIT_MAX + 1];
    char *argv[SHELL_ARGS_MAX + 1];
    const char *error;
    memcpy(line, e->buf, e->len + 1);
    int argc = shell_split(line, argv, SHELL_ARGS_MAX, &error);
    if (argc < 0 ? error == NULL || argv[0] != NULL : error != NULL || argv[argc] != NULL)
        abort();
    for (int i = 0; i < argc; i++) {
        size_t len = strlen(argv[i]);
        if (argv[i] < line || argv[i] + len > line + e->len)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct line_edit e;
    static struct line_history history;
    memset(&history, 0, sizeof history);
    line_edit_begin(&e, &history, "cms> ", check_output, NULL);
    for (size_t i = 0; i < size; i++) {
        enum line_result r = line_edit_key(&e, data[i]);
        if (e.len > LINE_EDIT_MAX || e.cursor > e.len || e.buf[e.len] != '\0' ||
            strlen(e.buf) != e.len || e.shown != e.cursor || history.count > LINE_HISTORY_MAX)
            abort();
        if (r == LINE_DONE) {
            check_split(&e);
            line_history_add(&history, e.buf);
        }
        if (r != LINE_MORE)
            line_edit_begin(&e, &history, "cms> ", check_output, NULL);
    }
    return 0;
}
