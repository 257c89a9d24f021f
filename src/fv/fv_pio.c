#include "fv/fv_pio.h"

#include <string.h>

#include "fv/fv_machine.h"

/* Calls a device with its lock held: vCPU threads and the I/O thread
 * (console input) share the UART, and several vCPUs may touch any. */
static void locked(pthread_mutex_t *lock, void *dev, uint64_t off, bool write, uint8_t *data,
                   uint32_t size, void (*rd)(void *, uint64_t, uint8_t *, uint32_t),
                   void (*wr)(void *, uint64_t, const uint8_t *, uint32_t))
{
    pthread_mutex_lock(lock);
    if (write)
        wr(dev, off, data, size);
    else
        rd(dev, off, data, size);
    pthread_mutex_unlock(lock);
}

void fv_pio(struct fv_machine *m, uint16_t port, bool write, uint8_t *data, uint32_t size)
{
    if (port >= UART_COM1_BASE && port < UART_COM1_BASE + UART_PORTS)
        locked(&m->uart_lock, &m->uart, port - UART_COM1_BASE, write, data, size, uart8250_read,
               uart8250_write);
    else if (port >= CMOS_RTC_BASE && port < CMOS_RTC_BASE + CMOS_RTC_PORTS)
        locked(&m->rtc_lock, &m->rtc, port - CMOS_RTC_BASE, write, data, size, cmos_rtc_read,
               cmos_rtc_write);
    else if (port == I8042_DATA_PORT || port == I8042_COMMAND_PORT)
        locked(&m->kbd_lock, &m->kbd, port, write, data, size, i8042_read, i8042_write); /* absolute */
    else if (!write)
        memset(data, 0xff, size); /* nothing there: the bus floats high */
}
