/*
 * Host unit tests for the guest kit's floating point: printf's %f %e %g
 * (format.c on float_digits.c and bignum.c), strtod (strtod.c) and the
 * math subset (math.c). As in test_guest_libc.c the kit's sources are
 * #included with MICA_HOST_TEST (their names become kit_*) and the host's
 * glibc is the reference: exact agreement for printf and strtod, a few
 * units in the last place for the transcendental functions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Host references, taken before the renaming macros come into force. */
static double (*const host_strtod)(const char *, char **) = strtod;
static double (*const host_math1[])(double) = { sqrt, exp, exp2, log, log2, log10, sin, cos,
                                                tan, atan, asin, acos, floor, ceil, trunc,
                                                round, fabs };
static double (*const host_math2[])(double, double) = { pow, atan2, fmod, hypot };
static const char *const math1_names[] = { "sqrt", "exp", "exp2", "log", "log2", "log10",
                                           "sin", "cos", "tan", "atan", "asin", "acos",
                                           "floor", "ceil", "trunc", "round", "fabs" };
static const char *const math2_names[] = { "pow", "atan2", "fmod", "hypot" };
static int host_errno(void) { return errno; }
static void host_errno_clear(void) { errno = 0; }

#define MICA_HOST_TEST
#include "../../guest/lib/errno.c"
#include "../../guest/lib/string.c"
#include "../../guest/lib/malloc.c"
#include "../../guest/lib/bignum.c"
#include "../../guest/lib/float_digits.c"
#include "../../guest/lib/format.c"
#include "../../guest/lib/strtod.c"
#include "../../guest/lib/math.c"

static double (*const kit_math1[])(double) = { kit_sqrt, kit_exp, kit_exp2, kit_log, kit_log2,
                                               kit_log10, kit_sin, kit_cos, kit_tan, kit_atan,
                                               kit_asin, kit_acos, kit_floor, kit_ceil,
                                               kit_trunc, kit_round, kit_fabs };
static double (*const kit_math2[])(double, double) = { kit_pow, kit_atan2, kit_fmod, kit_hypot };
/* The exact ones must agree to the bit; the others within a few ulps. */
static const bool math1_exact[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1 };
static const bool math2_exact[] = { 0, 0, 1, 0 };

void mica_heap_corrupt(const char *why) { fail_msg("heap corrupt: %s", why); }

/* A reproducible stream of doubles with every exponent and sign. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double random_double(void)
{
    for (;;) {
        union { uint64_t u; double d; } x = { rng() };
        if (x.d == x.d)
            return x.d;
    }
}

/* ---- printf ---------------------------------------------------------- */

#define BUF 2048

static int compared;

static void check_float(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void check_float(const char *fmt, ...)
{
    static const size_t sizes[] = { 0, 1, 7, BUF };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char want[BUF], got[BUF];
        va_list a1, a2;
        memset(want, 0x5a, sizeof want);
        memset(got, 0x5a, sizeof got);
        va_start(a1, fmt);
        int wn = vsnprintf(want, sizes[i], fmt, a1);
        va_end(a1);
        va_start(a2, fmt);
        int gn = mica_vsnprintf(got, sizes[i], fmt, a2);
        va_end(a2);
        if (wn != gn || memcmp(want, got, sizeof want) != 0)
            fail_msg("\"%s\" size %zu: host %d \"%s\", kit %d \"%s\"", fmt, sizes[i], wn,
                     sizes[i] ? want : "", gn, sizes[i] ? got : "");
    }
    compared++;
}

static const double special[] = {
    0.0, -0.0, 1, -1, 0.5, 1.5, 2.5, -2.5, 0.125, 0.05, 0.15, 0.25, 0.35, 1e-5, 123456789,
    1e100, 1e300, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 0.1, 0.3, 9.5,
    99.5, 999999.5, 9999995, 0.000123456, 1e15, 1e16, 1e17, 1e21, 1e22, 1e23, 3.14159265358979,
    0.95, 0.045, 9.9999999, 1e-4, 9.99999e-5, 0.00001, 123.456, 4503599627370497.5,
};

static const char *const float_formats[] = {
    "%f", "%.0f", "%.1f", "%.3f", "%.17f", "%e", "%.0e", "%.3e", "%.17e", "%g", "%.0g", "%.1g",
    "%.3g", "%.17g", "%#.3g", "%#.0f", "%#.0e", "%+f", "% e", "%012.3f", "%-12.3e|", "%12g",
    "%E", "%G", "%F", "%.30f", "%.40e", "%010g", "%-010f|", "%+.2e", "% 08.2f", "%#g",
};

static void test_printf_float_vs_host(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof float_formats / sizeof *float_formats; f++) {
        for (size_t i = 0; i < sizeof special / sizeof *special; i++) {
            /* glibc drops %#g's trailing zeros when rounding carries into
             * a new exponent (999999.5 -> "1.e+06"); ISO C keeps them. */
            if (strcmp(float_formats[f], "%#g") == 0 && special[i] == 999999.5)
                continue;
            check_float(float_formats[f], special[i]);
            check_float(float_formats[f], -special[i]);
        }
    }
    /* Non-finite values, with flags that do (not) apply to them. */
    const double inf = __builtin_inf(), nan = __builtin_nan("");
    check_float("%f %F %e %E %g %G", inf, inf, -inf, -inf, inf, -inf);
    check_float("[%10f] [%-10e] [%010g] [%+f] [% F]", inf, -inf, inf, inf, inf);
    check_float("%f %F %e %g [%08.3f] [%-6f]", nan, nan, nan, nan, nan, nan);
    check_float("%f", -nan);
    /* Exact digits far out, and precision far beyond the exact ones. */
    check_float("%.760e", 5e-324);
    check_float("%.1100f", 5e-324);
    check_float("%.320f", 1.7976931348623157e308);
    check_float("%.0f", 1.7976931348623157e308);
    check_float("%*.*f|%-*.*e|", 30, 4, 3.25, 20, 2, -1.5);
    check_float("%.*g", -1, 0.1); /* a negative precision counts as none */
    check_float("mixed %d %.2f %s %g %c", 3, 2.675, "x", 1e-10, 'y');
    check_float("%Lf %Le", 1.5L, -2.25L);
    print_message("      %d special formats agree with the host\n", compared);
}

static void test_printf_float_generated(void **state)
{
    (void)state;
    compared = 0;
    for (int i = 0; i < 60000; i++) {
        double v = random_double();
        const char *f = float_formats[(size_t)i % (sizeof float_formats / sizeof *float_formats)];
        if (strcmp(f, "%#g") == 0)
            f = "%#.9g";
        check_float(f, v);
        check_float("%.*g", (int)(rng() % 20), v);
        /* Values near the decimal rounding boundaries: short decimals. */
        double near = (double)(int64_t)(rng() % 2000000 - 1000000) / 1000.0;
        check_float("%.2f %.1e %.3g", near, near, near);
    }
    print_message("      %d generated formats agree with the host\n", compared);
}

/* A huge precision or width costs output, never memory or a crash. */
static void test_printf_float_hostile(void **state)
{
    (void)state;
    char small[16];
    int n = mica_snprintf(small, sizeof small, "%.100000f", 1.0);
    assert_int_equal(n, 100002);
    assert_string_equal(small, "1.0000000000000");
    n = mica_snprintf(small, sizeof small, "%100000.3e", -1.0);
    assert_int_equal(n, 100000);
}

/* ---- strtod ----------------------------------------------------------- */

static void check_strtod(const char *s)
{
    char *want_end, *got_end;
    host_errno_clear();
    double want = host_strtod(s, &want_end);
    bool want_range = host_errno() == ERANGE;
    mica_errno = 0;
    double got = kit_strtod(s, &got_end);
    bool same = memcmp(&want, &got, sizeof want) == 0 || (want != want && got != got);
    if (!same || want_end != got_end)
        fail_msg("strtod(\"%.80s\"): host %a+%td, kit %a+%td", s, want, want_end - s, got,
                 got_end - s);
    /* Overflow to infinity and underflow to zero say ERANGE as glibc does. */
    if (got == 0 || __builtin_isinf(got))
        assert_int_equal(mica_errno == ERANGE, want_range);
}

static void test_strtod_vs_host(void **state)
{
    (void)state;
    static const char *const fixed[] = {
        "0", "-0", "1", "1.5", " \t+3.25e2x", "1e", "1e+", "1e-5", ".5", "1.", ".", "-.e1",
        "-", "+", "", "   ", "e5", "inf", "-Infinity", "INFINITY", "infinit", "nan", "NaN(abc)",
        "nan(", "nan(a-b)", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "4.9406564584124654e-324", "1.7976931348623157e308", "1.7976931348623158e308",
        "1.7976931348623159e308", "1e309", "1e-400", "0.000000000000000000000000000000001",
        "123456789012345678901234567890", "9007199254740993", "9007199254740992.5",
        "1e99999999999999", "1e-99999999999999", "00000123.4500000e0001",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "8.98846567431158e307", "1e23",
        "4.35e-319", "0e999999", "000", "0.0e-5", "1.e5", "12e", "3.e+x",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        check_strtod(fixed[i]);
}

static void test_strtod_generated(void **state)
{
    (void)state;
    char buf[1200];
    static const char *const formats[] = { "%.17g", "%.16g", "%.15g", "%.20e", "%.5g",
                                           "%.40g", "%.1e", "%.760e" };
    for (int i = 0; i < 20000; i++) {
        snprintf(buf, sizeof buf, formats[i % 8], random_double());
        check_strtod(buf);
        /* Random digit strings: long mantissas, far exponents. */
        int p = 0, digits = 1 + (int)(rng() % 40);
        for (int k = 0; k < digits; k++)
            buf[p++] = (char)('0' + rng() % 10);
        if (rng() % 2)
            buf[p++] = '.';
        for (int k = (int)(rng() % 30); k > 0; k--)
            buf[p++] = (char)('0' + rng() % 10);
        snprintf(buf + p, sizeof buf - (size_t)p, "e%d", (int)(rng() % 700) - 350);
        check_strtod(buf);
    }
    /* Exact halfway points between neighbouring doubles: ties to even. */
    for (int i = 0; i < 300; i++) {
        union { uint64_t u; double d; } lo = { rng() & 0x7fefffffffffffffull }, hi = lo;
        hi.u++;
        snprintf(buf, sizeof buf, "%.780Le", ((long double)lo.d + hi.d) / 2);
        check_strtod(buf);
    }
}

/* Thousands of digits and a huge exponent: bounded work, right answer. */
static void test_strtod_hostile(void **state)
{
    (void)state;
    enum { LEN = 100000 };
    static char s[LEN + 32];
    memset(s, '9', LEN);
    strcpy(s + LEN, "e-99990");
    check_strtod(s);
    memset(s, '0', LEN);
    s[0] = '.';
    strcpy(s + LEN, "1e99999");
    check_strtod(s);
    s[0] = '1';
    memset(s + 1, '0', LEN - 1);
    strcpy(s + LEN, "1e-100000"); /* 1000...01 x 10^-100000: the sticky digit */
    check_strtod(s);
    assert_float_equal(kit_atof("2.5"), 2.5, 0);
    assert_float_equal(kit_strtof("0.1", NULL), 0.1f, 0);
}

/* ---- math ------------------------------------------------------------- */

static double ulps_apart(double a, double b)
{
    if (a == b || (a != a && b != b))
        return 0;
    if (a != a || b != b || __builtin_isinf(a) || __builtin_isinf(b))
        return INFINITY;
    double ulp = nextafter(fabs(b), INFINITY) - fabs(b);
    return fabs(a - b) / ulp;
}

static void check_math1(size_t f, double x)
{
    double want = host_math1[f](x), got = kit_math1[f](x);
    /* sin, cos and tan: accurate below 1e9 only (math.h says so); near
     * their zeros the relative error may grow, the absolute one stays tiny. */
    bool trig = f >= 6 && f <= 8;
    if (trig && fabs(x) >= 1e9)
        return;
    double abs_err = fabs(got - want);
    bool ok = math1_exact[f] ? ulps_apart(got, want) == 0
                             : ulps_apart(got, want) <= 4 || (trig && abs_err < 1e-18 * (1 + fabs(x)));
    if (!ok)
        fail_msg("%s(%a): host %a, kit %a (%.1f ulps)", math1_names[f], x, want, got,
                 ulps_apart(got, want));
}

static void check_math2(size_t f, double x, double y)
{
    double want = host_math2[f](x, y), got = kit_math2[f](x, y);
    double limit = math2_exact[f] ? 0 : 4;
    if (ulps_apart(got, want) > limit)
        fail_msg("%s(%a, %a): host %a, kit %a", math2_names[f], x, y, want, got);
}

static void test_math_vs_host(void **state)
{
    (void)state;
    static const double xs[] = { 0.0, -0.0, 1, -1, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994,
                                 2, 3, 10, 100, 1e-300, 1e300, 4503599627370495.5, 4503599627370497.0,
                                 -4503599627370495.5, 0.1, 0.7, 0.9999999, -0.9999999, 700, -700,
                                 709.5, -745, 1e-10, 3.14159, 1.5707963267948966, 1e5 };
    const double inf = __builtin_inf(), nan = __builtin_nan("");
    for (size_t f = 0; f < sizeof kit_math1 / sizeof *kit_math1; f++) {
        for (size_t i = 0; i < sizeof xs / sizeof *xs; i++)
            check_math1(f, xs[i]);
        check_math1(f, nan);
        if (f < 6 || f >= 9) /* sin, cos and tan of infinity: NaN, checked below */
            check_math1(f, inf), check_math1(f, -inf);
        for (int k = 0; k < 3000; k++) { /* moderate arguments, both signs */
            double x = ((double)(rng() % 2000000) - 1000000) / 1000.0 / (f == 10 || f == 11 ? 1000 : 1);
            check_math1(f, x);
        }
    }
    for (size_t f = 0; f < sizeof kit_math2 / sizeof *kit_math2; f++) {
        for (size_t i = 0; i < sizeof xs / sizeof *xs; i++)
            for (size_t j = 0; j < sizeof xs / sizeof *xs; j++)
                check_math2(f, xs[i], xs[j]);
        static const double odd[] = { 0.0, -0.0, 3, -3, 2, -2, 0.5, inf, -inf, nan };
        for (size_t i = 0; i < sizeof odd / sizeof *odd; i++)
            for (size_t j = 0; j < sizeof odd / sizeof *odd; j++)
                if (!(f == 2 && __builtin_isinf(odd[i]))) /* fmod(inf, y): both NaN, signs differ */
                    check_math2(f, odd[i], odd[j]);
    }
    for (int k = 0; k < 5000; k++) { /* fmod must be exact for any pair */
        double x = random_double(), y = random_double();
        if (!__builtin_isinf(x) && y != 0)
            check_math2(2, x, y);
    }
    assert_true(isnan(kit_sin(inf)) && isnan(kit_cos(-inf)) && isnan(kit_tan(inf)));
}

static void test_math_errno(void **state)
{
    (void)state;
    mica_errno = 0;
    assert_true(isnan(kit_sqrt(-1)));
    assert_int_equal(mica_errno, EDOM);
    mica_errno = 0;
    assert_true(isinf(kit_log(0)) && kit_log(0) < 0);
    assert_int_equal(mica_errno, ERANGE);
    mica_errno = 0;
    assert_true(isinf(kit_exp(1000)));
    assert_int_equal(mica_errno, ERANGE);
    mica_errno = 0;
    assert_true(kit_exp(-1000) == 0);
    assert_int_equal(mica_errno, ERANGE);
    mica_errno = 0;
    assert_true(isnan(kit_pow(-8, 1.0 / 3)));
    assert_int_equal(mica_errno, EDOM);
    mica_errno = 0;
    assert_true(isinf(kit_pow(0, -1)));
    assert_int_equal(mica_errno, ERANGE);
    mica_errno = 0;
    assert_true(isnan(kit_acos(2)) && isnan(kit_asin(-1.5)));
    assert_int_equal(mica_errno, EDOM);
    mica_errno = 0;
    assert_true(isnan(kit_fmod(1, 0)));
    assert_int_equal(mica_errno, EDOM);
    mica_errno = 0;
    assert_float_equal(kit_pow(10, 2), 100, 0); /* exact where the result is */
    assert_float_equal(kit_pow(2, -3), 0.125, 0);
    assert_float_equal(kit_pow(-2, 3), -8, 0);
    assert_int_equal(mica_errno, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printf_float_vs_host),
        cmocka_unit_test(test_printf_float_generated),
        cmocka_unit_test(test_printf_float_hostile),
        cmocka_unit_test(test_strtod_vs_host),
        cmocka_unit_test(test_strtod_generated),
        cmocka_unit_test(test_strtod_hostile),
        cmocka_unit_test(test_math_vs_host),
        cmocka_unit_test(test_math_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
