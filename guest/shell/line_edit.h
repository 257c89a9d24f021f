/*
 * The shell's line editor: a pure function of the keys it is fed, which
 * writes what the terminal must show through a sink, so that it runs the
 * same in the guest and in host tests and fuzzing (tests/unit/
 * test_shell_line.c, tests/fuzz/fuzz_shell_line.c).
 *
 * Keys: printable ASCII inserts; Backspace/Ctrl-H deletes left, Ctrl-D
 * (or Delete) deletes under the cursor and, on an empty line, is the end of
 * input; Left/Right/Ctrl-B/Ctrl-F move, Home/End/Ctrl-A/Ctrl-E jump;
 * Ctrl-U and Ctrl-K delete to the start and to the end, Ctrl-W the word
 * before the cursor; Up/Down/Ctrl-P/Ctrl-N walk the history; Ctrl-L draws
 * the line again; Ctrl-C abandons it; Enter ends it.
 *
 * The terminal is driven with printable bytes, backspace and carriage
 * return only: mica's console filter drops every other control sequence
 * (README: "escape sequences ... are dropped"), so moving and clearing are
 * done by reprinting and padding with spaces. Bytes outside ASCII are
 * refused, and a line is at most LINE_EDIT_MAX bytes: a longer one is
 * reported when Enter is pressed, never silently cut.
 */
#ifndef MICA_SHELL_LINE_EDIT_H
#define MICA_SHELL_LINE_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_EDIT_MAX 1024
#define LINE_HISTORY_MAX 32
#define LINE_ESCAPE_MAX 16 /* bytes of an escape sequence before it is dropped */

typedef void line_sink(void *ctx, const char *s, size_t n);

struct line_history {
    char lines[LINE_HISTORY_MAX][LINE_EDIT_MAX + 1];
    unsigned count;  /* stored lines, up to LINE_HISTORY_MAX */
    unsigned newest; /* index of the newest line in the ring */
};

enum line_escape { ESC_NONE, ESC_START, ESC_SEQUENCE };

struct line_edit {
    char buf[LINE_EDIT_MAX + 1]; /* always NUL-terminated */
    size_t len, cursor;
    size_t shown;    /* where the terminal's cursor is, in buf */
    bool too_long;   /* keys were refused for lack of room */
    bool after_cr;   /* a '\n' right after '\r' is the same Enter */
    enum line_escape esc;
    char esc_buf[LINE_ESCAPE_MAX];
    size_t esc_len;
    struct line_history *history; /* NULL: none */
    int browsing;    /* history line shown (0 = newest), or -1 */
    char draft[LINE_EDIT_MAX + 1]; /* the new line while browsing */
    const char *prompt;
    line_sink *out;
    void *out_ctx;
};

enum line_result {
    LINE_MORE,      /* keep feeding keys */
    LINE_DONE,      /* Enter: the line is in buf (check too_long) */
    LINE_CANCELLED, /* Ctrl-C: start a new line */
    LINE_EOF,       /* Ctrl-D on an empty line */
};

/* Starts a new line (after the caller printed the prompt). history may be
 * NULL; prompt is what Ctrl-L shows again. */
void line_edit_begin(struct line_edit *e, struct line_history *history, const char *prompt,
                     line_sink *out, void *ctx);
/* Feeds one byte of input. */
enum line_result line_edit_key(struct line_edit *e, unsigned char key);
/* After LINE_DONE: remembers the line (non-empty, unless it repeats the
 * newest one). */
void line_history_add(struct line_history *h, const char *line);

#endif
