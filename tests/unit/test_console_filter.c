/* The terminal filter for guest console output, fed hostile input whole
 * and split at every byte boundary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/console_filter.h"

static char out[8192];

/* Filters s in one piece, and in pieces of every size from 1 to 7: the
 * output must not depend on where chunks end. Returns the one-piece text. */
static const char *filter(const char *s, bool keep_sgr)
{
    size_t len = strlen(s);
    struct console_filter f;
    console_filter_init(&f, keep_sgr);
    static uint8_t whole[8192];
    size_t n = console_filter_run(&f, (const uint8_t *)s, len, whole);
    assert_true(n <= len + CONSOLE_FILTER_SLACK);
    for (size_t piece = 1; piece < 8; piece++) {
        console_filter_init(&f, keep_sgr);
        uint8_t part[8192];
        size_t m = 0;
        for (size_t i = 0; i < len; i += piece) {
            size_t take = len - i < piece ? len - i : piece;
            size_t got = console_filter_run(&f, (const uint8_t *)s + i, take, part + m);
            assert_true(got <= take + CONSOLE_FILTER_SLACK);
            m += got;
        }
        assert_int_equal(m, n);
        assert_memory_equal(part, whole, n);
    }
    memcpy(out, whole, n);
    out[n] = 0;
    return out;
}

static void text_and_allowed_controls_pass(void **state)
{
    (void)state;
    assert_string_equal(filter("hello, world\r\n\tx\by", false), "hello, world\r\n\tx\by");
    assert_string_equal(filter("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", false),
                        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void c0_controls_and_del_are_dropped(void **state)
{
    (void)state;
    assert_string_equal(filter("a\x07" "b\x0e" "c\x0f" "d\x7f" "e\x05" "f\x0c" "g\x0b" "h\x00", false),
                        "abcdefgh");
}

static void screen_and_title_sequences_are_dropped(void **state)
{
    (void)state;
    /* clear screen, cursor moves, scroll region, alternate screen, DECSET */
    assert_string_equal(filter("A\033[2J\033[H\033[1;1r\033[?1049h\033[10;20HB", false), "AB");
    /* window title and clipboard (OSC 0, OSC 52), ended by BEL and by ST */
    assert_string_equal(filter("A\033]0;pwned\aB\033]52;c;ZXZpbA==\033\\C", false), "ABC");
    /* DCS (e.g. DECRQSS), APC, PM, SOS */
    assert_string_equal(filter("A\033P$qm\033\\B\033_x\033\\C\033^y\033\\D\033Xz\033\\E", false),
                        "ABCDE");
    /* two-byte escapes and ones with intermediates: RIS, DECALN, charsets */
    assert_string_equal(filter("A\033cB\033#8C\033(0D\033)BE", false), "ABCDE");
    /* answerback requests (DA, DSR) would make the terminal type for the guest */
    assert_string_equal(filter("A\033[c\033[6n\033[>0cB", false), "AB");
}

static void c1_controls_are_dropped_in_both_forms(void **state)
{
    (void)state;
    /* raw 8-bit C1: not UTF-8, dropped */
    assert_string_equal(filter("A\x9b" "2J" "B\x9d" "0;t\x07", false), "A2JB0;t");
    /* UTF-8-encoded C1: CSI and OSC act as sequences and vanish */
    assert_string_equal(filter("A\xc2\x9b" "2JB\xc2\x9d" "0;title\xc2\x9c" "C", false), "ABC");
    assert_string_equal(filter("A\xc2\x85" "B", false), "AB"); /* NEL */
}

static void invalid_utf8_is_dropped(void **state)
{
    (void)state;
    /* overlong ESC (0xc0 0x9b), surrogate, beyond U+10FFFF, stray continuations */
    assert_string_equal(filter("A\xc0\x9b" "B\xed\xa0\x80" "C\xf4\x90\x80\x80" "D\x80\xbf" "E", false),
                        "ABCDE");
    /* a truncated sequence followed by ESC: the ESC still starts a sequence */
    assert_string_equal(filter("A\xe2\x82\033[2JB", false), "AB");
}

static void colours_pass_only_when_asked_and_only_sgr(void **state)
{
    (void)state;
    assert_string_equal(filter("\033[1;31mred\033[0m", false), "red");
    assert_string_equal(filter("\033[1;31mred\033[0m", true), "\033[1;31mred\033[0m");
    assert_string_equal(filter("\033[38:2:255:0:0mx", true), "\033[38:2:255:0:0mx");
    /* UTF-8 CSI comes out in 7-bit form */
    assert_string_equal(filter("\xc2\x9b" "32mg", true), "\033[32mg");
    /* private or intermediate SGR-like sequences, and other finals: dropped */
    assert_string_equal(filter("\033[?31mA\033[31 mB\033[31JC\033[>4;2mD", true), "ABCD");
    /* too long to be a colour: dropped whole */
    char longer[128] = "\033[";
    for (int i = 0; i < 40; i++)
        strcat(longer, "1;");
    strcat(longer, "mX");
    assert_string_equal(filter(longer, true), "X");
    struct console_filter f;
    console_filter_init(&f, true);
    uint8_t buf[64];
    console_filter_run(&f, (const uint8_t *)"\033[31m", 5, buf);
    assert_int_equal(console_filter_finish(&f, buf), 4); /* resets what passed */
    assert_memory_equal(buf, "\033[0m", 4);
    assert_int_equal(console_filter_finish(&f, buf), 0);
}

static void unterminated_strings_swallow_only_themselves(void **state)
{
    (void)state;
    /* CAN and SUB abort a sequence, as on a VT100 */
    assert_string_equal(filter("A\033]0;x\x18" "B\033[12\x1a" "C", false), "ABC");
    /* ESC inside a string that is not ST starts a new sequence */
    assert_string_equal(filter("A\033]0;x\033[2JB", false), "AB");
    /* controls inside CSI are dropped, the sequence still ends */
    assert_string_equal(filter("A\033[1\n;2HB", false), "AB");
}

/* Whatever comes in, nothing but text, allowed controls and (with
 * keep_sgr) ESC [ digits ; : m comes out. */
static void assert_safe(const uint8_t *o, size_t n, bool keep_sgr)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = o[i];
        if (b == 0x1b) {
            assert_true(keep_sgr);
            assert_true(i + 1 < n && o[i + 1] == '[');
            size_t j = i + 2;
            while (j < n && ((o[j] >= '0' && o[j] <= '9') || o[j] == ';' || o[j] == ':'))
                j++;
            assert_true(j < n && o[j] == 'm');
            i = j;
            continue;
        }
        assert_true((b >= 0x20 && b != 0x7f) || b == '\n' || b == '\r' || b == '\t' || b == '\b');
        if (b == 0xc2)
            assert_true(i + 1 < n && o[i + 1] >= 0xa0);
        assert_false(b >= 0x80 && b <= 0x9f && (i == 0 || o[i - 1] == 0xc2));
    }
}

static void random_input_comes_out_safe(void **state)
{
    (void)state;
    srand(1234);
    static const uint8_t interesting[] = {0x1b, '[', ']', 'P', '\\', 0x07, 0x9b, 0x9c, 0xc2,
                                          0x18, ';', '1', 'm', 'H', 0xe2, 0x80, 0xf0, 0x0a};
    for (int round = 0; round < 2000; round++) {
        uint8_t in[256], o[256 + CONSOLE_FILTER_SLACK];
        size_t len = (size_t)(rand() % 256);
        for (size_t i = 0; i < len; i++)
            in[i] = rand() % 2 ? interesting[rand() % sizeof interesting] : (uint8_t)rand();
        for (int keep = 0; keep < 2; keep++) {
            struct console_filter f;
            console_filter_init(&f, keep);
            size_t n = console_filter_run(&f, in, len, o);
            assert_true(n <= len + CONSOLE_FILTER_SLACK);
            assert_safe(o, n, keep);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_and_allowed_controls_pass),
        cmocka_unit_test(c0_controls_and_del_are_dropped),
        cmocka_unit_test(screen_and_title_sequences_are_dropped),
        cmocka_unit_test(c1_controls_are_dropped_in_both_forms),
        cmocka_unit_test(invalid_utf8_is_dropped),
        cmocka_unit_test(colours_pass_only_when_asked_and_only_sgr),
        cmocka_unit_test(unterminated_strings_swallow_only_themselves),
        cmocka_unit_test(random_input_comes_out_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
