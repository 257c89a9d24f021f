/*
 * What a guest's console output may do to the operator's terminal: print
 * text, not rewrite the screen, the title, the clipboard or the keyboard.
 * A byte-at-a-time state machine (state survives chunk boundaries) passes
 * printable ASCII, valid UTF-8 other than the C1 controls (U+0080-U+009F),
 * and \n \r \t \b; it drops every other C0 control and DEL, ESC sequences,
 * CSI sequences, and OSC/DCS/SOS/PM/APC strings (7-bit and UTF-8 C1 forms),
 * and invalid UTF-8. With keep_sgr, CSI sequences that only set colours and
 * attributes (ESC [ digits ; : m, at most CONSOLE_FILTER_SEQ_MAX bytes)
 * pass, rewritten in 7-bit form; console_filter_finish() then resets them.
 */
#ifndef MICA_UTIL_CONSOLE_FILTER_H
#define MICA_UTIL_CONSOLE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_FILTER_SEQ_MAX 32
/* Output may exceed input by what an earlier chunk left held. */
#define CONSOLE_FILTER_SLACK CONSOLE_FILTER_SEQ_MAX
#define CONSOLE_FILTER_FINISH_MAX 8

struct console_filter {
    uint8_t state;
    bool keep_sgr, sgr_used, sgr_candidate;
    uint8_t utf8_need, utf8_lo, utf8_hi;    /* continuation bytes to come, next one's range */
    uint8_t held_len;
    uint8_t held[CONSOLE_FILTER_SEQ_MAX];   /* a UTF-8 prefix or a CSI that may be SGR */
};

void console_filter_init(struct console_filter *f, bool keep_sgr);
/* Filters len bytes into out, which has room for len + CONSOLE_FILTER_SLACK
 * bytes; returns the bytes written. */
size_t console_filter_run(struct console_filter *f, const uint8_t *in, size_t len, uint8_t *out);
/* At the end of output: what undoes the attributes that passed (at most
 * CONSOLE_FILTER_FINISH_MAX bytes into out); returns the bytes written. */
size_t console_filter_finish(struct console_filter *f, uint8_t *out);

/* Filters len bytes and hands the result to emit in pieces (any size). */
typedef void (*console_filter_emit)(void *ctx, const char *buf, size_t len);
void console_filter_pass(struct console_filter *f, const void *in, size_t len,
                         console_filter_emit emit, void *ctx);

#endif
