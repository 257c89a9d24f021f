/*
 * The PV console device, version 1: one ring pair in two shared pages
 * (start_info.console_ring), a doorbell (start_info.console_doorbell) and
 * event port MICA_EVT_CONSOLE. Guest -> host bytes go through out[], host
 * -> guest bytes through in[], with the protocol of mica/ring.h.
 *
 * Output: the guest produces into out[] (owns out_prod) and kicks the
 * doorbell when out_event lies in (old prod, new prod]; the host consumes
 * (owns out_cons) and sets out_event = out_cons + 1 when it has drained
 * everything. Input: the host produces into in[] (owns in_prod) and raises
 * MICA_EVT_CONSOLE; the guest consumes (owns in_cons). MICA_CONS_IN_EOF in
 * in_flags says the host's input has ended and nothing follows in_prod.
 * MICA_HC_CONSOLE_WRITE and MICA_HC_CONSOLE_READ reach the same device
 * without the ring (early output, or a broken ring).
 */
#ifndef MICA_IO_CONSOLE_H
#define MICA_IO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"

#define MICA_CONS_OUT_SIZE 4096u
#define MICA_CONS_IN_SIZE 1024u
#define MICA_CONS_IN_EOF 0x1u /* in_flags: the host's input has ended */
struct mica_console_ring {
    volatile uint32_t out_prod, out_cons, out_event;
    volatile uint32_t in_prod, in_cons, in_flags;
    uint32_t reserved[10];
    char out[MICA_CONS_OUT_SIZE];
    char in[MICA_CONS_IN_SIZE];
};

_Static_assert((MICA_CONS_OUT_SIZE & (MICA_CONS_OUT_SIZE - 1)) == 0, "console out[] is a power of two");
_Static_assert((MICA_CONS_IN_SIZE & (MICA_CONS_IN_SIZE - 1)) == 0, "console in[] is a power of two");
_Static_assert(offsetof(struct mica_console_ring, out_prod) == 0, "console_ring.out_prod");
_Static_assert(offsetof(struct mica_console_ring, out_cons) == 4, "console_ring.out_cons");
_Static_assert(offsetof(struct mica_console_ring, out_event) == 8, "console_ring.out_event");
_Static_assert(offsetof(struct mica_console_ring, in_prod) == 12, "console_ring.in_prod");
_Static_assert(offsetof(struct mica_console_ring, in_cons) == 16, "console_ring.in_cons");
_Static_assert(offsetof(struct mica_console_ring, in_flags) == 20, "console_ring.in_flags");
_Static_assert(offsetof(struct mica_console_ring, reserved) == 24, "console_ring.reserved");
_Static_assert(offsetof(struct mica_console_ring, out) == 64, "console_ring.out");
_Static_assert(offsetof(struct mica_console_ring, in) == 4160, "console_ring.in");
_Static_assert(sizeof(struct mica_console_ring) == 5184, "console_ring size");
_Static_assert(sizeof(struct mica_console_ring) <= 2 * MICA_PAGE_SIZE, "console ring fits its two pages");

#endif
