/* The PV console, guest side (guest/pvio/console/; the device's contract is
 * mica/io/console.h). */
#ifndef MICA_CONSOLE_H
#define MICA_CONSOLE_H

#include <stddef.h>

/* Output through the shared ring (one doorbell kick per batch at most). */
void mica_console_put(const char *s, size_t n);
/* Output straight through a hypercall (early, or when the ring is broken). */
long mica_console_write(const void *buf, size_t len);
/* Makes sure the host has been told about all output (a doorbell kick). */
void mica_console_flush(void);
/* Input: a byte, MICA_NO_INPUT when none is there yet, MICA_EOF at its end. */
#define MICA_NO_INPUT (-1)
#define MICA_EOF (-2)
int mica_console_getc(void);
/* Blocks until a byte or the end of input. */
int mica_console_getc_wait(void);
/* Input through the hypercall instead of the ring (non-blocking). */
long mica_console_read(void *buf, size_t len);

#endif
