/* Exact decimal digits of a double (see float_digits.h). A double is
 * m x 2^e with a 53-bit integer m; for e < 0 that is m x 5^-e / 10^-e, so
 * the decimal digits of the integer m x 5^-e are exactly the digits of the
 * value, and only the decimal point moves. */
#include "float_digits.h"

#include <stdbool.h>
#include <stdint.h>

#include "bignum.h"

#define CHUNK 1000000000u /* nine decimal digits per division */

/* Writes the decimal digits of b (consumed) to d; returns how many. */
static size_t big_to_decimal(struct big *b, char *d)
{
    char rev[FLOAT_DIGITS_MAX + 9];
    size_t len = 0;
    while (b->n > 0 && len + 9 <= sizeof rev) {
        uint32_t chunk = big_div_small(b, CHUNK);
        for (int i = 0; i < 9; i++, chunk /= 10)
            rev[len++] = (char)('0' + chunk % 10);
    }
    while (len > 0 && rev[len - 1] == '0')
        len--; /* the last chunk's leading zeros */
    size_t n = len < FLOAT_DIGITS_MAX ? len : FLOAT_DIGITS_MAX;
    for (size_t i = 0; i < n; i++)
        d[i] = rev[len - 1 - i];
    return n;
}

size_t float_digits(double v, char *d, int *exp10)
{
    union { double f; uint64_t u; } bits = { v };
    uint64_t mant = bits.u & ((1ull << 52) - 1);
    int biased = (int)(bits.u >> 52 & 0x7ff);
    int e2 = biased ? biased - 1075 : -1074;
    if (biased)
        mant |= 1ull << 52;
    *exp10 = 0;
    if (mant == 0)
        return 0;
    struct big b;
    big_set_u64(&b, mant);
    if (e2 >= 0)
        big_shl(&b, (unsigned)e2); /* at most 1024 bits */
    else
        big_mul_pow5(&b, (unsigned)-e2); /* at most 53 + 2494 bits */
    size_t len = big_to_decimal(&b, d);
    *exp10 = (int)len + (e2 < 0 ? e2 : 0);
    while (len > 0 && d[len - 1] == '0')
        len--;
    return len;
}

/* Adds one unit in place d[keep-1], carrying; returns the new length. */
static size_t round_up(char *d, size_t keep, int *exp10)
{
    for (size_t i = keep; i-- > 0;) {
        if (d[i] != '9') {
            d[i]++;
            return i + 1; /* the nines after it became zeros: dropped */
        }
    }
    d[0] = '1'; /* all nines: 10...0, one place up */
    ++*exp10;
    return 1;
}

size_t float_digits_round(char *d, size_t n, int *exp10, int keep)
{
    if (keep < 0 || n == 0 || (size_t)keep >= n)
        return keep < 0 ? 0 : n; /* below half a unit, or nothing to cut */
    size_t k = (size_t)keep;
    char next = d[k];
    bool more = n > k + 1; /* trailing zeros are dropped: anything is non-zero */
    bool odd = k > 0 && (d[k - 1] - '0') % 2 == 1;
    bool up = next > '5' || (next == '5' && (more || odd));
    if (!up) {
        while (k > 0 && d[k - 1] == '0')
            k--;
        return k;
    }
    if (k == 0) {
        d[0] = '1';
        ++*exp10;
        return 1;
    }
    return round_up(d, k, exp10);
}
