/* Port I/O exits: which device owns a port (UART 0x3f8-0x3ff, RTC
 * 0x70-0x71, i8042 0x60/0x64); anything else reads as all ones and ignores
 * writes, as an empty ISA bus does (Linux probes PCI and more this way). */
#ifndef MICA_FV_FV_PIO_H
#define MICA_FV_FV_PIO_H

#include <stdbool.h>
#include <stdint.h>

struct fv_machine;

void fv_pio(struct fv_machine *m, uint16_t port, bool write, uint8_t *data, uint32_t size);

#endif
