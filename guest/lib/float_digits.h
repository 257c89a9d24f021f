/*
 * The exact decimal expansion of a double, and rounding it: what printf's
 * %f, %e and %g are built on (format.c). Every finite double is a finite
 * decimal fraction, so the digits here are exact and rounding can tell a
 * true tie (round half to even, as glibc does) from a near one.
 */
#ifndef MICA_GUEST_FLOAT_DIGITS_H
#define MICA_GUEST_FLOAT_DIGITS_H

#include <stddef.h>

/* The longest expansion: 2^-1074 times a 53-bit mantissa has 767
 * significant digits. */
#define FLOAT_DIGITS_MAX 800

/*
 * |v| (finite) as ASCII digits d[0..n) with |v| = 0.d0 d1 d2 ... x 10^exp10:
 * no leading zero, trailing zeros dropped; n = 0 (exp10 = 0) for zero.
 * d has room for FLOAT_DIGITS_MAX.
 */
size_t float_digits(double v, char *d, int *exp10);

/*
 * Rounds d[0..n) (as above) to its first `keep` digits, half to even:
 * keep <= 0 rounds at or above the first digit's place (to zero, or to a
 * single "1" one place up). Returns the new n (trailing zeros dropped);
 * *exp10 grows by one when a carry adds a digit.
 */
size_t float_digits_round(char *d, size_t n, int *exp10, int keep);

#endif
