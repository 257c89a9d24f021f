/* Fuzzes the terminal filter for guest console output: the first byte
 * picks keep_sgr and a chunk size; the rest is guest output. Whatever comes
 * in, what comes out is text, \n \r \t \b, valid non-C1 UTF-8 and (with
 * keep_sgr) ESC [ digits ; : m only, and it does not depend on where the
 * chunks end. */
#include <stdlib.h>
#include <string.h>

#include "util/console_filter.h"

static size_t run_in_chunks(const uint8_t *in, size_t len, bool keep_sgr, size_t chunk, uint8_t *out)
{
    struct console_filter f;
    console_filter_init(&f, keep_sgr);
    size_t n = 0;
    for (size_t i = 0; i < len; i += chunk) {
        size_t take = len - i < chunk ? len - i : chunk;
        size_t got = console_filter_run(&f, in + i, take, out + n);
        if (got > take + CONSOLE_FILTER_SLACK)
            abort();
        n += got;
    }
    return n + console_filter_finish(&f, out + n);
}

static size_t utf8_length(uint8_t lead)
{
    return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

static void check_safe(const uint8_t *o, size_t n, bool keep_sgr)
{
    for (size_t i = 0; i < n;) {
        uint8_t b = o[i];
        if (b == 0x1b) {
            size_t j = i + 2;
            if (!keep_sgr || j > n || o[i + 1] != '[')
                abort();
            while (j < n && ((o[j] >= '0' && o[j] <= '9') || o[j] == ';' || o[j] == ':'))
                j++;
            if (j >= n || o[j] != 'm')
                abort();
            i = j + 1;
            continue;
        }
        if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\b')
            abort();
        if (b == 0x7f || (b >= 0x80 && b < 0xc2) || b > 0xf4)
            abort();
        size_t len = utf8_length(b);
        if (i + len > n)
            abort();
        for (size_t k = 1; k < len; k++)
            if ((o[i + k] & 0xc0) != 0x80)
                abort();
        if (b == 0xc2 && o[i + 1] < 0xa0) /* C1 */
            abort();
        i += len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    bool keep_sgr = data[0] & 1;
    size_t chunk = 1 + (data[0] >> 1);
    data++, size--;
    size_t cap = size + CONSOLE_FILTER_SLACK + CONSOLE_FILTER_FINISH_MAX;
    uint8_t *whole = malloc(cap), *pieces = malloc(cap);
    size_t n = run_in_chunks(data, size, keep_sgr, size ? size : 1, whole);
    size_t m = run_in_chunks(data, size, keep_sgr, chunk, pieces);
    if (n != m || memcmp(whole, pieces, n))
        abort();
    check_safe(whole, n, keep_sgr);
    free(whole);
    free(pieces);
    return 0;
}
