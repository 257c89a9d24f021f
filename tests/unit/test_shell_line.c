/*
 * Host unit tests for the shell's line editor and word splitter
 * (guest/shell/line_edit.c, tokenize.c): both are pure and #included here.
 * The editor's output is played on a tiny terminal model (printable bytes,
 * backspace, CR, LF: all mica's console filter lets through), which after
 * every key must show the prompt and the line with the cursor in place.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../guest/shell/line_edit.c"
#include "../../guest/shell/tokenize.c"

#define PROMPT "cms> "
#define COLS 4096

/* ---- a terminal that knows four bytes ---------------------------------- */

struct screen {
    char row[COLS + 1]; /* the current row */
    size_t col;
    unsigned rows_ended;
    bool bad_byte;      /* anything the console filter would drop */
};

static void screen_put(void *ctx, const char *s, size_t n)
{
    struct screen *t = ctx;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\b') {
            if (t->col > 0)
                t->col--;
        } else if (c == '\r') {
            t->col = 0;
        } else if (c == '\n') {
            memset(t->row, ' ', COLS);
            t->col = 0;
            t->rows_ended++;
        } else if (c >= 0x20 && c < 0x7f) {
            if (t->col < COLS)
                t->row[t->col++] = (char)c;
        } else {
            t->bad_byte = true;
        }
    }
}

struct session {
    struct screen screen;
    struct line_edit e;
    struct line_history history;
};

static void start(struct session *s)
{
    memset(s->screen.row, ' ', COLS);
    s->screen.row[COLS] = '\0';
    s->screen.col = 0;
    screen_put(&s->screen, PROMPT, strlen(PROMPT));
    line_edit_begin(&s->e, &s->history, PROMPT, screen_put, &s->screen);
}

/* The screen shows exactly the prompt and the line, cursor in place. */
static void assert_screen_matches(struct session *s)
{
    struct screen *t = &s->screen;
    size_t plen = strlen(PROMPT);
    assert_false(t->bad_byte);
    assert_memory_equal(t->row, PROMPT, plen);
    assert_memory_equal(t->row + plen, s->e.buf, s->e.len);
    for (size_t i = plen + s->e.len; i < COLS; i++)
        if (t->row[i] != ' ')
            fail_msg("stale character '%c' at column %zu (line \"%s\")", t->row[i], i, s->e.buf);
    assert_int_equal(t->col, plen + s->e.cursor);
    assert_true(s->e.cursor <= s->e.len && s->e.len <= LINE_EDIT_MAX);
    assert_int_equal(strlen(s->e.buf), s->e.len);
}

/* Types keys (a C string may hold any byte but NUL); returns the last result. */
static enum line_result type_n(struct session *s, const char *keys, size_t n)
{
    enum line_result r = LINE_MORE;
    for (size_t i = 0; i < n; i++) {
        r = line_edit_key(&s->e, (unsigned char)keys[i]);
        if (r != LINE_MORE)
            return r;
        assert_screen_matches(s);
    }
    return r;
}

static enum line_result type(struct session *s, const char *keys)
{
    return type_n(s, keys, strlen(keys));
}

/* Types a whole line and Enter; returns the line the editor gives back. */
static const char *enter(struct session *s, const char *keys)
{
    start(s);
    assert_int_equal(type(s, keys), LINE_MORE);
    assert_int_equal(type(s, "\r"), LINE_DONE);
    line_history_add(&s->history, s->e.buf);
    return s->e.buf;
}

/* One at a time, static: a failed assertion leaks nothing. */
static struct session *new_session(void)
{
    static struct session s;
    memset(&s, 0, sizeof s);
    return &s;
}

/* ---- editing ------------------------------------------------------------- */

static void test_typing_and_backspace(void **state)
{
    (void)state;
    struct session *s = new_session();
    assert_string_equal(enter(s, "helo\x7f\x7fllo"), "hello");
    assert_string_equal(enter(s, "abc\b\b\b\b\bx"), "x"); /* Ctrl-H; extra ones do nothing */
    assert_string_equal(enter(s, "a\tb\x01\x7f"), "ab");   /* Tab ignored; BS at start: nothing */
    assert_string_equal(enter(s, "caf\xc3\xa9!"), "caf!");  /* non-ASCII refused */
}

static void test_cursor_movement(void **state)
{
    (void)state;
    struct session *s = new_session();
    /* Arrows (CSI and SS3 forms), Ctrl-B/F, Home/End in four spellings. */
    assert_string_equal(enter(s, "wrld\x1b[D\x1b[D\x1b[Do"), "world");
    assert_string_equal(enter(s, "bc\x01" "a\x05" "d"), "abcd");
    assert_string_equal(enter(s, "ac\x02" "b\x06\x06\x06" "d"), "abcd");
    assert_string_equal(enter(s, "yz\x1b[Hx\x1b[F!"), "xyz!");
    assert_string_equal(enter(s, "yz\x1bOHx\x1bOF!"), "xyz!");
    assert_string_equal(enter(s, "yz\x1b[1~x\x1b[4~!"), "xyz!");
    assert_string_equal(enter(s, "yz\x1b[7~x\x1b[8~!\x1bOD\x1bOC"), "xyz!");
    /* Delete (ESC [ 3 ~) and Ctrl-D delete under the cursor. */
    assert_string_equal(enter(s, "abXc\x1b[D\x1b[D\x1b[3~"), "abc");
    assert_string_equal(enter(s, "abXc\x02\x02\x04"), "abc");
    assert_string_equal(enter(s, "abc\x1b[C\x1b[C\x06\x04\x1b[3~"), "abc"); /* past the end: nothing */
}

static void test_kill_keys(void **state)
{
    (void)state;
    struct session *s = new_session();
    assert_string_equal(enter(s, "garbage\x15" "echo hi"), "echo hi");             /* Ctrl-U */
    assert_string_equal(enter(s, "echo hi there\x02\x02\x02\x02\x02\x02\x0b"), "echo hi"); /* Ctrl-K */
    assert_string_equal(enter(s, "echo one two  \x17" "three"), "echo one three");  /* Ctrl-W */
    assert_string_equal(enter(s, "echo one\x02\x02\x17" "X"), "echo Xne");
    assert_string_equal(enter(s, "  \x17\x17\x17" "a"), "a");
    assert_string_equal(enter(s, "abc\x01\x15\x0b"), ""); /* both at the edges */
}

static void test_enter_cancel_eof(void **state)
{
    (void)state;
    struct session *s = new_session();
    start(s);
    assert_int_equal(type(s, "abc\x03"), LINE_CANCELLED);
    start(s);
    assert_int_equal(type(s, "\x04"), LINE_EOF);
    /* "\r\n" is one Enter, also across the start of the next line. */
    start(s);
    assert_int_equal(type(s, "one\r"), LINE_DONE);
    start(s);
    assert_int_equal(type(s, "\ntwo\n"), LINE_DONE);
    assert_string_equal(s->e.buf, "two");
    start(s);
    assert_int_equal(type(s, "\n"), LINE_DONE);
    assert_string_equal(s->e.buf, "");
    /* Ctrl-L draws the prompt and line again on a new row. */
    start(s);
    unsigned rows = s->screen.rows_ended;
    assert_int_equal(type(s, "redraw me\x02\x02\x0c"), LINE_MORE);
    assert_int_equal(s->screen.rows_ended, rows + 1);
    assert_screen_matches(s);
}

static void test_history(void **state)
{
    (void)state;
    struct session *s = new_session();
    enter(s, "first");
    enter(s, "second");
    enter(s, "second"); /* a repeat is not stored twice */
    enter(s, "");       /* nor an empty line */
    assert_int_equal(s->history.count, 2);
    assert_string_equal(enter(s, "\x1b[A"), "second");
    assert_string_equal(enter(s, "\x1b[A\x1b[A"), "first");
    assert_string_equal(enter(s, "\x1b[A\x1b[A\x1b[A\x1b[A"), "first"); /* stops at the oldest */
    /* Down comes back to the line being typed, as it was. */
    assert_string_equal(enter(s, "draft\x1b[A\x1b[A\x1b[B\x1b[B"), "draft");
    assert_string_equal(enter(s, "\x10\x10\x0e"), "draft"); /* Ctrl-P, Ctrl-N */
    assert_string_equal(enter(s, "x\x1b[B\x1b[B"), "x");       /* down past the newest: nothing */
    /* A recalled line is edited like any other. */
    assert_string_equal(enter(s, "\x1bOA\x1bOA again"), "draft again");
    assert_string_equal(enter(s, "\x1bOA\x17" "ok"), "draft ok");
    /* The ring keeps the newest LINE_HISTORY_MAX lines. */
    char line[32];
    for (int i = 0; i < 100; i++) {
        snprintf(line, sizeof line, "line %d", i);
        enter(s, line);
    }
    assert_int_equal(s->history.count, LINE_HISTORY_MAX);
    char up[8 * (LINE_HISTORY_MAX + 5) + 1] = "";
    for (int i = 0; i < LINE_HISTORY_MAX + 5; i++)
        strcat(up, "\x1b[A");
    snprintf(line, sizeof line, "line %d", 100 - LINE_HISTORY_MAX);
    assert_string_equal(enter(s, up), line);
    start(s); /* no history at all: Up does nothing */
    s->e.history = NULL;
    assert_int_equal(type(s, "\x1b[Aok"), LINE_MORE);
    assert_string_equal(s->e.buf, "ok");
}

/* ---- hostile input ------------------------------------------------------- */

static void test_very_long_line(void **state)
{
    (void)state;
    struct session *s = new_session();
    enum { N = 100000 };
    static char keys[N + 1];
    for (size_t i = 0; i < N; i++)
        keys[i] = (char)('a' + i % 26);
    keys[N] = '\0';
    start(s);
    assert_int_equal(type(s, keys), LINE_MORE);
    assert_int_equal(s->e.len, LINE_EDIT_MAX); /* kept what fits... */
    assert_true(s->e.too_long);                 /* ...and says the rest was refused */
    assert_int_equal(type(s, "\x01\x0b" "short\r"), LINE_DONE);
    assert_string_equal(s->e.buf, "short");
    /* A full history of full lines recalls them whole. */
    keys[LINE_EDIT_MAX] = '\0';
    for (int i = 0; i < LINE_HISTORY_MAX + 1; i++)
        line_history_add(&s->history, keys);
    start(s);
    type(s, "\x1b[A");
    assert_int_equal(s->e.len, LINE_EDIT_MAX);
    assert_false(s->e.too_long);
}

static void test_escape_sequences_cut_short(void **state)
{
    (void)state;
    struct session *s = new_session();
    /* A sequence cut by Enter: the Enter still ends the line. */
    start(s);
    assert_int_equal(type(s, "ab\x1b[1\r"), LINE_DONE);
    assert_string_equal(s->e.buf, "ab");
    start(s);
    assert_int_equal(type(s, "ab\x1b\r"), LINE_DONE);
    /* ESC then a letter (Alt-x): the letter is typed. */
    assert_string_equal(enter(s, "\x1bx"), "x");
    /* Endless parameters: dropped after LINE_ESCAPE_MAX, then typing resumes. */
    char flood[200] = "a\x1b[";
    for (int i = 0; i < 150; i++)
        strcat(flood, i % 2 ? ";" : "9");
    strcat(flood, "Zb");
    /* The 15 bytes that fit are the sequence; the rest is typed text. */
    const char *got = enter(s, flood);
    assert_int_equal(got[0], 'a');
    assert_true(strncmp(s->e.buf, "a", 1) == 0 && s->e.buf[s->e.len - 1] == 'b');
    /* Unknown keys (F1, Ctrl-arrows, mouse reports) do nothing. */
    assert_string_equal(enter(s, "a\x1bOP\x1b[1;5C\x1b[M!!!b"), "a!!!b");
}

/* Thousands of random keys: the screen and the buffer never disagree. */
static void test_random_keys(void **state)
{
    (void)state;
    struct session *s = new_session();
    static const char *const keys[] = { "a", "b", " ", "\x7f", "\x01", "\x05", "\x02", "\x06",
                                        "\x15", "\x0b", "\x17", "\x1b[A", "\x1b[B", "\x1b[C",
                                        "\x1b[D", "\x1b[3~", "\x04", "\x0c", "\x1b", "\x1b[",
                                        "\x10", "\x0e", "xyz" };
    uint64_t x = 42;
    for (int line = 0; line < 200; line++) {
        start(s);
        for (int k = 0; k < 300; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            const char *key = keys[(x >> 33) % (sizeof keys / sizeof *keys)];
            if (s->e.len == 0 && key[0] == '\x04')
                continue; /* that would be the end of input */
            assert_int_equal(type(s, key), LINE_MORE);
        }
        type(s, "x\r");
        line_history_add(&s->history, s->e.buf);
    }
}

/* ---- word splitting ------------------------------------------------------ */

struct split_case {
    const char *line;
    int argc; /* -1: an error */
    const char *words[6];
    const char *error;
};

static void test_split(void **state)
{
    (void)state;
    static const struct split_case cases[] = {
        { "", 0, { NULL }, NULL },
        { "   \t ", 0, { NULL }, NULL },
        { "echo a  b\tc", 4, { "echo", "a", "b", "c" }, NULL },
        { "  lead trail  ", 2, { "lead", "trail" }, NULL },
        { "echo \"a b\" 'c  d'", 3, { "echo", "a b", "c  d" }, NULL },
        { "a\"b c\"d", 1, { "ab cd" }, NULL },
        { "'it''s'", 1, { "its" }, NULL },
        { "\"\" ''", 2, { "", "" }, NULL },
        { "x \"\"", 2, { "x", "" }, NULL },
        { "a\\ b c\\\\d \\'e", 3, { "a b", "c\\d", "'e" }, NULL },
        { "\"q\\\"z\\\\w\\n\"", 1, { "q\"z\\w\\n" }, NULL },
        { "'no \\escapes \"here\"'", 1, { "no \\escapes \"here\"" }, NULL },
        { "echo 'open", -1, { NULL }, "unterminated ' quote" },
        { "echo \"open 'x'", -1, { NULL }, "unterminated \" quote" },
        { "echo \"a\\\"", -1, { NULL }, "unterminated \" quote" },
        { "trailing\\", -1, { NULL }, "trailing backslash" },
        { "a b c d e f", -1, { NULL }, "too many words (at most 5)" },
        { "a b c d e", 5, { "a", "b", "c", "d", "e" }, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct split_case *c = &cases[i];
        char line[128];
        char *argv[6];
        const char *error = "unset";
        strcpy(line, c->line);
        int argc = shell_split(line, argv, 5, &error);
        if (argc != c->argc)
            fail_msg("\"%s\": %d words, wanted %d (%s)", c->line, argc, c->argc,
                     error ? error : "no error");
        if (argc < 0) {
            assert_string_equal(error, c->error);
            assert_null(argv[0]);
            continue;
        }
        assert_null(error);
        for (int w = 0; w < argc; w++)
            assert_string_equal(argv[w], c->words[w]);
        assert_null(argv[argc]);
    }
}

static void test_split_hostile(void **state)
{
    (void)state;
    enum { N = 70000 };
    static char line[N + 1];
    char *argv[SHELL_ARGS_MAX + 1];
    const char *error;
    memset(line, '"', N); /* 35,000 empty words glued into one */
    line[N] = '\0';
    assert_int_equal(shell_split(line, argv, SHELL_ARGS_MAX, &error), 1);
    assert_string_equal(argv[0], "");
    memset(line, '\\', N); /* 35,000 escaped backslashes */
    assert_int_equal(shell_split(line, argv, SHELL_ARGS_MAX, &error), 1);
    assert_int_equal(strlen(argv[0]), N / 2);
    for (size_t i = 0; i < N; i++) /* "a a a ...": far too many words */
        line[i] = i % 2 ? ' ' : 'a';
    assert_int_equal(shell_split(line, argv, SHELL_ARGS_MAX, &error), -1);
    assert_string_equal(error, "too many words (at most 32)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typing_and_backspace),
        cmocka_unit_test(test_cursor_movement),
        cmocka_unit_test(test_kill_keys),
        cmocka_unit_test(test_enter_cancel_eof),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_very_long_line),
        cmocka_unit_test(test_escape_sequences_cut_short),
        cmocka_unit_test(test_random_keys),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_split_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
