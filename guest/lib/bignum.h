/*
 * Unsigned integers of up to BIG_WORDS 32-bit words, for exact conversions
 * between binary floating point and decimal (float_digits.c, strtod.c).
 * Callers size their numbers below BIG_WORDS (see each caller); an
 * operation that would carry beyond it drops the carry and sets overflow,
 * so a sizing mistake gives a wrong digit, never a write out of bounds.
 */
#ifndef MICA_GUEST_BIGNUM_H
#define MICA_GUEST_BIGNUM_H

#include <stdbool.h>
#include <stdint.h>

#define BIG_WORDS 136 /* 4352 bits: 10^1125 shifted by 66 bits fits */

struct big {
    uint32_t w[BIG_WORDS]; /* little-endian words */
    unsigned n;            /* words in use: w[n-1] != 0, or n == 0 for zero */
    bool overflow;
};

void big_set_u64(struct big *b, uint64_t v);
/* b = b * m + a */
void big_mul_add(struct big *b, uint32_t m, uint32_t a);
void big_mul_pow5(struct big *b, unsigned k);
void big_mul_pow10(struct big *b, unsigned k);
void big_shl(struct big *b, unsigned bits);
void big_shr1(struct big *b);
/* b /= d (d > 0); returns the remainder. */
uint32_t big_div_small(struct big *b, uint32_t d);
int big_cmp(const struct big *a, const struct big *b);
/* a -= b, for a >= b. */
void big_sub(struct big *a, const struct big *b);
/* The number of significant bits (0 for zero). */
unsigned big_bits(const struct big *b);

#endif
