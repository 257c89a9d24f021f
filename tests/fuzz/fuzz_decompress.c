/* Fuzzes every payload decoder; the first byte picks the format's magic so
 * that each decoder sees mostly-valid headers. The output cap is small, so
 * bombs end in -EFBIG quickly. */
#include <stdlib.h>
#include <string.h>

#include "boot/decompress.h"

static const uint8_t magics[][6] = {
    { 0x1f, 0x8b, 0x08 }, { 'B', 'Z', 'h' }, { 0xfd, '7', 'z', 'X', 'Z', 0 },
    { 0x5d, 0, 0 }, { 0x02, 0x21, 0x4c, 0x18 }, { 0x28, 0xb5, 0x2f, 0xfd },
};
static const size_t magic_len[] = { 3, 3, 6, 3, 4, 4 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned k = data[0] % 7;
    uint8_t *buf = malloc(size + 6);
    size_t len = 0;
    if (k < 6) {
        memcpy(buf, magics[k], magic_len[k]);
        len = magic_len[k];
    }
    memcpy(buf + len, data + 1, size - 1);
    len += size - 1;
    uint8_t *out = NULL;
    size_t out_len;
    char err[256];
    if (kernel_decompress(buf, len, 4u << 20, "fuzz", &out, &out_len, err, sizeof(err)) == 0)
        free(out);
    free(buf);
    return 0;
}
