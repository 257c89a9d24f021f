/* libFuzzer: any bytes as a PV guest image; the loader must reject or load
 * within RAM, never crash or read outside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "mica/abi.h"
#include "pv/elf_loader.h"

#define RAM (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *mem;
    if (!mem)
        mem = calloc(1, RAM);
    struct guest_mem ram = {.host = mem, .size = RAM, .gpa = 0};
    struct pv_image img;
    char err[256];
    if (pv_elf_load(data, size, &ram, &img, err, sizeof err) == 0 &&
        (img.end > RAM || img.start < MICA_IMAGE_BASE || img.start >= img.end))
        abort();
    return 0;
}
