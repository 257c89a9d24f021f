/*
 * strtod: decimal text to the nearest double, exactly (bignum.h). The
 * digits D and exponent E give A/B = D x 10^E; the quotient is computed to
 * 64-65 significant bits with a sticky bit for the remainder, which is all
 * that rounding half to even needs. Beyond 800 significant digits the rest
 * only matters as "non-zero" (the sticky bit): a double's halfway points
 * have at most 767 significant digits.
 */
#include "host_test_names.h" /* renames everything for host tests only */

#include "../include/libc/ctype.h"
#include "../include/libc/errno.h"
#include "../include/libc/stdlib.h"
#include "../include/libc/string.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "bignum.h"

#define SIG_DIGITS_MAX 800
/* Decimal magnitudes beyond these are infinity or zero whatever the digits
 * (DBL_MAX < 10^309, half the smallest subnormal > 10^-325). */
#define DECIMAL_EXP_MAX 310
#define DECIMAL_EXP_MIN (-326)

struct decimal_text {
    char digits[SIG_DIGITS_MAX]; /* significant digits, no leading zeros */
    unsigned n;
    bool sticky;  /* non-zero digits after the ones kept */
    long exp10;   /* value = 0.digits x 10^exp10 */
    bool negative;
    const char *end;
};

static bool starts_with_word(const char *s, const char *word)
{
    return strncasecmp(s, word, strlen(word)) == 0;
}

/* Reads "ddd.ddd" and an optional exponent; false when there is no digit. */
static bool read_decimal(const char *p, struct decimal_text *t)
{
    long point = 0; /* digits before the point, leading zeros excluded */
    bool any = false, seen_point = false;
    for (;; p++) {
        if (*p == '.' && !seen_point) {
            seen_point = true;
            continue;
        }
        if (!isdigit((unsigned char)*p))
            break;
        any = true;
        if (*p == '0' && t->n == 0) { /* a leading zero moves the point only */
            point -= seen_point;
            continue;
        }
        if (t->n < SIG_DIGITS_MAX)
            t->digits[t->n++] = *p;
        else
            t->sticky |= *p != '0';
        if (!seen_point && point < LONG_MAX / 2)
            point++;
    }
    if (!any)
        return false;
    t->end = p;
    if ((*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        bool neg = *q == '-';
        q += *q == '+' || *q == '-';
        if (isdigit((unsigned char)*q)) {
            long e = 0;
            for (; isdigit((unsigned char)*q); q++)
                e = e < 100000000 ? e * 10 + (*q - '0') : e; /* saturates */
            point += neg ? -e : e;
            t->end = q;
        }
    }
    while (t->n > 0 && t->digits[t->n - 1] == '0')
        t->n--;
    t->exp10 = point;
    return true;
}

/* The top bits of A/B as q (64 or 65 bits) with A and B scaled so that
 * value = q x 2^-shift (plus a sticky remainder). */
struct quotient {
    unsigned __int128 q;
    bool sticky;
    long shift;
};

static struct quotient divide(struct big *a, struct big *b)
{
    struct quotient r = { 0, false, 64 - (long)big_bits(a) + (long)big_bits(b) };
    if (r.shift > 0)
        big_shl(a, (unsigned)r.shift);
    else
        big_shl(b, (unsigned)-r.shift);
    /* A / B < 2^65 now: long division, one quotient bit at a time. */
    big_shl(b, 65);
    for (int bit = 65; bit >= 0; bit--) {
        if (big_cmp(a, b) >= 0) {
            big_sub(a, b);
            r.q |= (unsigned __int128)1 << bit;
        }
        big_shr1(b);
    }
    r.sticky = a->n != 0;
    return r;
}

/* q x 2^-shift (+ sticky) to the nearest double, subnormals included. */
static double to_double(struct quotient r)
{
    int bits = 128 - (r.q >> 64 ? __builtin_clzll((uint64_t)(r.q >> 64))
                                : 64 + __builtin_clzll((uint64_t)r.q));
    long e2 = bits - 1 - r.shift; /* value in [2^e2, 2^(e2+1)) */
    int keep = 53;
    if (e2 < -1022)
        keep = 53 - (int)(-1022 - e2 > 60 ? 60 : -1022 - e2);
    int cut = bits - keep; /* at least 11: q has 64 bits or more */
    unsigned __int128 mant = r.q >> cut, rest = r.q & (((unsigned __int128)1 << cut) - 1);
    unsigned __int128 half = (unsigned __int128)1 << (cut - 1);
    if (rest > half || (rest == half && (r.sticky || (mant & 1))))
        mant++;
    /* mant x 2^(cut - shift); the carry may add a bit, which ldexp absorbs. */
    double v = (double)(uint64_t)mant;
    long e = cut - r.shift;
    for (; e > 0; e--) /* exact scaling by powers of two */
        v *= 2;
    for (; e < 0; e++)
        v *= 0.5;
    return v;
}

static double decimal_value(const struct decimal_text *t)
{
    if (t->n == 0)
        return 0;
    if (t->exp10 > DECIMAL_EXP_MAX) {
        errno = ERANGE;
        return __builtin_inf();
    }
    if (t->exp10 < DECIMAL_EXP_MIN) {
        errno = ERANGE;
        return 0;
    }
    static struct big a, b; /* 1 KiB each: off the stack (one thread) */
    long e = t->exp10 - (long)t->n; /* value = D x 10^e */
    big_set_u64(&a, 0);
    for (unsigned i = 0; i < t->n; i++)
        big_mul_add(&a, 10, (uint32_t)(t->digits[i] - '0'));
    big_set_u64(&b, 1);
    if (e >= 0)
        big_mul_pow10(&a, (unsigned)e);
    else
        big_mul_pow10(&b, (unsigned)-e);
    struct quotient q = divide(&a, &b);
    q.sticky |= t->sticky;
    double v = to_double(q);
    if (v == __builtin_inf() || v == 0)
        errno = ERANGE;
    return v;
}

/* "inf", "infinity", "nan", "nan(chars)" in any case. */
static bool read_special(const char *p, double *v, const char **end)
{
    if (starts_with_word(p, "inf")) {
        *v = __builtin_inf();
        *end = p + (starts_with_word(p, "infinity") ? 8 : 3);
        return true;
    }
    if (!starts_with_word(p, "nan"))
        return false;
    *v = __builtin_nan("");
    *end = p + 3;
    if (**end == '(') {
        const char *q = *end + 1;
        while (isalnum((unsigned char)*q) || *q == '_')
            q++;
        if (*q == ')')
            *end = q + 1;
    }
    return true;
}

double strtod(const char *restrict s, char **restrict endptr)
{
    static struct decimal_text t;
    const char *p = s;
    double v = 0;
    memset(&t, 0, sizeof t);
    t.end = s;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        t.negative = *p++ == '-';
    bool converted = read_special(p, &v, &t.end);
    if (!converted && read_decimal(p, &t)) {
        converted = true;
        v = decimal_value(&t);
    }
    if (endptr)
        *endptr = (char *)t.end;
    return converted && t.negative ? -v : v;
}

float strtof(const char *restrict s, char **restrict endptr)
{
    /* Through double: rare double rounding in the last bit of a float. */
    return (float)strtod(s, endptr);
}

double atof(const char *s) { return strtod(s, NULL); }
