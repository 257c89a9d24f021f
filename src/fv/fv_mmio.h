/* MMIO exits: the virtio-mmio windows; anything else (no device there)
 * reads as all ones and ignores writes. The LAPIC and IOAPIC are in KVM. */
#ifndef MICA_FV_FV_MMIO_H
#define MICA_FV_FV_MMIO_H

#include <stdbool.h>
#include <stdint.h>

struct fv_machine;

void fv_mmio(struct fv_machine *m, uint64_t gpa, bool write, uint8_t *data, uint32_t len);

#endif
