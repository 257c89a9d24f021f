/* Arbitrary-precision unsigned integers, just enough for exact decimal
 * conversions (see bignum.h). Schoolbook arithmetic on 32-bit words. */
#include "bignum.h"

static void big_trim(struct big *b)
{
    while (b->n > 0 && b->w[b->n - 1] == 0)
        b->n--;
}

/* Appends a carry word, or records that it did not fit. */
static void push(struct big *b, uint32_t word)
{
    if (word == 0)
        return;
    if (b->n < BIG_WORDS)
        b->w[b->n++] = word;
    else
        b->overflow = true;
}

void big_set_u64(struct big *b, uint64_t v)
{
    b->overflow = false;
    b->w[0] = (uint32_t)v;
    b->w[1] = (uint32_t)(v >> 32);
    b->n = 2;
    big_trim(b);
}

void big_mul_add(struct big *b, uint32_t m, uint32_t a)
{
    uint64_t carry = a;
    for (unsigned i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    push(b, (uint32_t)carry);
    big_trim(b);
}

void big_mul_pow5(struct big *b, unsigned k)
{
    for (; k >= 13; k -= 13)
        big_mul_add(b, 1220703125u, 0); /* 5^13, the largest that fits */
    uint32_t m = 1;
    while (k--)
        m *= 5;
    big_mul_add(b, m, 0);
}

void big_mul_pow10(struct big *b, unsigned k)
{
    for (; k >= 9; k -= 9)
        big_mul_add(b, 1000000000u, 0);
    uint32_t m = 1;
    while (k--)
        m *= 10;
    big_mul_add(b, m, 0);
}

void big_shl(struct big *b, unsigned bits)
{
    if (b->n == 0)
        return;
    unsigned words = bits / 32, shift = bits % 32;
    if (b->n + words + 1 > BIG_WORDS) {
        b->overflow = true;
        return;
    }
    uint32_t top = shift ? b->w[b->n - 1] >> (32 - shift) : 0;
    for (unsigned i = b->n; i-- > 0;) {
        uint32_t lower = shift && i > 0 ? b->w[i - 1] >> (32 - shift) : 0;
        b->w[i + words] = (b->w[i] << shift) | lower;
    }
    for (unsigned i = 0; i < words; i++)
        b->w[i] = 0;
    b->n += words;
    b->w[b->n] = top;
    b->n++;
    big_trim(b);
}

void big_shr1(struct big *b)
{
    for (unsigned i = 0; i < b->n; i++) {
        uint32_t high = i + 1 < b->n ? b->w[i + 1] << 31 : 0;
        b->w[i] = (b->w[i] >> 1) | high;
    }
    big_trim(b);
}

uint32_t big_div_small(struct big *b, uint32_t d)
{
    uint64_t rem = 0;
    for (unsigned i = b->n; i-- > 0;) {
        uint64_t cur = (rem << 32) | b->w[i];
        b->w[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    big_trim(b);
    return (uint32_t)rem;
}

int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (unsigned i = a->n; i-- > 0;) {
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

void big_sub(struct big *a, const struct big *b)
{
    uint64_t borrow = 0;
    for (unsigned i = 0; i < a->n; i++) {
        uint64_t sub = (i < b->n ? b->w[i] : 0) + borrow;
        borrow = a->w[i] < sub;
        a->w[i] = (uint32_t)(a->w[i] - sub);
    }
    big_trim(a);
}

unsigned big_bits(const struct big *b)
{
    if (b->n == 0)
        return 0;
    return (b->n - 1) * 32 + (32 - (unsigned)__builtin_clz(b->w[b->n - 1]));
}
