/*
 * A <math.h> subset for guests. Exact operations are done exactly (fmod
 * with the x87's partial remainder, sqrt with SSE2's); the transcendental
 * functions use the x87's own instructions (fyl2x, f2xm1, fsin, fpatan,
 * ...) with 64-bit intermediates, which brings them within about one unit
 * in the last place of a double (sin, cos and tan for |x| < 1e9; see
 * reduce()). Special values follow C's Annex F; errno
 * is set to EDOM or ERANGE as math_errhandling == MATH_ERRNO promises.
 */
#include "host_test_names.h" /* renames everything for host tests only */

#include "../include/libc/errno.h"
#include "../include/libc/math.h"

#include <stdbool.h>
#include <stdint.h>

#define LN2_L 0.6931471805599453094172321214581765681L
#define LOG10_2_L 0.3010299956639811952137388947244930268L
#define LOG2E_L 1.4426950408889634073599246810018921374L
#define TWO_POW_52 4503599627370496.0

static double domain_error(void)
{
    errno = EDOM;
    return __builtin_nan("");
}

static double range_error(double v)
{
    errno = ERANGE;
    return v;
}

/* ---- exact ---------------------------------------------------------- */

double fabs(double x) { return __builtin_fabs(x); }

/* Below 2^52 a double may have a fraction; at or above it, none. */
double trunc(double x)
{
    if (!(fabs(x) < TWO_POW_52))
        return x; /* integral already, infinite or NaN */
    return __builtin_copysign((double)(int64_t)x, x);
}

double floor(double x)
{
    double t = trunc(x);
    return t > x ? t - 1 : t;
}

double ceil(double x)
{
    double t = trunc(x);
    return t < x ? __builtin_copysign(t + 1, x) : t;
}

/* Halfway cases away from zero, as C's round (not the x87's even). */
double round(double x)
{
    double t = trunc(x);
    if (fabs(x - t) >= 0.5)
        t += x > 0 ? 1 : -1;
    return __builtin_copysign(t, x);
}

/* fprem is exact; it works in steps of at most 63 bits of quotient, so
 * it is repeated until the x87 says the reduction is complete. */
double fmod(double x, double y)
{
    if (y == 0 || __builtin_isinf(x))
        return isnan(x) || isnan(y) ? x + y : domain_error();
    long double r = x;
    __asm__("1: fprem\n\t"
            "fnstsw %%ax\n\t"
            "testb $4, %%ah\n\t"
            "jnz 1b"
            : "+t"(r)
            : "u"((long double)y)
            : "ax", "cc");
    return (double)r;
}

double sqrt(double x)
{
    if (x < 0)
        return domain_error();
    double r;
    __asm__("sqrtsd %1, %0" : "=x"(r) : "x"(x));
    return r;
}

double hypot(double x, double y)
{
    if (__builtin_isinf(x) || __builtin_isinf(y))
        return __builtin_inf();
    long double lx = x, ly = y, r; /* no overflow in the x87's range */
    __asm__("fsqrt" : "=t"(r) : "0"(lx * lx + ly * ly));
    double v = (double)r;
    return __builtin_isinf(v) ? range_error(v) : v;
}

/* ---- exponentials and logarithms ------------------------------------- */

/* y x log2(x) for x > 0. */
static long double y_log2(long double x, long double y)
{
    long double r;
    __asm__("fyl2x" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
    return r;
}

/* 2^y for a finite y of modest size: integer part by fscale, the rest
 * (|f| <= 1/2) by f2xm1. */
static long double exp2_l(long double y)
{
    long double n, r;
    __asm__("frndint" : "=t"(n) : "0"(y));
    __asm__("f2xm1" : "=t"(r) : "0"(y - n));
    r += 1;
    __asm__("fscale" : "=t"(r) : "0"(r), "u"(n));
    return r;
}

/* 2^y as a double, with overflow and underflow reported. */
static double exp2_checked(long double y)
{
    if (y != y)
        return (double)y;
    if (y > 1100)
        return range_error(__builtin_inf());
    if (y < -1100)
        return range_error(0);
    double v = (double)exp2_l(y);
    if (__builtin_isinf(v) || v == 0)
        return range_error(v);
    return v;
}

double exp2(double x) { return __builtin_isinf(x) ? (x > 0 ? x : 0) : exp2_checked(x); }
double exp(double x) { return __builtin_isinf(x) ? (x > 0 ? x : 0) : exp2_checked(x * LOG2E_L); }

/* log_b(x) = scale x log2(x): EDOM below zero, a pole at zero. */
static double log_scaled(double x, long double scale)
{
    if (isnan(x))
        return x;
    if (x < 0)
        return domain_error();
    if (x == 0)
        return range_error(-__builtin_inf());
    if (__builtin_isinf(x))
        return x;
    return (double)y_log2(x, scale);
}

double log(double x) { return log_scaled(x, LN2_L); }
double log2(double x) { return log_scaled(x, 1); }
double log10(double x) { return log_scaled(x, LOG10_2_L); }

static bool is_integer(double y) { return trunc(y) == y; }
/* From 2^53 up every double is an even integer. */
static bool is_odd_integer(double y)
{
    return fabs(y) < 2 * TWO_POW_52 && is_integer(y) && (int64_t)y % 2 != 0;
}

/* x^n by squaring, for small integral n: exact whenever the result is. */
static long double power_by_squaring(long double x, int64_t n)
{
    long double r = 1;
    bool invert = n < 0;
    for (uint64_t k = invert ? (uint64_t)-n : (uint64_t)n; k; k >>= 1, x *= x) {
        if (k & 1)
            r *= x;
    }
    return invert ? 1 / r : r;
}

/* pow's special cases (C11 F.10.4.4) for a zero or infinite operand. */
static double pow_special(double x, double y)
{
    bool odd = is_odd_integer(y);
    if (x == 0) {
        if (y < 0)
            return range_error(odd ? __builtin_copysign(__builtin_inf(), x) : __builtin_inf());
        return odd ? x : 0;
    }
    if (__builtin_isinf(y)) {
        if (fabs(x) == 1)
            return 1;
        return (fabs(x) > 1) == (y > 0) ? __builtin_inf() : 0;
    }
    /* x is infinite */
    double mag = y < 0 ? 0 : __builtin_inf();
    return x < 0 && odd ? -mag : mag;
}

double pow(double x, double y)
{
    if (x == 1 || y == 0)
        return 1;
    if (isnan(x) || isnan(y))
        return x + y;
    if (x == 0 || __builtin_isinf(x) || __builtin_isinf(y))
        return pow_special(x, y);
    if (x < 0 && !is_integer(y))
        return domain_error();
    double mag;
    if (is_integer(y) && fabs(y) <= 64) {
        mag = (double)power_by_squaring(fabs(x), (int64_t)y);
        if (__builtin_isinf(mag) || mag == 0)
            errno = ERANGE;
    } else {
        mag = exp2_checked(y_log2(fabs(x), y));
    }
    return x < 0 && is_odd_integer(y) ? -mag : mag;
}

/* ---- trigonometry ----------------------------------------------------- */

/*
 * Argument reduction: x = k pi/2 + r with |r| <= pi/4 (about), so that the
 * x87's fsin/fcos/fptan only see small arguments, where they are accurate
 * (their own reduction uses a 66-bit pi). pi/2 in three pieces, the first
 * two of 32 bits so that k times them is exact for |k| < 2^32 (Cody and
 * Waite): good for |x| below REDUCE_MAX. Beyond it the x87's fprem1 does
 * the reduction, and the result has few correct digits.
 */
#define PIO2_1 0x1.921fb54400000000p+0L
#define PIO2_2 0x1.0b4611a600000000p-34L
#define PIO2_3 0x1.3198a2e03707344ap-69L
#define TWO_OVER_PI 0x1.45f306dc9c882a52p-1L
#define REDUCE_MAX 1e9

struct reduced {
    long double r;
    unsigned quadrant; /* k mod 4 */
};

static long double round_to_integer(long double v)
{
    long double n;
    __asm__("frndint" : "=t"(n) : "0"(v));
    return n;
}

static struct reduced reduce(double x)
{
    if (fabs(x) <= 0.785398163397448) /* pi/4: nothing to do */
        return (struct reduced){ x, 0 };
    if (fabs(x) < REDUCE_MAX) {
        long double k = round_to_integer(x * TWO_OVER_PI);
        long double r = (((long double)x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3;
        return (struct reduced){ r, (unsigned)((int64_t)k & 3) };
    }
    long double r = x;
    __asm__("1: fprem1\n\t"
            "fnstsw %%ax\n\t"
            "testb $4, %%ah\n\t"
            "jnz 1b"
            : "+t"(r)
            : "u"(PIO2_1 * 4)
            : "ax", "cc");
    return (struct reduced){ r, 0 };
}

static long double x87_sin(long double r)
{
    long double v;
    __asm__("fsin" : "=t"(v) : "0"(r));
    return v;
}

static long double x87_cos(long double r)
{
    long double v;
    __asm__("fcos" : "=t"(v) : "0"(r));
    return v;
}

static long double x87_tan(long double r)
{
    long double v, one;
    __asm__("fptan" : "=t"(one), "=u"(v) : "0"(r));
    (void)one; /* fptan pushes 1.0 after the result */
    return v;
}

double sin(double x)
{
    if (__builtin_isinf(x))
        return domain_error();
    struct reduced a = reduce(x);
    switch (a.quadrant) {
    case 0: return (double)x87_sin(a.r);
    case 1: return (double)x87_cos(a.r);
    case 2: return (double)-x87_sin(a.r);
    default: return (double)-x87_cos(a.r);
    }
}

double cos(double x)
{
    if (__builtin_isinf(x))
        return domain_error();
    struct reduced a = reduce(x);
    switch (a.quadrant) {
    case 0: return (double)x87_cos(a.r);
    case 1: return (double)-x87_sin(a.r);
    case 2: return (double)-x87_cos(a.r);
    default: return (double)x87_sin(a.r);
    }
}

double tan(double x)
{
    if (__builtin_isinf(x))
        return domain_error();
    struct reduced a = reduce(x);
    long double t = x87_tan(a.r);
    return (double)(a.quadrant & 1 ? -1 / t : t);
}

/* atan(y/x) in the right quadrant; the x87 handles zeros and infinities
 * as C's atan2 does. */
static long double arctan2(long double y, long double x)
{
    long double r;
    __asm__("fpatan" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
    return r;
}

double atan2(double y, double x) { return (double)arctan2(y, x); }
double atan(double x) { return (double)arctan2(x, 1); }

/* sqrt(1 - x^2) as (1 - x)(1 + x), which keeps its digits near |x| = 1. */
static long double cosine_of_arcsine(double x)
{
    long double lx = x, r;
    __asm__("fsqrt" : "=t"(r) : "0"((1 - lx) * (1 + lx)));
    return r;
}

double asin(double x)
{
    if (fabs(x) > 1)
        return domain_error();
    return (double)arctan2(x, cosine_of_arcsine(x));
}

double acos(double x)
{
    if (fabs(x) > 1)
        return domain_error();
    return (double)arctan2(cosine_of_arcsine(x), x);
}
