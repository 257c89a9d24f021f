#include "hw/cmos_rtc.h"

#include <stdbool.h>
#include <string.h>

static void realtime(void *ctx, struct timespec *ts)
{
    (void)ctx;
    clock_gettime(CLOCK_REALTIME, ts);
}

void cmos_rtc_init(struct cmos_rtc *rtc, void (*now)(void *ctx, struct timespec *ts), void *now_ctx)
{
    memset(rtc, 0, sizeof(*rtc));
    rtc->now = now ? now : realtime;
    rtc->now_ctx = now_ctx;
    rtc->ram[RTC_REG_A] = 0x26;                 /* 32.768 kHz base, 1024 Hz rate */
    rtc->ram[RTC_REG_B] = RTC_B_24H;            /* BCD, 24-hour: what a PC BIOS sets */
    rtc->ram[RTC_REG_D] = RTC_D_VRT;            /* battery good */
}

static uint8_t to_bcd(unsigned v) { return (uint8_t)((v / 10) << 4 | (v % 10)); }
static unsigned from_bcd(uint8_t v) { return (v >> 4) * 10 + (v & 0x0f); }

static uint8_t encode(const struct cmos_rtc *rtc, unsigned v)
{
    return (rtc->ram[RTC_REG_B] & RTC_B_DM_BIN) ? (uint8_t)v : to_bcd(v);
}

static unsigned decode(const struct cmos_rtc *rtc, uint8_t v)
{
    return (rtc->ram[RTC_REG_B] & RTC_B_DM_BIN) ? v : from_bcd(v);
}

static uint8_t encode_hour(const struct cmos_rtc *rtc, unsigned h)
{
    if (rtc->ram[RTC_REG_B] & RTC_B_24H)
        return encode(rtc, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(encode(rtc, h12) | (h >= 12 ? 0x80 : 0)); /* bit 7: PM */
}

static unsigned decode_hour(const struct cmos_rtc *rtc, uint8_t v)
{
    if (rtc->ram[RTC_REG_B] & RTC_B_24H)
        return decode(rtc, v);
    unsigned h = decode(rtc, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

/* Fills the time registers from the clock (unless the guest is setting it). */
static void latch_time(struct cmos_rtc *rtc, const struct timespec *ts)
{
    if (rtc->ram[RTC_REG_B] & RTC_B_SET)
        return;
    time_t t = ts->tv_sec + rtc->offset_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    rtc->ram[RTC_SECONDS] = encode(rtc, (unsigned)tm.tm_sec);
    rtc->ram[RTC_MINUTES] = encode(rtc, (unsigned)tm.tm_min);
    rtc->ram[RTC_HOURS] = encode_hour(rtc, (unsigned)tm.tm_hour);
    rtc->ram[RTC_DAY_OF_WEEK] = encode(rtc, (unsigned)tm.tm_wday + 1); /* Sunday = 1 */
    rtc->ram[RTC_DAY_OF_MONTH] = encode(rtc, (unsigned)tm.tm_mday);
    rtc->ram[RTC_MONTH] = encode(rtc, (unsigned)tm.tm_mon + 1);
    rtc->ram[RTC_YEAR] = encode(rtc, (unsigned)(tm.tm_year + 1900) % 100);
    rtc->ram[RTC_CENTURY] = encode(rtc, (unsigned)(tm.tm_year + 1900) / 100);
}

/* The guest cleared SET: its registers are the new time. */
static void adopt_guest_time(struct cmos_rtc *rtc)
{
    struct tm tm = { 0 };
    tm.tm_sec = (int)decode(rtc, rtc->ram[RTC_SECONDS]);
    tm.tm_min = (int)decode(rtc, rtc->ram[RTC_MINUTES]);
    tm.tm_hour = (int)decode_hour(rtc, rtc->ram[RTC_HOURS]);
    tm.tm_mday = (int)decode(rtc, rtc->ram[RTC_DAY_OF_MONTH]);
    tm.tm_mon = (int)decode(rtc, rtc->ram[RTC_MONTH]) - 1;
    tm.tm_year = (int)(decode(rtc, rtc->ram[RTC_CENTURY]) * 100 + decode(rtc, rtc->ram[RTC_YEAR])) - 1900;
    time_t guest = timegm(&tm);
    if (guest == (time_t)-1)
        return;
    struct timespec ts;
    rtc->now(rtc->now_ctx, &ts);
    rtc->offset_s = (int64_t)guest - ts.tv_sec;
}

static uint8_t read_data(struct cmos_rtc *rtc)
{
    struct timespec ts;
    rtc->now(rtc->now_ctx, &ts);
    latch_time(rtc, &ts);
    uint8_t v = rtc->ram[rtc->index];
    switch (rtc->index) {
    case RTC_REG_A:
        v = (uint8_t)((v & ~RTC_A_UIP) | (ts.tv_nsec >= RTC_UIP_NS ? RTC_A_UIP : 0));
        break;
    case RTC_REG_C:
        rtc->ram[RTC_REG_C] = 0; /* interrupt flags clear on read */
        break;
    }
    return v;
}

static void write_data(struct cmos_rtc *rtc, uint8_t v)
{
    switch (rtc->index) {
    case RTC_REG_A:
        rtc->ram[RTC_REG_A] = v & 0x7f; /* UIP is read-only */
        break;
    case RTC_REG_B: {
        bool was_set = rtc->ram[RTC_REG_B] & RTC_B_SET;
        if (!was_set && (v & RTC_B_SET)) { /* freeze the current time for editing */
            struct timespec ts;
            rtc->now(rtc->now_ctx, &ts);
            latch_time(rtc, &ts);
        }
        rtc->ram[RTC_REG_B] = v;
        if (was_set && !(v & RTC_B_SET))
            adopt_guest_time(rtc);
        break;
    }
    case RTC_REG_C:
    case RTC_REG_D:
        break; /* read-only */
    default:
        rtc->ram[rtc->index] = v;
        break;
    }
}

void cmos_rtc_read(void *opaque, uint64_t off, uint8_t *data, uint32_t size)
{
    struct cmos_rtc *rtc = opaque;
    memset(data, 0, size);
    if (size)
        data[0] = off == 1 ? read_data(rtc) : 0xff; /* the index port is write-only */
}

void cmos_rtc_write(void *opaque, uint64_t off, const uint8_t *data, uint32_t size)
{
    struct cmos_rtc *rtc = opaque;
    if (!size)
        return;
    if (off == 0)
        rtc->index = data[0] & 0x7f; /* bit 7 masks NMI on a PC: ignored */
    else
        write_data(rtc, data[0]);
}

struct io_device cmos_rtc_io_device(struct cmos_rtc *rtc)
{
    struct io_device d = { "cmos-rtc", CMOS_RTC_BASE, CMOS_RTC_PORTS, rtc, cmos_rtc_read, cmos_rtc_write };
    return d;
}
