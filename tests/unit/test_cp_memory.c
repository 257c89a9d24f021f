/* Memory through the control program, with fake VMs (cp_fake_vm.h): the
 * balloon target (POST /v1/vms/NAME/memory, mica mem-set) and its errors,
 * the accounting in info/list, and overcommit admission. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"

static long mem_set(struct cp_harness *h, const char *name, const char *body, char *error,
                    size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/vms/%s/memory", name);
    struct cp_reply r = cp_request(h, "POST", path, body);
    const char *e = json_string_value(json_object_get(r.json, "error"));
    snprintf(error, len, "%s", e ? e : "");
    long status = r.status;
    cp_reply_free(&r);
    return status;
}

static json_t *vm_memory(struct cp_harness *h, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/vms/%s", name);
    struct cp_reply r = cp_request(h, "GET", path, NULL);
    json_t *m = json_incref(json_object_get(r.json, "memory"));
    cp_reply_free(&r);
    return m;
}

static void test_mem_set_and_its_errors(void **state)
{
    struct cp_harness *h = *state;
    char error[512];
    assert_int_equal(cp_create_vm(h, "m", "run"), 201);
    assert_int_equal(mem_set(h, "m", "{\"target_mib\":3}", error, sizeof error), 409);
    assert_non_null(strstr(error, "it is defined (start it first)"));
    assert_int_equal(cp_vm_action(h, "m", "start"), 200);

    assert_int_equal(mem_set(h, "m", "{\"target_mib\":3}", error, sizeof error), 200);
    json_t *m = vm_memory(h, "m");
    assert_int_equal(json_integer_value(json_object_get(m, "max_mib")), 4);
    assert_int_equal(json_integer_value(json_object_get(m, "target_mib")), 3);
    assert_int_equal(json_integer_value(json_object_get(m, "current_mib")), 3);
    json_decref(m);

    assert_int_equal(mem_set(h, "m", "{\"target_mib\":5}", error, sizeof error), 400);
    assert_non_null(strstr(error, "its maximum is 4 MiB"));
    assert_int_equal(mem_set(h, "m", "{\"target_mib\":1}", error, sizeof error), 409);
    assert_non_null(strstr(error, "floor")); /* the VM's own reason */
    assert_int_equal(mem_set(h, "m", "{\"target_mib\":0}", error, sizeof error), 400);
    assert_int_equal(mem_set(h, "m", "{\"target_mib\":\"3\"}", error, sizeof error), 400);
    assert_int_equal(mem_set(h, "m", "not json", error, sizeof error), 400);
    assert_non_null(strstr(error, "target_mib"));
    assert_int_equal(mem_set(h, "nosuch", "{\"target_mib\":3}", error, sizeof error), 404);
    assert_int_equal(cp_status(h, "GET", "/v1/vms/m/memory", NULL), 404);

    /* The CLI: same request, one line on error, usage errors 125. */
    char *out = NULL, *err = NULL;
    assert_int_equal(cp_cli(h, NULL, &out, &err, "mem-set", "m", "2", NULL), 0);
    assert_non_null(strstr(out, "m: memory target 2 MiB (maximum 4 MiB)"));
    free(out), free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "mem-set", "m", "64", NULL), 1);
    assert_non_null(strstr(err, "its maximum is 4 MiB"));
    free(out), free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "mem-set", "m", "lots", NULL), 125);
    assert_non_null(strstr(err, "'lots' is not a target in MiB"));
    free(out), free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "mem-set", "m", NULL), 125);
    free(out), free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "info", "m", NULL), 0);
    assert_non_null(strstr(out, "memory:    4 MiB maximum, current/target 2/2 MiB, shared"));
    free(out), free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "list", NULL), 0);
    assert_non_null(strstr(out, "SHARED(MiB)"));
    free(out), free(err);

    assert_int_equal(cp_vm_action(h, "m", "shutdown"), 200);
    assert_true(cp_wait_state(h, "m", "shutdown"));
    assert_int_equal(mem_set(h, "m", "{\"target_mib\":3}", error, sizeof error), 409);
    assert_non_null(strstr(error, "it is shutdown (start it first)"));
}

/* A daemon that hands out 1.5 x 10 MiB. */
static int setup_overcommit(void **state)
{
    static struct cp_harness h;
    cp_harness_init(&h);
    h.daemon_args[0] = "--host-mem-mib";
    h.daemon_args[1] = "10";
    h.daemon_args[2] = "--overcommit";
    h.daemon_args[3] = "1.5";
    cp_harness_start_daemon(&h);
    *state = &h;
    return 0;
}

static void test_overcommit_admits_up_to_the_ratio(void **state)
{
    struct cp_harness *h = *state;
    const char *names[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(cp_create_vm(h, names[i], "run"), 201);
    for (int i = 0; i < 3; i++) /* 12 MiB of maxima on 10 MiB: overcommitted, admitted */
        assert_int_equal(cp_vm_action(h, names[i], "start"), 200);
    struct cp_reply r = cp_request(h, "POST", "/v1/vms/d/start", NULL);
    assert_int_equal(r.status, 409);
    const char *why = json_string_value(json_object_get(r.json, "error"));
    assert_non_null(why);
    assert_non_null(strstr(why, "cannot start VM 'd': its 4 MiB would bring the running VMs' "
                                "maximum memory to 16 MiB, above the 15 MiB allowed "
                                "(1.50 x 10 MiB of host memory; mica daemon --overcommit RATIO)"));
    cp_reply_free(&r);
    assert_string_equal(cp_vm_state(h, "d"), "defined");
    r = cp_request(h, "GET", "/v1/memory", NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "host_mib")), 10);
    assert_int_equal(json_integer_value(json_object_get(r.json, "limit_mib")), 15);
    assert_int_equal(json_integer_value(json_object_get(r.json, "committed_mib")), 12);
    cp_reply_free(&r);
    assert_int_equal(cp_vm_action(h, "a", "destroy"), 200);
    assert_int_equal(cp_vm_action(h, "d", "start"), 200);
}

static void test_daemon_options_are_checked(void **state)
{
    struct cp_harness *h = *state;
    char *out = NULL, *err = NULL;
    assert_int_equal(cp_cli(h, NULL, &out, &err, "daemon", "--overcommit", "0", NULL), 125);
    assert_non_null(strstr(err, "--overcommit must be a ratio from 0.1 to 100"));
    free(out), free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "daemon", "--overcommit", "1.5x", NULL), 125);
    free(out), free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "daemon", "--host-mem-mib", "-3", NULL), 125);
    assert_non_null(strstr(err, "--host-mem-mib must be a whole number"));
    free(out), free(err);
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        CP_TEST(test_mem_set_and_its_errors),
        cmocka_unit_test_setup_teardown(test_overcommit_admits_up_to_the_ratio, setup_overcommit,
                                        cp_harness_teardown),
        CP_TEST(test_daemon_options_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
