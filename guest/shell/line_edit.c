/* The shell's line editor (see line_edit.h). */
#include "line_edit.h"

#include <string.h>

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 0x1b
#define KEY_DEL 0x7f

static void emit(struct line_edit *e, const char *s, size_t n)
{
    if (n)
        e->out(e->out_ctx, s, n);
}

/* n blanks or n backspaces (the only two runs the editor draws). */
static void emit_repeated(struct line_edit *e, char c, size_t n)
{
    static const char blanks[] = "                                ";
    static const char backs[] = "\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b";
    const char *run = c == ' ' ? blanks : backs;
    size_t len = c == ' ' ? sizeof blanks - 1 : sizeof backs - 1;
    for (; n > len; n -= len)
        emit(e, run, len);
    emit(e, run, n);
}

/* Moves the terminal's cursor to position `to` of the line: backspaces to
 * go left, the line's own characters again to go right. */
static void move_to(struct line_edit *e, size_t to)
{
    if (to < e->shown)
        emit_repeated(e, '\b', e->shown - to);
    else
        emit(e, e->buf + e->shown, to - e->shown);
    e->shown = to;
}

/* The line changed from `from` on; it was old_len long on screen. Prints
 * the new tail, blanks what is left of the old one, and puts the cursor back. */
static void redraw_from(struct line_edit *e, size_t from, size_t old_len)
{
    move_to(e, from);
    emit(e, e->buf + from, e->len - from);
    size_t blank = old_len > e->len ? old_len - e->len : 0;
    emit_repeated(e, ' ', blank);
    e->shown = e->len + blank;
    emit_repeated(e, '\b', e->shown - e->cursor);
    e->shown = e->cursor;
}

void line_edit_begin(struct line_edit *e, struct line_history *history, const char *prompt,
                     line_sink *out, void *ctx)
{
    bool after_cr = e->after_cr; /* survives into the next line */
    memset(e, 0, sizeof *e);
    e->after_cr = after_cr;
    e->history = history;
    e->browsing = -1;
    e->prompt = prompt;
    e->out = out;
    e->out_ctx = ctx;
}

static void insert(struct line_edit *e, char c)
{
    if (e->len == LINE_EDIT_MAX) {
        e->too_long = true;
        return;
    }
    memmove(e->buf + e->cursor + 1, e->buf + e->cursor, e->len - e->cursor + 1);
    e->buf[e->cursor] = c;
    e->len++;
    e->cursor++;
    redraw_from(e, e->cursor - 1, e->len - 1);
}

/* Deletes buf[from, to) and leaves the cursor at from. */
static void delete_range(struct line_edit *e, size_t from, size_t to)
{
    if (from >= to)
        return;
    size_t old_len = e->len;
    memmove(e->buf + from, e->buf + to, e->len - to + 1);
    e->len -= to - from;
    e->cursor = from;
    redraw_from(e, from, old_len);
}

static void set_cursor(struct line_edit *e, size_t pos)
{
    e->cursor = pos;
    move_to(e, pos);
}

/* Ctrl-W: the spaces before the cursor, then the word before them. */
static void delete_word(struct line_edit *e)
{
    size_t from = e->cursor;
    while (from > 0 && e->buf[from - 1] == ' ')
        from--;
    while (from > 0 && e->buf[from - 1] != ' ')
        from--;
    delete_range(e, from, e->cursor);
}

/* Replaces the whole line (history), cursor at its end. */
static void replace_line(struct line_edit *e, const char *text)
{
    size_t old_len = e->len;
    size_t n = strlen(text);
    n = n < LINE_EDIT_MAX ? n : LINE_EDIT_MAX;
    memcpy(e->buf, text, n);
    e->buf[n] = '\0';
    e->len = e->cursor = n;
    e->too_long = false;
    redraw_from(e, 0, old_len);
}

static const char *history_line(const struct line_history *h, unsigned age)
{
    return h->lines[(h->newest + LINE_HISTORY_MAX - age) % LINE_HISTORY_MAX];
}

/* Up (older, +1) or down (newer, -1) through the history. */
static void browse(struct line_edit *e, int step)
{
    struct line_history *h = e->history;
    if (h == NULL || h->count == 0)
        return;
    int to = e->browsing + step;
    if (to >= (int)h->count || to < -1)
        return;
    if (e->browsing == -1)
        memcpy(e->draft, e->buf, e->len + 1);
    e->browsing = to;
    replace_line(e, to == -1 ? e->draft : history_line(h, (unsigned)to));
}

void line_history_add(struct line_history *h, const char *line)
{
    if (line[0] == '\0' || (h->count > 0 && strcmp(history_line(h, 0), line) == 0))
        return;
    h->newest = (h->newest + 1) % LINE_HISTORY_MAX;
    size_t n = strlen(line);
    n = n < LINE_EDIT_MAX ? n : LINE_EDIT_MAX;
    memcpy(h->lines[h->newest], line, n);
    h->lines[h->newest][n] = '\0';
    if (h->count < LINE_HISTORY_MAX)
        h->count++;
}

/* Ctrl-L: the prompt and the line again, on a line of their own (clearing
 * the screen would take an escape sequence the console filter drops). */
static void redraw_all(struct line_edit *e)
{
    emit(e, "\n", 1);
    emit(e, e->prompt, strlen(e->prompt));
    e->shown = 0;
    redraw_from(e, 0, 0);
}

/* The final byte of "ESC [ params X" or "ESC O X": what key it was. */
static void escape_key(struct line_edit *e, char final)
{
    const char *params = e->esc_buf; /* digits before the final byte */
    switch (final) {
    case 'A': browse(e, 1); break;
    case 'B': browse(e, -1); break;
    case 'C': set_cursor(e, e->cursor < e->len ? e->cursor + 1 : e->len); break;
    case 'D': set_cursor(e, e->cursor > 0 ? e->cursor - 1 : 0); break;
    case 'H': set_cursor(e, 0); break;
    case 'F': set_cursor(e, e->len); break;
    case '~': /* VT220 keys: 1/7 Home, 4/8 End, 3 Delete */
        if (!strcmp(params, "1") || !strcmp(params, "7"))
            set_cursor(e, 0);
        else if (!strcmp(params, "4") || !strcmp(params, "8"))
            set_cursor(e, e->len);
        else if (!strcmp(params, "3"))
            delete_range(e, e->cursor, e->cursor < e->len ? e->cursor + 1 : e->len);
        break;
    default: break; /* a key the shell has no use for */
    }
}

/* Inside an escape sequence: whether the key was part of it. Bounded, so a
 * flood of parameters cannot hold the editor in this state; a sequence cut
 * short by another key (Enter, say) is dropped and that key counts as
 * itself. */
static bool escape_byte(struct line_edit *e, unsigned char key)
{
    if (e->esc == ESC_START) {
        bool introducer = key == '[' || key == 'O';
        e->esc = introducer ? ESC_SEQUENCE : ESC_NONE;
        e->esc_len = 0;
        e->esc_buf[0] = '\0';
        return introducer;
    }
    if (key >= 0x40 && key <= 0x7e) { /* the final byte */
        e->esc = ESC_NONE;
        escape_key(e, (char)key);
        return true;
    }
    if (key < 0x20 || key > 0x3f) {
        e->esc = ESC_NONE; /* not part of any sequence */
        return false;
    }
    if (e->esc_len + 1 >= sizeof e->esc_buf) {
        e->esc = ESC_NONE; /* too long: dropped */
        return true;
    }
    e->esc_buf[e->esc_len++] = (char)key;
    e->esc_buf[e->esc_len] = '\0';
    return true;
}

static enum line_result control_key(struct line_edit *e, unsigned char key)
{
    switch (key) {
    case '\r': case '\n':
        set_cursor(e, e->len);
        emit(e, "\n", 1); /* guests end lines with LF; the terminal adds CR */
        return LINE_DONE;
    case CTRL('C'):
        emit(e, "^C\n", 3);
        return LINE_CANCELLED;
    case CTRL('D'):
        if (e->len == 0)
            return LINE_EOF;
        delete_range(e, e->cursor, e->cursor < e->len ? e->cursor + 1 : e->len);
        break;
    case KEY_DEL: case CTRL('H'):
        if (e->cursor > 0)
            delete_range(e, e->cursor - 1, e->cursor);
        break;
    case CTRL('A'): set_cursor(e, 0); break;
    case CTRL('E'): set_cursor(e, e->len); break;
    case CTRL('B'): set_cursor(e, e->cursor > 0 ? e->cursor - 1 : 0); break;
    case CTRL('F'): set_cursor(e, e->cursor < e->len ? e->cursor + 1 : e->len); break;
    case CTRL('U'): delete_range(e, 0, e->cursor); break;
    case CTRL('K'): delete_range(e, e->cursor, e->len); break;
    case CTRL('W'): delete_word(e); break;
    case CTRL('P'): browse(e, 1); break;
    case CTRL('N'): browse(e, -1); break;
    case CTRL('L'): redraw_all(e); break;
    case KEY_ESC: e->esc = ESC_START; break;
    default: break; /* other control keys (Tab too) do nothing */
    }
    return LINE_MORE;
}

enum line_result line_edit_key(struct line_edit *e, unsigned char key)
{
    bool after_cr = e->after_cr;
    e->after_cr = key == '\r';
    if (key == '\n' && after_cr)
        return LINE_MORE; /* "\r\n" from a pipe or a terminal: one Enter */
    if (e->esc != ESC_NONE && escape_byte(e, key))
        return LINE_MORE;
    if (key >= 0x20 && key < 0x7f) {
        insert(e, (char)key);
        return LINE_MORE;
    }
    if (key >= 0x80)
        return LINE_MORE; /* ASCII only: a multi-byte character would break the cursor */
    return control_key(e, key);
}
