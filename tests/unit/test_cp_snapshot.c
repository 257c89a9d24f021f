/* mica save / snapshot / restore / clone through a real daemon with fake
 * VMs (tests/support/cp_fake_vm.h): the file reaches the VM as a
 * descriptor opened with the client's rights, a save ends the VM and a
 * snapshot does not; a VM is defined from a snapshot only when the file
 * passes its checks, and a name that exists or a bad file leaves nothing
 * behind. Real snapshots come from a KVM-less testbed domain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"
#include "support/pv_testbed.h"

#include "snap/pv_snap.h"

static const char *file_in(struct cp_harness *h, const char *name)
{
    static char path[4][PATH_MAX];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", h->dir, name);
    return p;
}

static char *text_of(const char *path)
{
    static char buf[4096];
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        buf[fread(buf, 1, sizeof buf - 1, f)] = 0;
        fclose(f);
    }
    return buf;
}

/* A real snapshot of a 2 MiB testbed domain that was called `name`. */
static const char *real_snapshot(struct cp_harness *h, const char *name)
{
    const char *path = file_in(h, "real.snap");
    struct pv_domain *d = testbed_domain(2);
    snprintf(d->name, sizeof d->name, "%s", name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    char err[256];
    assert_int_equal(pv_snap_save(d, fd, path, err, sizeof err), 0);
    close(fd);
    pv_domain_destroy(d);
    return path;
}

static int count_vms(struct cp_harness *h)
{
    struct cp_reply r = cp_request(h, "GET", "/v1/vms", NULL);
    int n = (int)json_array_size(json_object_get(r.json, "vms"));
    cp_reply_free(&r);
    return n;
}

static void test_save_and_snapshot(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "web", "run"), 201);
    assert_int_equal(cp_vm_action(h, "web", "start"), 200);
    char *out = NULL, *err = NULL;
    const char *snap = file_in(h, "web.snap");
    assert_int_equal(cp_cli(h, NULL, &out, &err, "snapshot", "web", snap, NULL), 0);
    assert_non_null(strstr(out, "web snapshot saved to"));
    assert_string_equal(text_of(snap), "fake snapshot of web\n");
    assert_string_equal(cp_vm_state(h, "web"), "running"); /* a snapshot runs on */
    free(out), free(err);
    const char *saved = file_in(h, "web.saved");
    assert_int_equal(cp_cli(h, NULL, &out, &err, "save", "web", saved, NULL), 0);
    assert_string_equal(text_of(saved), "fake snapshot of web\n");
    assert_true(cp_wait_state(h, "web", "shutdown")); /* a save ends it */
    free(out), free(err);
}

static void test_save_refusals(void **state)
{
    struct cp_harness *h = *state;
    char *out = NULL, *err = NULL;
    const char *file = file_in(h, "nobody.snap");
    assert_int_not_equal(cp_cli(h, NULL, &out, &err, "save", "nobody", file, NULL), 0);
    assert_non_null(strstr(err, "nobody"));
    assert_int_not_equal(access(file, F_OK), 0); /* no half-made snapshot left */
    free(out), free(err);
    assert_int_equal(cp_create_vm(h, "idle", "run"), 201);
    assert_int_not_equal(cp_cli(h, NULL, &out, &err, "save", "idle", file, NULL), 0);
    assert_non_null(strstr(err, "it is defined"));
    free(out), free(err);
    assert_int_equal(cp_status(h, "POST", "/v1/vms/idle/save", "{\"file\":\"rel.snap\"}"), 400);
    assert_int_equal(cp_status(h, "POST", "/v1/vms/idle/save", "{}"), 400);
    assert_int_equal(cp_status(h, "POST", "/v1/vms/idle/snapshot", NULL), 400);
}

static void test_restore_and_clone(void **state)
{
    struct cp_harness *h = *state;
    const char *snap = real_snapshot(h, "saved-one");
    char *out = NULL, *err = NULL;
    assert_int_equal(cp_cli(h, NULL, &out, &err, "restore", snap, NULL), 0);
    assert_non_null(strstr(out, "saved-one restored from"));
    free(out), free(err);
    assert_true(cp_wait_state(h, "saved-one", "running"));
    struct cp_reply r = cp_request(h, "GET", "/v1/vms/saved-one", NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "kind")), "restore");
    assert_int_equal(json_integer_value(json_object_get(r.json, "mem_mib")), 2);
    cp_reply_free(&r);
    cp_sleep_ms(200);
    r = cp_request(h, "GET", "/v1/vms/saved-one/logs", NULL);
    assert_non_null(strstr(r.body, "restored from a snapshot"));
    cp_reply_free(&r);
    /* The name exists: refused, nothing changed. */
    int before = count_vms(h);
    assert_int_not_equal(cp_cli(h, NULL, &out, &err, "restore", snap, NULL), 0);
    assert_non_null(strstr(err, "saved-one"));
    assert_int_equal(count_vms(h), before);
    free(out), free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "clone", snap, "c1", "c2", "c3", NULL), 0);
    free(out), free(err);
    static const char *const clones[] = {"c1", "c2", "c3"};
    for (int i = 0; i < 3; i++)
        assert_true(cp_wait_state(h, clones[i], "running"));
    r = cp_request(h, "GET", "/v1/vms/c2", NULL);
    assert_string_equal(json_string_value(json_object_get(r.json, "kind")), "clone");
    assert_string_equal(json_string_value(json_object_get(r.json, "snapshot")), snap);
    cp_reply_free(&r);
}

static void test_bad_snapshot_defines_nothing(void **state)
{
    struct cp_harness *h = *state;
    const char *bad = file_in(h, "bad.snap");
    FILE *f = fopen(bad, "w");
    fputs("MICASNAP, truncated", f);
    fclose(f);
    char *out = NULL, *err = NULL;
    assert_int_not_equal(cp_cli(h, NULL, &out, &err, "restore", bad, "--name", "x", NULL), 0);
    assert_non_null(strstr(err, "refused"));
    free(out), free(err);
    char body[PATH_MAX + 64];
    snprintf(body, sizeof body, "{\"name\":\"x\",\"snapshot\":\"%s\"}", bad);
    struct cp_reply r = cp_request(h, "POST", "/v1/vms", body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "refused"));
    cp_reply_free(&r);
    assert_string_equal(cp_vm_state(h, "x"), "absent");
    snprintf(body, sizeof body, "{\"name\":\"y\",\"snapshot\":\"%s\",\"guest\":\"/g\"}", bad);
    assert_int_equal(cp_status(h, "POST", "/v1/vms", body), 400);
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        CP_TEST(test_save_and_snapshot),
        CP_TEST(test_save_refusals),
        CP_TEST(test_restore_and_clone),
        CP_TEST(test_bad_snapshot_defines_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
