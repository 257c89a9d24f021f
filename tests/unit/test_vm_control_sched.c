/* The `sched` request of the per-VM control channel: hostile requests are
 * refused with one line naming the key, valid ones reach the op in ns, and
 * the reply carries the op's answer (or why there is none). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "ctl/vm_control_sched.h"

static int parse(const char *text, struct vm_control_sched_set *set, char *err, size_t errlen)
{
    json_t *req = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(req);
    err[0] = '\0';
    int rc = vm_control_sched_parse(req, set, err, errlen);
    json_decref(req);
    return rc;
}

static void valid_requests_are_read_in_ns(void **state)
{
    (void)state;
    struct vm_control_sched_set set;
    char err[160];
    assert_int_equal(parse("{\"cmd\":\"sched\"}", &set, err, sizeof err), 0);
    assert_false(set.weight || set.warp || set.warp_limit || set.unwarp);
    assert_int_equal(parse("{\"cmd\":\"sched\",\"weight\":250,\"warp_us\":2000,\"warp_limit_us\":1000,"
                           "\"unwarp_us\":0}", &set, err, sizeof err), 0);
    assert_true(set.weight && set.warp && set.warp_limit && set.unwarp);
    assert_int_equal(set.to.weight, 250);
    assert_int_equal(set.to.warp_ns, 2000000);
    assert_int_equal(set.to.warp_limit_ns, 1000000);
    assert_int_equal(set.to.unwarp_ns, 0);
}

static void hostile_requests_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"{\"cmd\":\"sched\",\"weight\":\"heavy\"}", "'weight' must be an integer"},
        {"{\"cmd\":\"sched\",\"weight\":1.5}", "'weight' must be an integer"},
        {"{\"cmd\":\"sched\",\"weight\":-1}", "'weight' must be an integer"},
        {"{\"cmd\":\"sched\",\"weight\":4294967296}", "'weight' must be an integer"},
        {"{\"cmd\":\"sched\",\"warp_us\":true}", "'warp_us' must be an integer"},
        {"{\"cmd\":\"sched\",\"warp_limit_us\":null}", "'warp_limit_us' must be an integer"},
        {"{\"cmd\":\"sched\",\"unwarp_us\":9223372036854775807}", "'unwarp_us' must be an integer"},
        {"{\"cmd\":\"sched\",\"warp_us\":1000000001}", "'warp_us' must be an integer"},
        {"{\"cmd\":\"sched\",\"weigth\":100}", "unknown key 'weigth'"},
        {"[1,2]", "expected a JSON object"},
        {"\"sched\"", "expected a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct vm_control_sched_set set;
        char err[160];
        assert_int_equal(parse(bad[i].text, &set, err, sizeof err), -1);
        if (!strstr(err, bad[i].says))
            fail_msg("%s: got '%s', want '%s'", bad[i].text, err, bad[i].says);
    }
    /* A very long unknown key is cut in the message. */
    char text[4096], err[160];
    struct vm_control_sched_set set;
    snprintf(text, sizeof text, "{\"%03000d\":1}", 7);
    assert_int_equal(parse(text, &set, err, sizeof err), -1);
    assert_true(strlen(err) < sizeof err);
}

static struct vm_control_sched_set seen;
static int answer;

static int fake_sched(void *ctx, const struct vm_control_sched_set *set, struct vm_control_sched *now)
{
    (void)ctx;
    seen = *set;
    if (answer)
        return answer;
    *now = (struct vm_control_sched){.weight = set->weight ? set->to.weight : 100, .warp_ns = 3000,
                                     .warp_limit_ns = 2000000, .run_ns = 42, .avt = 7, .evt = -5, .warping = 1};
    return 0;
}

static json_t *reply(const struct vm_control_ops *ops, const char *text)
{
    json_t *req = json_loads(text, 0, NULL);
    json_t *r = vm_control_sched_reply(ops, NULL, req);
    json_decref(req);
    return r;
}

static void replies(void **state)
{
    (void)state;
    static const struct vm_control_ops none = {0}, fake = {.sched = fake_sched};
    json_t *r = reply(&none, "{\"cmd\":\"sched\"}");
    assert_false(json_is_true(json_object_get(r, "ok")));
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "alone in its process"));
    json_decref(r);

    answer = 0;
    r = reply(&fake, "{\"cmd\":\"sched\",\"weight\":300}");
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_t *s = json_object_get(r, "sched");
    assert_int_equal(json_integer_value(json_object_get(s, "weight")), 300);
    assert_int_equal(json_integer_value(json_object_get(s, "warp_us")), 3);
    assert_int_equal(json_integer_value(json_object_get(s, "warp_limit_us")), 2000);
    assert_int_equal(json_integer_value(json_object_get(s, "run_ns")), 42);
    assert_int_equal(json_integer_value(json_object_get(s, "evt")), -5);
    assert_true(json_is_true(json_object_get(s, "warping")));
    assert_true(seen.weight && !seen.warp);
    json_decref(r);

    answer = -EINVAL;
    r = reply(&fake, "{\"cmd\":\"sched\",\"weight\":0}");
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "out of range"));
    json_decref(r);
    answer = -ESRCH;
    r = reply(&fake, "{\"cmd\":\"sched\"}");
    assert_false(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    r = reply(&fake, "{\"cmd\":\"sched\",\"weight\":\"x\"}");
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "'weight' must be"));
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_requests_are_read_in_ns),
        cmocka_unit_test(hostile_requests_are_refused),
        cmocka_unit_test(replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
