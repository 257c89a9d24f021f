/* Register models of the UART, the CMOS RTC and the i8042. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hw/cmos_rtc.h"
#include "hw/i8042.h"
#include "hw/uart8250.h"

/* --- UART --- */

static int irq_level = -1, irq_changes;
static char out[64];
static size_t out_len;

static void set_irq(void *ctx, unsigned irq, int level)
{
    (void)ctx;
    assert_int_equal(irq, 4);
    irq_level = level;
    irq_changes++;
}

static void output(void *ctx, uint8_t b)
{
    (void)ctx;
    if (out_len < sizeof(out))
        out[out_len++] = (char)b;
}

static void uw(struct uart8250 *u, unsigned reg, uint8_t v) { uart8250_write(u, reg, &v, 1); }
static uint8_t ur(struct uart8250 *u, unsigned reg)
{
    uint8_t v;
    uart8250_read(u, reg, &v, 1);
    return v;
}

static void uart_setup(struct uart8250 *u)
{
    irq_level = 0;
    irq_changes = 0;
    out_len = 0;
    uart8250_init(u, 4, set_irq, NULL, output, NULL);
}

static void test_uart_divisor_latch(void **state)
{
    (void)state;
    struct uart8250 u;
    uart_setup(&u);
    uw(&u, 3, 0x83); /* DLAB, 8N1 */
    uw(&u, 0, 0x01);
    uw(&u, 1, 0x00); /* 115200 baud */
    assert_int_equal(u.divisor, 1);
    assert_int_equal(ur(&u, 0), 0x01);
    uw(&u, 3, 0x03);
    assert_int_equal(ur(&u, 3), 0x03);
    assert_int_equal(ur(&u, 1), 0); /* IER again */
    uw(&u, 0, 'A'); /* THR, not DLL */
    assert_int_equal(u.divisor, 1);
    assert_int_equal(out_len, 1);
    assert_int_equal(out[0], 'A');
}

static void test_uart_lsr_and_scratch(void **state)
{
    (void)state;
    struct uart8250 u;
    uart_setup(&u);
    assert_int_equal(ur(&u, 5), 0x60); /* THRE | TEMT */
    uw(&u, 7, 0x5a);
    assert_int_equal(ur(&u, 7), 0x5a);
    assert_int_equal(ur(&u, 2), 0x01); /* no interrupt, FIFOs off */
}

static void test_uart_loopback_as_linux_probes(void **state)
{
    (void)state;
    struct uart8250 u;
    uart_setup(&u);
    uw(&u, 4, 0x10 | 0x0a); /* LOOP | RTS | OUT2 */
    assert_int_equal(ur(&u, 6) & 0xf0, 0x90); /* DCD | CTS */
    uw(&u, 0, 0x42);
    assert_int_equal(out_len, 0); /* looped back, not sent */
    assert_int_equal(ur(&u, 5) & 1, 1);
    assert_int_equal(ur(&u, 0), 0x42);
    uw(&u, 4, 0);
    assert_int_equal(ur(&u, 6) & 0xf0, 0xb0); /* DCD DSR CTS: peer present */
}

static void test_uart_fifo_control(void **state)
{
    (void)state;
    struct uart8250 u;
    uart_setup(&u);
    uw(&u, 2, 0x07); /* enable, clear both */
    assert_int_equal(ur(&u, 2) & 0xc0, 0xc0);
    assert_int_equal(uart8250_receive(&u, (const uint8_t *)"0123456789abcdefXYZ", 19), 16);
    assert_int_equal(uart8250_rx_space(&u), 0);
    uw(&u, 2, 0x03); /* clear RX */
    assert_int_equal(ur(&u, 5) & 1, 0);
    uw(&u, 2, 0x00); /* FIFOs off: one byte holding register */
    assert_int_equal(uart8250_receive(&u, (const uint8_t *)"ab", 2), 1);
}

static void test_uart_rx_interrupt(void **state)
{
    (void)state;
    struct uart8250 u;
    uart_setup(&u);
    uw(&u, 4, 0x08);  /* OUT2: interrupts reach the PIC */
    uw(&u, 1, 0x01);  /* RDI */
    assert_int_equal(irq_level, 0);
    assert_int_equal(uart8250_receive(&u, (const uint8_t *)"hi", 2), 1); /* no FIFO: 1 byte */
    assert_int_equal(irq_level, 1);
    assert_int_equal(ur(&u, 2), 0x04);
    assert_int_equal(ur(&u, 0), 'h');
    assert_int_equal(irq_level, 0);
    assert_int_equal(ur(&u, 2), 0x01);

    uw(&u, 2, 0xc1); /* FIFO, trigger 14 */
    uart8250_receive(&u, (const uint8_t *)"abc", 3);
    assert_int_equal(ur(&u, 2), 0xcc); /* below trigger: character timeout */
    uart8250_receive(&u, (const uint8_t *)"defghijklmn", 11);
    assert_int_equal(ur(&u, 2), 0xc4); /* at trigger: data available */
}

static void test_uart_tx_interrupt(void **state)
{
    (void)state;
    struct uart8250 u;
    uart_setup(&u);
    uw(&u, 4, 0x08);
    uw(&u, 1, 0x02); /* THRI with THR empty: interrupt at once */
    assert_int_equal(irq_level, 1);
    assert_int_equal(ur(&u, 2), 0x02);
    assert_int_equal(irq_level, 0); /* reading IIR acknowledged it */
    uw(&u, 0, 'x');
    assert_int_equal(irq_level, 1); /* sent: empty again */
    uw(&u, 0, 'y');
    assert_int_equal(irq_level, 1);
    uw(&u, 1, 0x00);
    assert_int_equal(irq_level, 0);
    assert_memory_equal(out, "xy", 2);
}

static void test_uart_out2_gates_irq_and_priority(void **state)
{
    (void)state;
    struct uart8250 u;
    uart_setup(&u);
    uw(&u, 1, 0x03);
    uart8250_receive(&u, (const uint8_t *)"z", 1);
    assert_int_equal(irq_level, 0); /* OUT2 clear */
    uw(&u, 4, 0x08);
    assert_int_equal(irq_level, 1);
    assert_int_equal(ur(&u, 2), 0x04); /* RX before THRE */
    ur(&u, 0);
    assert_int_equal(ur(&u, 2), 0x02);
}

static void test_uart_overrun_and_line_status_interrupt(void **state)
{
    (void)state;
    struct uart8250 u;
    uart_setup(&u);
    uw(&u, 4, 0x08);
    uw(&u, 1, 0x05); /* RLSI | RDI */
    uart8250_receive(&u, (const uint8_t *)"a", 1);
    uw(&u, 4, 0x18); /* loopback: the next byte overruns the holding register */
    uw(&u, 0, 'b');
    assert_int_equal(ur(&u, 2), 0x06);
    assert_int_equal(ur(&u, 5) & 0x02, 0x02);
    assert_int_equal(ur(&u, 5) & 0x02, 0); /* cleared by reading */
}

/* --- RTC --- */

static struct timespec fake_now;
static void fake_clock(void *ctx, struct timespec *ts) { (void)ctx; *ts = fake_now; }

static uint8_t rtc_get(struct cmos_rtc *r, uint8_t reg)
{
    uint8_t v;
    cmos_rtc_write(r, 0, &reg, 1);
    cmos_rtc_read(r, 1, &v, 1);
    return v;
}

static void rtc_set(struct cmos_rtc *r, uint8_t reg, uint8_t v)
{
    cmos_rtc_write(r, 0, &reg, 1);
    cmos_rtc_write(r, 1, &v, 1);
}

static void test_rtc_bcd_24h(void **state)
{
    (void)state;
    struct cmos_rtc r;
    fake_now.tv_sec = 1709734263; /* 2024-03-06 14:11:03 UTC, a Wednesday */
    fake_now.tv_nsec = 0;
    cmos_rtc_init(&r, fake_clock, NULL);
    assert_int_equal(rtc_get(&r, RTC_SECONDS), 0x03);
    assert_int_equal(rtc_get(&r, RTC_MINUTES), 0x11);
    assert_int_equal(rtc_get(&r, RTC_HOURS), 0x14);
    assert_int_equal(rtc_get(&r, RTC_DAY_OF_WEEK), 4);
    assert_int_equal(rtc_get(&r, RTC_DAY_OF_MONTH), 0x06);
    assert_int_equal(rtc_get(&r, RTC_MONTH), 0x03);
    assert_int_equal(rtc_get(&r, RTC_YEAR), 0x24);
    assert_int_equal(rtc_get(&r, RTC_CENTURY), 0x20);
    assert_int_equal(rtc_get(&r, RTC_REG_D), 0x80);
}

static void test_rtc_binary_12h(void **state)
{
    (void)state;
    struct cmos_rtc r;
    fake_now.tv_sec = 1709734263;
    cmos_rtc_init(&r, fake_clock, NULL);
    rtc_set(&r, RTC_REG_B, RTC_B_DM_BIN);        /* binary, 12-hour */
    assert_int_equal(rtc_get(&r, RTC_HOURS), 0x80 | 2); /* 2 PM */
    assert_int_equal(rtc_get(&r, RTC_MINUTES), 11);
    assert_int_equal(rtc_get(&r, RTC_YEAR), 24);
    fake_now.tv_sec = 1709683200;                 /* 00:00 */
    assert_int_equal(rtc_get(&r, RTC_HOURS), 12); /* 12 AM */
    rtc_set(&r, RTC_REG_B, 0);                    /* BCD 12-hour */
    fake_now.tv_sec = 1709683200 + 12 * 3600;     /* noon */
    assert_int_equal(rtc_get(&r, RTC_HOURS), 0x80 | 0x12);
}

static void test_rtc_update_in_progress(void **state)
{
    (void)state;
    struct cmos_rtc r;
    fake_now.tv_sec = 1709734263;
    fake_now.tv_nsec = 500000000;
    cmos_rtc_init(&r, fake_clock, NULL);
    assert_int_equal(rtc_get(&r, RTC_REG_A) & RTC_A_UIP, 0);
    fake_now.tv_nsec = 999900000;
    assert_int_equal(rtc_get(&r, RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
    assert_int_equal(rtc_get(&r, RTC_REG_A) & 0x7f, 0x26);
    rtc_set(&r, RTC_REG_A, 0xff); /* UIP cannot be written */
    fake_now.tv_nsec = 0;
    assert_int_equal(rtc_get(&r, RTC_REG_A), 0x7f);
}

static void test_rtc_nmi_bit_and_ram(void **state)
{
    (void)state;
    struct cmos_rtc r;
    cmos_rtc_init(&r, fake_clock, NULL);
    rtc_set(&r, 0x80 | 0x40, 0xab); /* NMI-disable bit set: same register 0x40 */
    assert_int_equal(rtc_get(&r, 0x40), 0xab);
    rtc_set(&r, RTC_REG_D, 0);      /* read-only */
    assert_int_equal(rtc_get(&r, RTC_REG_D), 0x80);
    assert_int_equal(rtc_get(&r, RTC_REG_C), 0);
}

static void test_rtc_guest_sets_time(void **state)
{
    (void)state;
    struct cmos_rtc r;
    fake_now.tv_sec = 1709734263;
    fake_now.tv_nsec = 0;
    cmos_rtc_init(&r, fake_clock, NULL);
    rtc_set(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H);
    rtc_set(&r, RTC_HOURS, 0x09); /* 09:11:03 the same day: 5 hours back */
    assert_int_equal(rtc_get(&r, RTC_HOURS), 0x09); /* frozen while SET */
    rtc_set(&r, RTC_REG_B, RTC_B_24H);
    assert_int_equal(r.offset_s, -5 * 3600);
    fake_now.tv_sec += 60;
    assert_int_equal(rtc_get(&r, RTC_HOURS), 0x09);
    assert_int_equal(rtc_get(&r, RTC_MINUTES), 0x12);
}

/* --- i8042 --- */

static int resets;
static void on_reset(void *ctx) { (void)ctx; resets++; }

static void kw(struct i8042 *k, uint16_t port, uint8_t v) { i8042_write(k, port, &v, 1); }
static uint8_t kr(struct i8042 *k, uint16_t port)
{
    uint8_t v;
    i8042_read(k, port, &v, 1);
    return v;
}

static void test_i8042_probe_and_reset(void **state)
{
    (void)state;
    struct i8042 k;
    resets = 0;
    i8042_init(&k, NULL, NULL, on_reset, NULL);
    assert_int_equal(kr(&k, 0x64) & 0x03, 0); /* nothing to read, ready for input */
    kw(&k, 0x64, 0xaa);
    assert_int_equal(kr(&k, 0x64) & 1, 1);
    assert_int_equal(kr(&k, 0x60), 0x55);
    kw(&k, 0x64, 0x20);
    uint8_t ctr = kr(&k, 0x60);
    kw(&k, 0x64, 0x60);
    kw(&k, 0x60, ctr & ~1);
    kw(&k, 0x64, 0x20);
    assert_int_equal(kr(&k, 0x60), ctr & ~1);
    kw(&k, 0x60, 0xff); /* keyboard reset */
    assert_int_equal(kr(&k, 0x60), 0xfa);
    assert_int_equal(kr(&k, 0x60), 0xaa);
    assert_int_equal(resets, 0);
    kw(&k, 0x64, 0xfe);
    assert_int_equal(resets, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uart_divisor_latch),
        cmocka_unit_test(test_uart_lsr_and_scratch),
        cmocka_unit_test(test_uart_loopback_as_linux_probes),
        cmocka_unit_test(test_uart_fifo_control),
        cmocka_unit_test(test_uart_rx_interrupt),
        cmocka_unit_test(test_uart_tx_interrupt),
        cmocka_unit_test(test_uart_out2_gates_irq_and_priority),
        cmocka_unit_test(test_uart_overrun_and_line_status_interrupt),
        cmocka_unit_test(test_rtc_bcd_24h),
        cmocka_unit_test(test_rtc_binary_12h),
        cmocka_unit_test(test_rtc_update_in_progress),
        cmocka_unit_test(test_rtc_nmi_bit_and_ram),
        cmocka_unit_test(test_rtc_guest_sets_time),
        cmocka_unit_test(test_i8042_probe_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
