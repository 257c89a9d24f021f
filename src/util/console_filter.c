#include "util/console_filter.h"

#include <string.h>

enum {
    GROUND,
    UTF8,       /* inside a multi-byte UTF-8 character */
    ESC_SEEN,
    ESC_INTER,  /* ESC, intermediates (0x20-0x2f), then one final byte */
    CSI,        /* parameters and intermediates up to a final byte */
    STRING,     /* OSC, DCS, SOS, PM, APC: up to ST or BEL */
    STRING_ESC, /* ESC inside a string: ST if '\' follows */
    STRING_C2,  /* 0xc2 inside a string: ST if 0x9c follows */
};

#define ESC 0x1b
#define CAN 0x18
#define SUB 0x1a
#define BEL 0x07

void console_filter_init(struct console_filter *f, bool keep_sgr)
{
    memset(f, 0, sizeof *f);
    f->keep_sgr = keep_sgr;
}

static bool allowed_control(uint8_t b)
{
    return b == '\n' || b == '\r' || b == '\t' || b == '\b';
}

/* Sets up a UTF-8 lead byte's continuation; false if b cannot lead. The
 * ranges exclude overlong forms, surrogates and code points past U+10FFFF. */
static bool utf8_lead(struct console_filter *f, uint8_t b)
{
    f->utf8_lo = 0x80, f->utf8_hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf)
        f->utf8_need = 1;
    else if (b >= 0xe0 && b <= 0xef)
        f->utf8_need = 2;
    else if (b >= 0xf0 && b <= 0xf4)
        f->utf8_need = 3;
    else
        return false;
    if (b == 0xe0)
        f->utf8_lo = 0xa0;
    else if (b == 0xed)
        f->utf8_hi = 0x9f;
    else if (b == 0xf0)
        f->utf8_lo = 0x90;
    else if (b == 0xf4)
        f->utf8_hi = 0x8f;
    f->held[0] = b;
    f->held_len = 1;
    f->state = UTF8;
    return true;
}

static void start_csi(struct console_filter *f)
{
    f->state = CSI;
    f->held[0] = ESC, f->held[1] = '[';
    f->held_len = 2;
    f->sgr_candidate = f->keep_sgr;
}

/* A C1 control reached as U+0080-U+009F: acted on like its 7-bit form. */
static void c1(struct console_filter *f, uint8_t code)
{
    f->state = GROUND;
    if (code == 0x9b)
        start_csi(f);
    else if (code == 0x90 || code == 0x98 || code == 0x9d || code == 0x9e || code == 0x9f)
        f->state = STRING;
}

static size_t emit(uint8_t *out, const uint8_t *bytes, size_t n)
{
    memcpy(out, bytes, n);
    return n;
}

static size_t on_utf8(struct console_filter *f, uint8_t b, uint8_t *out, bool *again)
{
    if (b < f->utf8_lo || b > f->utf8_hi) {
        f->state = GROUND; /* invalid: drop the prefix, look at b afresh */
        *again = true;
        return 0;
    }
    f->held[f->held_len++] = b;
    f->utf8_lo = 0x80, f->utf8_hi = 0xbf;
    if (--f->utf8_need)
        return 0;
    f->state = GROUND;
    if (f->held[0] == 0xc2 && f->held[1] <= 0x9f) {
        c1(f, f->held[1]);
        return 0;
    }
    return emit(out, f->held, f->held_len);
}

static size_t on_ground(struct console_filter *f, uint8_t b, uint8_t *out)
{
    if ((b >= 0x20 && b < 0x7f) || allowed_control(b)) {
        *out = b;
        return 1;
    }
    if (b == ESC)
        f->state = ESC_SEEN;
    else if (b >= 0x80)
        utf8_lead(f, b); /* or dropped: not UTF-8, or a raw 8-bit C1 */
    return 0;
}

static void on_escape(struct console_filter *f, uint8_t b, bool *again)
{
    if (b == ESC)
        f->state = ESC_SEEN;
    else if (b == CAN || b == SUB)
        f->state = GROUND;
    else if (b < 0x20 || b == 0x7f)
        return; /* a control inside the sequence: dropped */
    else if (b >= 0x80)
        f->state = GROUND, *again = true;
    else if (f->state == ESC_SEEN && b == '[')
        start_csi(f);
    else if (f->state == ESC_SEEN && (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_'))
        f->state = STRING;
    else if (b < 0x30)
        f->state = ESC_INTER;
    else
        f->state = GROUND; /* the final byte */
}

static size_t on_csi(struct console_filter *f, uint8_t b, uint8_t *out, bool *again)
{
    if (b < 0x20 || b >= 0x7f) {
        on_escape(f, b, again); /* ESC, CAN, SUB, controls, non-ASCII as above */
        return 0;
    }
    bool sgr_param = (b >= '0' && b <= '9') || b == ';' || b == ':';
    if (b >= 0x40) { /* the final byte */
        f->state = GROUND;
        if (!f->sgr_candidate || b != 'm' || f->held_len == CONSOLE_FILTER_SEQ_MAX)
            return 0;
        f->held[f->held_len++] = b;
        f->sgr_used = true;
        return emit(out, f->held, f->held_len);
    }
    if (!sgr_param || f->held_len >= CONSOLE_FILTER_SEQ_MAX - 1)
        f->sgr_candidate = false;
    else
        f->held[f->held_len++] = b;
    return 0;
}

static void on_string(struct console_filter *f, uint8_t b, bool *again)
{
    uint8_t was = f->state;
    f->state = STRING;
    if (was == STRING_ESC && b != '\\') {
        f->state = ESC_SEEN; /* ESC that is not ST starts a new sequence */
        *again = true;
    } else if (was == STRING_ESC || b == BEL || b == CAN || b == SUB || b == 0x9c ||
               (was == STRING_C2 && b == 0x9c)) {
        f->state = GROUND;
    } else if (b == ESC) {
        f->state = STRING_ESC;
    } else if (b == 0xc2) {
        f->state = STRING_C2;
    }
}

static size_t step(struct console_filter *f, uint8_t b, uint8_t *out, bool *again)
{
    switch (f->state) {
    case GROUND:     return on_ground(f, b, out);
    case UTF8:       return on_utf8(f, b, out, again);
    case CSI:        return on_csi(f, b, out, again);
    case ESC_SEEN:
    case ESC_INTER:  on_escape(f, b, again); return 0;
    default:         on_string(f, b, again); return 0;
    }
}

size_t console_filter_run(struct console_filter *f, const uint8_t *in, size_t len, uint8_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        bool again = false;
        n += step(f, in[i], out + n, &again);
        if (again) /* the byte ended a sequence without being part of it */
            n += step(f, in[i], out + n, &again);
    }
    return n;
}

size_t console_filter_finish(struct console_filter *f, uint8_t *out)
{
    bool reset = f->sgr_used;
    console_filter_init(f, f->keep_sgr);
    return reset ? emit(out, (const uint8_t *)"\033[0m", 4) : 0;
}

void console_filter_pass(struct console_filter *f, const void *in, size_t len,
                         console_filter_emit emit, void *ctx)
{
    enum { PIECE = 4096 };
    uint8_t out[PIECE + CONSOLE_FILTER_SLACK];
    for (size_t done = 0; done < len;) {
        size_t take = len - done < PIECE ? len - done : PIECE;
        size_t n = console_filter_run(f, (const uint8_t *)in + done, take, out);
        if (n)
            emit(ctx, (const char *)out, n);
        done += take;
    }
}
