/*
 * The MC146818 CMOS real-time clock at ports 0x70 (index) / 0x71 (data):
 * date and time from the host's wall clock, in BCD or binary, 12- or
 * 24-hour, with the update-in-progress bit Linux polls, status registers
 * A-D and the rest of the 128 bytes of CMOS RAM. Bit 7 of the index write
 * (the NMI mask on a PC) is ignored. Setting the clock (SET bit in B, then
 * writing the time) keeps an offset from the host clock, as hardware would
 * keep its own time.
 */
#ifndef MICA_HW_CMOS_RTC_H
#define MICA_HW_CMOS_RTC_H

#include <stdint.h>
#include <time.h>

#include "hw/io_device.h"

#define CMOS_RTC_BASE  0x70
#define CMOS_RTC_PORTS 2
#define CMOS_RTC_IRQ   8

struct cmos_rtc {
    uint8_t index;
    uint8_t ram[128];
    int64_t offset_s;          /* guest time - host time, once the guest sets it */
    /* Clock source (CLOCK_REALTIME by default; tests inject their own). */
    void (*now)(void *ctx, struct timespec *ts);
    void *now_ctx;
};

void cmos_rtc_init(struct cmos_rtc *rtc, void (*now)(void *ctx, struct timespec *ts), void *now_ctx);
void cmos_rtc_read(void *rtc, uint64_t off, uint8_t *data, uint32_t size);
void cmos_rtc_write(void *rtc, uint64_t off, const uint8_t *data, uint32_t size);
struct io_device cmos_rtc_io_device(struct cmos_rtc *rtc);

/* Register indices (MC146818 data sheet; 0x32 is the PC century byte). */
enum {
    RTC_SECONDS = 0x00, RTC_MINUTES = 0x02, RTC_HOURS = 0x04, RTC_DAY_OF_WEEK = 0x06,
    RTC_DAY_OF_MONTH = 0x07, RTC_MONTH = 0x08, RTC_YEAR = 0x09,
    RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c, RTC_REG_D = 0x0d, RTC_CENTURY = 0x32,
};
#define RTC_A_UIP    0x80
#define RTC_B_SET    0x80
#define RTC_B_DM_BIN 0x04
#define RTC_B_24H    0x02
#define RTC_D_VRT    0x80
#define RTC_UIP_NS   (1000000000L - 244000L) /* UIP rises 244 us before each update */

#endif
