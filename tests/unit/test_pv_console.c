/* The host side of the PV console ring, with honest and lying guests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mica/ring.h"
#include "pv/console.h"

static struct mica_console_ring ring;
static struct pv_console con;
static char sunk[3 * MICA_CONS_OUT_SIZE];
static size_t sunk_len;

static void sink(void *ctx, const char *buf, size_t len)
{
    (void)ctx;
    assert_true(sunk_len + len <= sizeof sunk);
    memcpy(sunk + sunk_len, buf, len);
    sunk_len += len;
}

static int setup(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof ring);
    sunk_len = 0;
    pv_console_init(&con, &ring, sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pv_console_destroy(&con);
    return 0;
}

/* What the guest kit does to produce output. */
static void guest_put(const char *s, uint32_t n)
{
    mica_ring_copy_in(ring.out, MICA_CONS_OUT_SIZE, ring.out_prod, s, n);
    ring.out_prod += n;
}

static void drains_output_with_wrap(void **state)
{
    (void)state;
    char big[MICA_CONS_OUT_SIZE - 10];
    memset(big, 'x', sizeof big);
    guest_put(big, sizeof big);
    assert_int_equal(pv_console_drain(&con), sizeof big);
    guest_put("hello, wrapped world", 20); /* crosses the end of the ring */
    assert_int_equal(pv_console_drain(&con), 20);
    assert_memory_equal(sunk + sizeof big, "hello, wrapped world", 20);
    assert_int_equal(ring.out_cons, ring.out_prod);
    assert_int_equal(ring.out_event, ring.out_cons + 1);
    assert_int_equal(pv_console_drain(&con), 0);
}

static void survives_lying_producer(void **state)
{
    (void)state;
    guest_put("ok", 2);
    pv_console_drain(&con);
    ring.out_prod += MICA_CONS_OUT_SIZE + 1; /* claims more than fits */
    assert_int_equal(pv_console_drain(&con), -1);
    assert_int_equal(sunk_len, 2);
    ring.out_cons = 12345; /* the guest may scribble on out_cons: ignored */
    guest_put("!", 1);
    assert_int_equal(pv_console_drain(&con), 1);
    assert_int_equal(sunk[2], '!');
    ring.out_prod -= 5; /* going backwards looks like a huge fill */
    assert_int_equal(pv_console_drain(&con), -1);
}

static void input_respects_ring_space(void **state)
{
    (void)state;
    char in[3000];
    memset(in, 'k', sizeof in);
    assert_int_equal(pv_console_queue_input(&con, in, sizeof in), sizeof in);
    assert_true(pv_console_flush_input(&con));
    assert_int_equal(ring.in_prod, MICA_CONS_IN_SIZE); /* the rest waits */
    assert_int_equal(pv_console_pending_input(&con), sizeof in - MICA_CONS_IN_SIZE);
    assert_false(pv_console_flush_input(&con));
    ring.in_cons = 1000; /* the guest consumed some */
    assert_true(pv_console_flush_input(&con));
    assert_int_equal(ring.in_prod, MICA_CONS_IN_SIZE + 1000);
}

static void input_with_lying_consumer(void **state)
{
    (void)state;
    pv_console_queue_input(&con, "abc", 3);
    pv_console_flush_input(&con);
    ring.in_cons = ring.in_prod + 10; /* consumer ahead of producer */
    pv_console_queue_input(&con, "def", 3);
    assert_false(pv_console_flush_input(&con));
    char buf[8];
    assert_int_equal(pv_console_take_input(&con, buf, sizeof buf), -MICA_EINVAL);
}

static void take_input_and_eof(void **state)
{
    (void)state;
    pv_console_queue_input(&con, "line\n", 5);
    pv_console_flush_input(&con);
    pv_console_end_input(&con);
    assert_int_equal(ring.in_flags & MICA_CONS_IN_EOF, MICA_CONS_IN_EOF);
    char buf[3];
    assert_int_equal(pv_console_take_input(&con, buf, 3), 3);
    assert_memory_equal(buf, "lin", 3);
    assert_int_equal(pv_console_take_input(&con, buf, 3), 2);
    assert_int_equal(pv_console_take_input(&con, buf, 3), 0);
}

static void eof_waits_for_pending_input(void **state)
{
    (void)state;
    char in[MICA_CONS_IN_SIZE + 10];
    memset(in, 'z', sizeof in);
    pv_console_queue_input(&con, in, sizeof in);
    pv_console_flush_input(&con);
    pv_console_end_input(&con);
    assert_int_equal(ring.in_flags & MICA_CONS_IN_EOF, 0); /* 10 bytes still pending */
    ring.in_cons = ring.in_prod;
    pv_console_flush_input(&con);
    assert_int_equal(ring.in_flags & MICA_CONS_IN_EOF, MICA_CONS_IN_EOF);
}

static void kick_rule(void **state)
{
    (void)state;
    assert_true(mica_ring_need_kick(0, 5, 1));
    assert_true(mica_ring_need_kick(0, 5, 5));
    assert_false(mica_ring_need_kick(0, 5, 6));
    assert_false(mica_ring_need_kick(5, 9, 5));
    assert_true(mica_ring_need_kick(0xfffffffe, 2, 0xffffffff)); /* across the wrap */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(drains_output_with_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(survives_lying_producer, setup, teardown),
        cmocka_unit_test_setup_teardown(input_respects_ring_space, setup, teardown),
        cmocka_unit_test_setup_teardown(input_with_lying_consumer, setup, teardown),
        cmocka_unit_test_setup_teardown(take_input_and_eof, setup, teardown),
        cmocka_unit_test_setup_teardown(eof_waits_for_pending_input, setup, teardown),
        cmocka_unit_test(kick_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
