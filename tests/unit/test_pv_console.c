/* The host side of the PV console ring (src/pvio/console), with honest and
 * lying guests, and its saved state with honest and hostile bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mica/ring.h"
#include "pvio/console/console.h"

static struct mica_console_ring ring;
static struct pvio_console con;
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
    pvio_console_init(&con, sink, NULL);
    struct pvio_attach at = {.domain_name = "t", .shared = &ring, .shared_len = sizeof ring};
    char err[128];
    assert_int_equal(pvio_attach(&con.base, &at, err, sizeof err), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pvio_detach(&con.base);
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
    assert_int_equal(pvio_console_drain(&con), sizeof big);
    guest_put("hello, wrapped world", 20); /* crosses the end of the ring */
    assert_int_equal(pvio_console_drain(&con), 20);
    assert_memory_equal(sunk + sizeof big, "hello, wrapped world", 20);
    assert_int_equal(ring.out_cons, ring.out_prod);
    assert_int_equal(ring.out_event, ring.out_cons + 1);
    assert_int_equal(pvio_console_drain(&con), 0);
}

static void survives_lying_producer(void **state)
{
    (void)state;
    guest_put("ok", 2);
    pvio_console_drain(&con);
    ring.out_prod += MICA_CONS_OUT_SIZE + 1; /* claims more than fits */
    assert_int_equal(pvio_console_drain(&con), -1);
    assert_int_equal(sunk_len, 2);
    ring.out_cons = 12345; /* the guest may scribble on out_cons: ignored */
    guest_put("!", 1);
    assert_int_equal(pvio_console_drain(&con), 1);
    assert_int_equal(sunk[2], '!');
    ring.out_prod -= 5; /* going backwards looks like a huge fill */
    assert_int_equal(pvio_console_drain(&con), -1);
}

static void input_respects_ring_space(void **state)
{
    (void)state;
    char in[3000];
    memset(in, 'k', sizeof in);
    assert_int_equal(pvio_console_queue_input(&con, in, sizeof in), sizeof in);
    assert_true(pvio_console_flush_input(&con));
    assert_int_equal(ring.in_prod, MICA_CONS_IN_SIZE); /* the rest waits */
    assert_int_equal(pvio_console_pending_input(&con), sizeof in - MICA_CONS_IN_SIZE);
    assert_false(pvio_console_flush_input(&con));
    ring.in_cons = 1000; /* the guest consumed some */
    assert_true(pvio_console_flush_input(&con));
    assert_int_equal(ring.in_prod, MICA_CONS_IN_SIZE + 1000);
}

static void input_with_lying_consumer(void **state)
{
    (void)state;
    pvio_console_queue_input(&con, "abc", 3);
    pvio_console_flush_input(&con);
    ring.in_cons = ring.in_prod + 10; /* consumer ahead of producer */
    pvio_console_queue_input(&con, "def", 3);
    assert_false(pvio_console_flush_input(&con));
    char buf[8];
    assert_int_equal(pvio_console_take_input(&con, buf, sizeof buf), -MICA_EINVAL);
}

static void take_input_and_eof(void **state)
{
    (void)state;
    pvio_console_queue_input(&con, "line\n", 5);
    pvio_console_flush_input(&con);
    pvio_console_end_input(&con);
    assert_int_equal(ring.in_flags & MICA_CONS_IN_EOF, MICA_CONS_IN_EOF);
    char buf[3];
    assert_int_equal(pvio_console_take_input(&con, buf, 3), 3);
    assert_memory_equal(buf, "lin", 3);
    assert_int_equal(pvio_console_take_input(&con, buf, 3), 2);
    assert_int_equal(pvio_console_take_input(&con, buf, 3), 0);
}

static void eof_waits_for_pending_input(void **state)
{
    (void)state;
    char in[MICA_CONS_IN_SIZE + 10];
    memset(in, 'z', sizeof in);
    pvio_console_queue_input(&con, in, sizeof in);
    pvio_console_flush_input(&con);
    pvio_console_end_input(&con);
    assert_int_equal(ring.in_flags & MICA_CONS_IN_EOF, 0); /* 10 bytes still pending */
    ring.in_cons = ring.in_prod;
    pvio_console_flush_input(&con);
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

static void attach_checks_the_shared_pages(void **state)
{
    (void)state;
    struct pvio_console c;
    pvio_console_init(&c, sink, NULL);
    char err[128];
    struct pvio_attach small = {.domain_name = "t", .shared = &ring, .shared_len = sizeof ring - 1};
    assert_int_equal(pvio_attach(&c.base, &small, err, sizeof err), -1);
    assert_non_null(strstr(err, "console needs"));
    struct pvio_attach none = {.domain_name = "t"};
    assert_int_equal(pvio_attach(&c.base, &none, err, sizeof err), -1);
    pvio_detach(&c.base);
}

/* The doorbell reaches the console through the generic notify: a drain. */
static void notify_drains_output(void **state)
{
    (void)state;
    mica_ring_copy_in(ring.out, MICA_CONS_OUT_SIZE, ring.out_prod, "kick", 4);
    ring.out_prod += 4;
    pvio_notify(&con.base);
    assert_int_equal(sunk_len, 4);
    assert_memory_equal(sunk, "kick", 4);
    assert_int_equal(ring.out_event, ring.out_cons + 1);
}

/* Everything the host owns survives a save and a restore into a fresh
 * console: drained output is not drained twice, pending input and the end
 * of input reach the guest afterwards. */
static void save_restore_round_trip(void **state)
{
    (void)state;
    mica_ring_copy_in(ring.out, MICA_CONS_OUT_SIZE, ring.out_prod, "hello", 5);
    ring.out_prod += 5;
    pvio_console_drain(&con);
    char in[MICA_CONS_IN_SIZE + 100];
    memset(in, 'q', sizeof in);
    pvio_console_queue_input(&con, in, sizeof in);
    pvio_console_flush_input(&con); /* 100 bytes stay pending */
    pvio_console_end_input(&con);

    static uint8_t state_buf[PVIO_CONSOLE_STATE_MAX];
    size_t need = pvio_save(&con.base, NULL, 0);
    assert_int_equal(need, PVIO_CONSOLE_STATE_HEADER + 100);
    assert_int_equal(pvio_save(&con.base, state_buf, need - 1), need); /* too small: untouched */
    assert_int_equal(state_buf[0], 0);
    assert_int_equal(pvio_save(&con.base, state_buf, sizeof state_buf), need);

    struct pvio_console copy;
    pvio_console_init(&copy, sink, NULL);
    struct pvio_attach at = {.domain_name = "t", .shared = &ring, .shared_len = sizeof ring};
    char err[128];
    assert_int_equal(pvio_attach(&copy.base, &at, err, sizeof err), 0);
    assert_int_equal(pvio_restore(&copy.base, state_buf, need, err, sizeof err), 0);
    assert_int_equal(copy.out_cons, con.out_cons);
    assert_int_equal(copy.in_prod, con.in_prod);
    assert_int_equal(pvio_console_pending_input(&copy), 100);
    assert_true(copy.input_ended);
    /* Nothing is drained twice; new output is. */
    sunk_len = 0;
    assert_int_equal(pvio_console_drain(&copy), 0);
    mica_ring_copy_in(ring.out, MICA_CONS_OUT_SIZE, ring.out_prod, "!", 1);
    ring.out_prod += 1;
    assert_int_equal(pvio_console_drain(&copy), 1);
    /* The pending input and then EOF reach the guest. */
    ring.in_cons = ring.in_prod;
    assert_true(pvio_console_flush_input(&copy));
    assert_int_equal(ring.in_prod - ring.in_cons, 100);
    assert_int_equal(ring.in_flags & MICA_CONS_IN_EOF, MICA_CONS_IN_EOF);
    /* The same state saved again is the same bytes. */
    uint8_t again[PVIO_CONSOLE_STATE_MAX];
    assert_int_equal(pvio_restore(&copy.base, state_buf, need, err, sizeof err), 0);
    assert_int_equal(pvio_save(&copy.base, again, sizeof again), need);
    assert_memory_equal(again, state_buf, need);
    pvio_detach(&copy.base);
}

/* Hostile bytes are refused with a reason and change nothing. */
static void restore_refuses_hostile_state(void **state)
{
    (void)state;
    pvio_console_queue_input(&con, "keep", 4);
    uint8_t good[PVIO_CONSOLE_STATE_MAX], bad[PVIO_CONSOLE_STATE_MAX + 8];
    size_t n = pvio_save(&con.base, good, sizeof good);
    assert_int_equal(n, PVIO_CONSOLE_STATE_HEADER + 4);
    char err[128];
    struct { size_t at; uint8_t value; size_t len; const char *why; } cases[] = {
        {0, 'X', 0, "bad magic"},
        {4, 2, 0, "unknown version"},
        {7, 0x80, 0, "unknown flags"},
        {17, 0x10, 0, "more pending input"},     /* pending_len 0x1004 > 4096 */
        {19, 0xff, 0, "more pending input"},     /* pending_len near 4 GiB    */
        {16, 5, 0, "does not match"},            /* claims 5, carries 4       */
        {0, 0, PVIO_CONSOLE_STATE_HEADER - 1, "shorter than its header"},
        {0, 0, 3, "does not match"},             /* cut inside the pending bytes (len = n - 1) */
        {0, 0, 1, "does not match"},             /* trailing garbage (len = n + 1) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(bad, good, n);
        memset(bad + n, 0xee, sizeof bad - n);
        size_t len = n;
        if (cases[i].len == PVIO_CONSOLE_STATE_HEADER - 1)
            len = cases[i].len;
        else if (cases[i].len == 3)
            len = n - 1;
        else if (cases[i].len == 1)
            len = n + 1;
        else
            bad[cases[i].at] = cases[i].value;
        err[0] = 0;
        assert_int_equal(pvio_restore(&con.base, bad, len, err, sizeof err), -1);
        assert_non_null(strstr(err, cases[i].why));
    }
    assert_int_equal(pvio_restore(&con.base, NULL, 0, err, sizeof err), -1);
    /* Still the console it was. */
    assert_int_equal(pvio_console_pending_input(&con), 4);
    uint8_t after[PVIO_CONSOLE_STATE_MAX];
    assert_int_equal(pvio_save(&con.base, after, sizeof after), n);
    assert_memory_equal(after, good, n);
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
        cmocka_unit_test(attach_checks_the_shared_pages),
        cmocka_unit_test_setup_teardown(notify_drains_output, setup, teardown),
        cmocka_unit_test_setup_teardown(save_restore_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(restore_refuses_hostile_state, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
