/*
 * printf-style formatting (see guest/include/mica/format.h). Everything is
 * built on one streaming formatter, mica_vformat, so snprintf and the
 * console share a single implementation of the conversion rules.
 */
#include "host_test_names.h" /* renames everything for host tests only */

/* Relative paths: host tests build without -Iguest/include. */
#include "../include/mica/format.h"
#include "../include/libc/ctype.h"
#include "../include/libc/string.h"
#include "float_digits.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

enum {
    F_LEFT = 1 << 0,  /* '-' */
    F_ZERO = 1 << 1,  /* '0' */
    F_PLUS = 1 << 2,  /* '+' */
    F_SPACE = 1 << 3, /* ' ' */
    F_ALT = 1 << 4,   /* '#' */
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J, LEN_LONG_DOUBLE };

/* One parsed conversion specification. */
struct spec {
    unsigned flags;
    int width;     /* >= 0 */
    int precision; /* -1 when absent */
    enum length length;
    char conv;
};

struct sink {
    mica_emit_fn *emit;
    void *ctx;
    size_t total; /* bytes emitted so far */
};

static void put(struct sink *out, const char *s, size_t n)
{
    if (n == 0)
        return;
    out->emit(out->ctx, s, n);
    out->total += n;
}

/* Repeats c n times, in chunks so a wide field costs few emit calls. */
static void put_repeated(struct sink *out, char c, size_t n)
{
    char chunk[32];

    memset(chunk, c, sizeof chunk);
    while (n > 0) {
        size_t k = n < sizeof chunk ? n : sizeof chunk;
        put(out, chunk, k);
        n -= k;
    }
}

/* ---- parsing the specification ----------------------------------------- */

/* A decimal field; saturates well below INT_MAX so it cannot overflow. */
static int parse_decimal(const char **f)
{
    int v = 0;

    for (; isdigit((unsigned char)**f); (*f)++) {
        if (v < INT_MAX / 10 - 10)
            v = v * 10 + (**f - '0');
    }
    return v;
}

static const char *parse_flags(const char *f, unsigned *flags)
{
    for (;; f++) {
        switch (*f) {
        case '-': *flags |= F_LEFT; break;
        case '0': *flags |= F_ZERO; break;
        case '+': *flags |= F_PLUS; break;
        case ' ': *flags |= F_SPACE; break;
        case '#': *flags |= F_ALT; break;
        default: return f;
        }
    }
}

/* A negative '*' width means '-' plus its magnitude (C11 7.21.6.1p5). */
static const char *parse_width(const char *f, struct spec *sp, va_list *ap)
{
    if (*f != '*') {
        sp->width = parse_decimal(&f);
        return f;
    }
    int w = va_arg(*ap, int);
    if (w < 0) {
        sp->flags |= F_LEFT;
        w = w == INT_MIN ? INT_MAX : -w;
    }
    sp->width = w;
    return f + 1;
}

/* A negative '*' precision counts as no precision; a bare '.' as zero. */
static const char *parse_precision(const char *f, struct spec *sp, va_list *ap)
{
    sp->precision = -1;
    if (*f != '.')
        return f;
    f++;
    if (*f != '*') {
        sp->precision = parse_decimal(&f);
        return f;
    }
    int p = va_arg(*ap, int);
    sp->precision = p < 0 ? -1 : p;
    return f + 1;
}

static const char *parse_length(const char *f, enum length *len)
{
    switch (*f) {
    case 'h':
        if (f[1] == 'h') {
            *len = LEN_HH;
            return f + 2;
        }
        *len = LEN_H;
        return f + 1;
    case 'l':
        if (f[1] == 'l') {
            *len = LEN_LL;
            return f + 2;
        }
        *len = LEN_L;
        return f + 1;
    case 'z': *len = LEN_Z; return f + 1;
    case 't': *len = LEN_T; return f + 1;
    case 'j': *len = LEN_J; return f + 1;
    case 'L': *len = LEN_LONG_DOUBLE; return f + 1;
    default: *len = LEN_NONE; return f;
    }
}

/* f points just past the '%'; returns a pointer to the conversion char. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    sp->flags = 0;
    f = parse_flags(f, &sp->flags);
    f = parse_width(f, sp, ap);
    f = parse_precision(f, sp, ap);
    f = parse_length(f, &sp->length);
    sp->conv = *f;
    return f;
}

/* ---- fetching arguments ------------------------------------------------- */

/* Narrow types arrive promoted to int and are cut back here, as printf
 * requires for hh and h. */
static intmax_t fetch_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_HH: return (signed char)va_arg(*ap, int);
    case LEN_H: return (short)va_arg(*ap, int);
    case LEN_L: return va_arg(*ap, long);
    case LEN_LL: return va_arg(*ap, long long);
    case LEN_Z: return va_arg(*ap, ptrdiff_t); /* signed twin of size_t */
    case LEN_T: return va_arg(*ap, ptrdiff_t);
    case LEN_J: return va_arg(*ap, intmax_t);
    default: return va_arg(*ap, int);
    }
}

static uintmax_t fetch_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_L: return va_arg(*ap, unsigned long);
    case LEN_LL: return va_arg(*ap, unsigned long long);
    case LEN_Z: return va_arg(*ap, size_t);
    case LEN_T: return va_arg(*ap, size_t); /* unsigned twin of ptrdiff_t */
    case LEN_J: return va_arg(*ap, uintmax_t);
    default: return va_arg(*ap, unsigned int);
    }
}

/* ---- conversions -------------------------------------------------------- */

/* Writes v's digits at the end of buf (big enough for 64-bit octal) and
 * returns where they start. Zero gives "0"; precision handles the rest. */
static char *to_digits(uintmax_t v, unsigned base, bool upper, char *end)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;

    do {
        *--p = set[v % base];
        v /= base;
    } while (v != 0);
    return p;
}

/* Lays out [spaces][prefix][zeros][digits][spaces] for a field. */
static void put_field(struct sink *out, const struct spec *sp, const char *prefix,
                      size_t zeros, const char *digits, size_t ndigits)
{
    size_t plen = strlen(prefix);
    size_t body = plen + zeros + ndigits;
    size_t width = (size_t)sp->width;
    size_t fill = width > body ? width - body : 0;

    /* '0' pads with zeros after the sign, unless '-' or a precision
     * overrides it (C11 7.21.6.1p6). */
    if ((sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->precision < 0) {
        zeros += fill;
        fill = 0;
    }
    if (!(sp->flags & F_LEFT))
        put_repeated(out, ' ', fill);
    put(out, prefix, plen);
    put_repeated(out, '0', zeros);
    put(out, digits, ndigits);
    if (sp->flags & F_LEFT)
        put_repeated(out, ' ', fill);
}

static unsigned base_of(char conv)
{
    switch (conv) {
    case 'o': return 8;
    case 'x': case 'X': case 'p': return 16;
    default: return 10;
    }
}

/* The sign or radix prefix that precedes the zero padding. */
static const char *prefix_of(const struct spec *sp, uintmax_t mag, bool negative)
{
    switch (sp->conv) {
    case 'd': case 'i':
        if (negative)
            return "-";
        if (sp->flags & F_PLUS)
            return "+";
        return sp->flags & F_SPACE ? " " : "";
    case 'x': return (sp->flags & F_ALT) && mag != 0 ? "0x" : "";
    case 'X': return (sp->flags & F_ALT) && mag != 0 ? "0X" : "";
    case 'p': return "0x";
    default: return "";
    }
}

static void format_integer(struct sink *out, const struct spec *sp, uintmax_t mag,
                           bool negative)
{
    char buf[3 * sizeof(uintmax_t)]; /* 22 octal digits for 64 bits fit */
    char *end = buf + sizeof buf;
    char *digits = to_digits(mag, base_of(sp->conv), sp->conv == 'X', end);
    size_t n = (size_t)(end - digits);
    size_t zeros = 0;

    /* An explicit zero precision prints nothing for the value 0. */
    if (sp->precision == 0 && mag == 0)
        n = 0;
    if (sp->precision > 0 && (size_t)sp->precision > n)
        zeros = (size_t)sp->precision - n;
    /* '#' with 'o' raises the precision just enough to show a leading 0. */
    if (sp->conv == 'o' && (sp->flags & F_ALT) && zeros == 0 && (n == 0 || *digits != '0'))
        zeros = 1;
    put_field(out, sp, prefix_of(sp, mag, negative), zeros, digits, n);
}

static void format_signed(struct sink *out, const struct spec *sp, va_list *ap)
{
    intmax_t v = fetch_signed(ap, sp->length);
    bool negative = v < 0;
    /* Negate in unsigned arithmetic so INTMAX_MIN does not overflow. */
    uintmax_t mag = negative ? 0 - (uintmax_t)v : (uintmax_t)v;

    format_integer(out, sp, mag, negative);
}

/* Text fields: only '-' and the width apply ('0' has no meaning here). */
static void put_text(struct sink *out, const struct spec *sp, const char *s, size_t n)
{
    struct spec text = { .flags = sp->flags & F_LEFT, .width = sp->width, .precision = -1 };

    put_field(out, &text, "", 0, s, n);
}

static void format_string(struct sink *out, const struct spec *sp, const char *s)
{
    if (s == NULL)
        s = "(null)";
    put_text(out, sp, s, sp->precision >= 0 ? strnlen(s, (size_t)sp->precision) : strlen(s));
}

/* ---- floating point: %f %e %g (and upper case) ------------------------- */

/* A double's exact digits (float_digits.h), rounded as a conversion asks. */
struct decimal {
    char d[FLOAT_DIGITS_MAX];
    size_t n;  /* d[0..n) significant; every later place is zero */
    int exp10; /* value = 0.d0 d1 ... x 10^exp10 */
};

/* Emits places [from, from+count) of the digits, zeros beyond them in bulk. */
static void put_places(struct sink *out, const struct decimal *x, long from, size_t count)
{
    while (count > 0 && from < 0) {
        put(out, "0", 1);
        from++, count--;
    }
    if (count > 0 && (size_t)from < x->n) {
        size_t k = x->n - (size_t)from < count ? x->n - (size_t)from : count;
        put(out, x->d + from, k);
        from += (long)k, count -= k;
    }
    put_repeated(out, '0', count);
}

/* Fixed notation with `frac` places after the point: "ddd.fff". */
static size_t fixed_length(const struct decimal *x, size_t frac, bool point)
{
    return (x->exp10 > 0 ? (size_t)x->exp10 : 1) + point + frac;
}

static void put_fixed(struct sink *out, const struct decimal *x, size_t frac, bool point)
{
    if (x->exp10 > 0)
        put_places(out, x, 0, (size_t)x->exp10);
    else
        put(out, "0", 1);
    if (point)
        put(out, ".", 1);
    put_places(out, x, x->exp10, frac);
}

/* Exponent notation: "d.fffe+XX", at least two exponent digits. */
static int exponent_of(const struct decimal *x) { return x->n ? x->exp10 - 1 : 0; }

static size_t exp_text(int e, bool upper, char *buf)
{
    unsigned mag = e < 0 ? (unsigned)-e : (unsigned)e;
    char digits[8];
    char *start = to_digits(mag, 10, false, digits + sizeof digits);
    size_t nd = (size_t)(digits + sizeof digits - start), len = 0;
    buf[len++] = upper ? 'E' : 'e';
    buf[len++] = e < 0 ? '-' : '+';
    if (nd < 2)
        buf[len++] = '0';
    memcpy(buf + len, start, nd);
    return len + nd;
}

static size_t exp_length(const struct decimal *x, size_t frac, bool point, bool upper)
{
    char e[12];
    return 1 + point + frac + exp_text(exponent_of(x), upper, e);
}

static void put_exp(struct sink *out, const struct decimal *x, size_t frac, bool point, bool upper)
{
    char e[12];
    put(out, x->n ? x->d : "0", 1);
    if (point)
        put(out, ".", 1);
    put_places(out, x, 1, frac);
    put(out, e, exp_text(exponent_of(x), upper, e));
}

/* How %g shows a value already rounded to p significant digits. */
struct g_choice {
    bool fixed;
    size_t frac;
};

static struct g_choice choose_g(const struct decimal *x, const struct spec *sp, int p)
{
    int e = exponent_of(x);
    bool fixed = e < p && e >= -4;
    size_t frac = (size_t)(fixed ? p - 1 - e : p - 1);
    if (!(sp->flags & F_ALT)) {
        /* Trailing zeros go: only the significant digits after the point. */
        long first_frac = fixed ? x->exp10 : 1;
        long sig = (long)x->n - first_frac;
        frac = sig <= 0 ? 0 : ((size_t)sig < frac ? (size_t)sig : frac);
    }
    return (struct g_choice){ fixed, frac };
}

static const char *float_sign(const struct spec *sp, bool negative)
{
    if (negative)
        return "-";
    if (sp->flags & F_PLUS)
        return "+";
    return sp->flags & F_SPACE ? " " : "";
}

/* Pads a number of body_len bytes: '0' pads after the sign (unlike the
 * integer conversions, a precision does not turn it off). */
static void pad_number(struct sink *out, const struct spec *sp, const char *sign, size_t body_len,
                       bool zero_ok, size_t *zeros_after_sign)
{
    size_t len = strlen(sign) + body_len, width = (size_t)sp->width;
    size_t fill = width > len ? width - len : 0;
    *zeros_after_sign = 0;
    if (sp->flags & F_LEFT)
        return;
    if ((sp->flags & F_ZERO) && zero_ok)
        *zeros_after_sign = fill;
    else
        put_repeated(out, ' ', fill);
}

/* With '-', the field's spaces come after the len bytes of the number. */
static void pad_right(struct sink *out, const struct spec *sp, size_t len)
{
    if ((sp->flags & F_LEFT) && (size_t)sp->width > len)
        put_repeated(out, ' ', (size_t)sp->width - len);
}

static void put_non_finite(struct sink *out, const struct spec *sp, double v)
{
    bool upper = isupper((unsigned char)sp->conv);
    const char *text = v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
    const char *sign = float_sign(sp, __builtin_signbit(v));
    size_t zeros;
    pad_number(out, sp, sign, 3, false, &zeros);
    put(out, sign, strlen(sign));
    put(out, text, 3);
    pad_right(out, sp, strlen(sign) + 3);
}

static void format_float(struct sink *out, const struct spec *sp, double v)
{
    if (v != v || v - v != 0) { /* NaN, or infinite */
        put_non_finite(out, sp, v);
        return;
    }
    struct decimal x;
    char conv = (char)tolower((unsigned char)sp->conv);
    bool upper = sp->conv != conv, alt = sp->flags & F_ALT;
    int p = sp->precision < 0 ? 6 : sp->precision;
    x.n = float_digits(v, x.d, &x.exp10);
    bool fixed = conv == 'f';
    size_t frac = (size_t)p;
    if (conv == 'f') {
        long keep = (long)x.exp10 + p; /* places up to p after the point */
        x.n = float_digits_round(x.d, x.n, &x.exp10, keep > INT_MAX ? INT_MAX : (int)keep);
    } else if (conv == 'e') {
        x.n = float_digits_round(x.d, x.n, &x.exp10, p == INT_MAX ? p : p + 1);
    } else { /* g */
        p = p == 0 ? 1 : p;
        x.n = float_digits_round(x.d, x.n, &x.exp10, p);
        struct g_choice g = choose_g(&x, sp, p);
        fixed = g.fixed;
        frac = g.frac;
    }
    bool point = frac > 0 || alt;
    const char *sign = float_sign(sp, __builtin_signbit(v));
    size_t body = fixed ? fixed_length(&x, frac, point) : exp_length(&x, frac, point, upper);
    size_t zeros;
    pad_number(out, sp, sign, body, true, &zeros);
    put(out, sign, strlen(sign));
    put_repeated(out, '0', zeros);
    if (fixed)
        put_fixed(out, &x, frac, point);
    else
        put_exp(out, &x, frac, point, upper);
    pad_right(out, sp, strlen(sign) + body);
}

static double fetch_double(va_list *ap, enum length len)
{
    /* long double arguments are converted: the kit formats doubles. */
    return len == LEN_LONG_DOUBLE ? (double)va_arg(*ap, long double) : va_arg(*ap, double);
}

/* Handles one conversion; returns false if it is not one we support. */
static bool convert(struct sink *out, const struct spec *sp, va_list *ap)
{
    switch (sp->conv) {
    case 'd': case 'i':
        format_signed(out, sp, ap);
        return true;
    case 'u': case 'x': case 'X': case 'o':
        format_integer(out, sp, fetch_unsigned(ap, sp->length), false);
        return true;
    case 'p': {
        struct spec ptr = *sp;
        ptr.flags &= ~(unsigned)F_ALT; /* the 0x prefix is unconditional */
        format_integer(out, &ptr, (uintptr_t)va_arg(*ap, void *), false);
        return true;
    }
    case 'c': {
        char c = (char)va_arg(*ap, int);
        put_text(out, sp, &c, 1);
        return true;
    }
    case 's':
        format_string(out, sp, va_arg(*ap, const char *));
        return true;
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
        format_float(out, sp, fetch_double(ap, sp->length));
        return true;
    case '%':
        put(out, "%", 1);
        return true;
    default:
        return false;
    }
}

int mica_vformat(mica_emit_fn *emit, void *ctx, const char *fmt, va_list ap)
{
    struct sink out = { emit, ctx, 0 };
    va_list args;
    const char *f = fmt;

    /* A private copy: helpers take it by pointer, which a va_list
     * parameter (an array type on x86-64) cannot portably provide. */
    va_copy(args, ap);
    while (*f) {
        const char *pct = strchr(f, '%');
        if (pct == NULL) {
            put(&out, f, strlen(f));
            break;
        }
        put(&out, f, (size_t)(pct - f));

        struct spec sp;
        const char *conv = parse_spec(pct + 1, &sp, &args);
        if (*conv == '\0' || !convert(&out, &sp, &args)) {
            /* Unknown or cut-off specification: show it as written. */
            size_t len = (size_t)(conv - pct) + (*conv != '\0');
            put(&out, pct, len);
            f = pct + len;
            continue;
        }
        f = conv + 1;
    }
    va_end(args);
    return out.total > INT_MAX ? -1 : (int)out.total;
}

/* ---- snprintf on top of the sink ---------------------------------------- */

struct buffer {
    char *buf;
    size_t size; /* capacity including the NUL */
    size_t used; /* bytes stored, always < size when size > 0 */
};

/* Keeps what fits, always leaving room for the terminator. */
static void buffer_emit(void *ctx, const char *s, size_t n)
{
    struct buffer *b = ctx;

    if (b->size == 0)
        return;
    size_t room = b->size - 1 - b->used;
    size_t k = n < room ? n : room;
    memcpy(b->buf + b->used, s, k);
    b->used += k;
}

int mica_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer b = { buf, size, 0 };
    int n = mica_vformat(buffer_emit, &b, fmt, ap);

    if (size > 0)
        buf[b.used] = '\0';
    return n;
}

int mica_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = mica_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
