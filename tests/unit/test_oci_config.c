/* config.json as mica-runc reads it (oci/oci_config.h): a good bundle's
 * mapping, and hostile or malformed ones refused with one line naming the
 * field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mica/abi.h"
#include "oci/oci_config.h"
#include "support/test_text.h"

static struct oci_config c;
static char err[1024];

static int parse(const char *json)
{
    oci_config_free(&c);
    err[0] = 0;
    return oci_config_parse(json, strlen(json), "/bundle", &c, err, sizeof err);
}

/* A good config with `extra` spliced in at the top level. */
static int parse_with(const char *process, const char *extra)
{
    char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":%s%s%s}",
             process ? process : "{\"args\":[\"/app.elf\",\"a\"]}", extra ? "," : "",
             extra ? extra : "");
    return parse(buf);
}

#define REFUSED(rc, needle)                                                                        \
    do {                                                                                           \
        assert_int_equal((rc), -1);                                                                \
        assert_contains(err, needle);                                                              \
    } while (0)

static void good_bundle_maps_to_a_vm(void **state)
{
    (void)state;
    assert_int_equal(
        parse_with("{\"terminal\":true,\"args\":[\"/app.elf\",\"3\",\"x y\"],"
                   "\"env\":[\"PATH=/bin\",\"OCI_GREETING=hi there\"],\"cwd\":\"/\",\"user\":{\"uid\":0}}",
                   "\"linux\":{\"resources\":{\"memory\":{\"limit\":67108864},\"cpu\":{\"shares\":512}},"
                   "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"}]},"
                   "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"}],"
                   "\"annotations\":{\"io.kubernetes.x\":\"y\"},\"hooks\":{\"prestart\":[]}"),
        0);
    assert_string_equal(c.rootfs, "/bundle/rootfs");
    assert_int_equal(c.argc, 3);
    assert_string_equal(c.args[0], "/app.elf");
    assert_string_equal(c.args[2], "x y");
    assert_int_equal(c.envc, 2);
    assert_string_equal(c.env[1], "OCI_GREETING=hi there");
    assert_true(c.terminal);
    assert_int_equal(c.mem_mib, 64);
    assert_int_equal(c.cpu_shares, 512);
    assert_int_equal(c.kind, OCI_VM_PV);
    assert_int_equal(c.netns, OCI_NETNS_NEW);
    assert_non_null(c.annotations);
}

static void linux_kind_and_network_path(void **state)
{
    (void)state;
    assert_int_equal(parse_with("{\"args\":[]}",
                                "\"annotations\":{\"org.mica.kind\":\"linux\",\"org.mica.kernel\":"
                                "\"/boot/vmlinuz\",\"org.mica.initrd\":\"/boot/initrd\","
                                "\"org.mica.cmdline\":\"console=ttyS0\"},\"linux\":{\"namespaces\":"
                                "[{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}]},"
                                "\"root\":{\"path\":\"/abs/root\"}"),
                     -1); /* root given twice: a duplicate key */
    REFUSED(-1, "duplicate");
    assert_int_equal(parse("{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"/abs/root\"},"
                           "\"process\":{\"args\":[]},\"annotations\":{\"org.mica.kind\":\"linux\","
                           "\"org.mica.kernel\":\"/boot/vmlinuz\",\"org.mica.cmdline\":\"quiet\"},"
                           "\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":"
                           "\"/proc/1/ns/net\"}]}}"),
                     0);
    assert_int_equal(c.kind, OCI_VM_LINUX);
    assert_string_equal(c.kernel, "/boot/vmlinuz");
    assert_null(c.initrd);
    assert_string_equal(c.cmdline, "quiet");
    assert_string_equal(c.rootfs, "/abs/root");
    assert_int_equal(c.netns, OCI_NETNS_JOIN);
    assert_string_equal(c.netns_path, "/proc/1/ns/net");
}

static void malformed_documents(void **state)
{
    (void)state;
    REFUSED(parse(""), "config.json: line");
    REFUSED(parse("{\"ociVersion\":"), "config.json: line 1");
    REFUSED(parse("[1,2]"), "not a JSON object");
    REFUSED(parse("{\"root\":{\"path\":\"r\"}}"), "ociVersion must be 1.x");
    REFUSED(parse("{\"ociVersion\":\"2.0\"}"), "ociVersion must be 1.x");
    REFUSED(parse("{\"ociVersion\":7}"), "ociVersion must be 1.x");
    REFUSED(parse("{\"ociVersion\":\"1.0\",\"process\":{\"args\":[\"/a\"]}}"), "root.path is missing");
    REFUSED(parse("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"\"},\"process\":{\"args\":[\"/a\"]}}"),
            "root.path is missing");
    REFUSED(parse("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"}}"), "process is missing");
    REFUSED(parse("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":[]}"),
            "process is missing");
    char big[OCI_CONFIG_MAX + 2];
    memset(big, ' ', sizeof big);
    oci_config_free(&c);
    assert_int_equal(oci_config_parse(big, sizeof big, "/b", &c, err, sizeof err), -1);
    assert_contains(err, "larger than");
}

static void hostile_process_fields(void **state)
{
    (void)state;
    REFUSED(parse_with("{\"args\":\"/app.elf\"}", NULL), "process.args must be an array");
    REFUSED(parse_with("{\"args\":[\"/app.elf\",7]}", NULL), "process.args[1] must be a string");
    REFUSED(parse_with("{\"args\":[\"/app\\u0000.elf\"]}", NULL), "is not allowed");
    REFUSED(parse_with("{\"args\":[]}", NULL), "process.args is empty");
    REFUSED(parse_with("{\"args\":[\"\"]}", NULL), "process.args is empty");
    REFUSED(parse_with("{}", NULL), "process.args is empty");
    REFUSED(parse_with("{\"args\":[\"/a\"],\"terminal\":\"yes\"}", NULL), "process.terminal");
    REFUSED(parse_with("{\"args\":[\"/a\"],\"env\":[\"NOEQUALS\"]}", NULL), "process.env[0]");
    REFUSED(parse_with("{\"args\":[\"/a\"],\"env\":[\"=v\"]}", NULL), "not NAME=VALUE");
    REFUSED(parse_with("{\"args\":[\"/a\"],\"env\":{\"A\":\"b\"}}", NULL), "process.env must be");

    /* Too many entries, one too long, or all together beyond start_info. */
    char *buf = malloc(1 << 20);
    size_t n = (size_t)sprintf(buf, "{\"args\":[\"/a\"");
    for (int i = 0; i < OCI_ARGS_MAX; i++)
        n += (size_t)sprintf(buf + n, ",\"x\"");
    sprintf(buf + n, "]}");
    REFUSED(parse_with(buf, NULL), "mica takes at most");
    n = (size_t)sprintf(buf, "{\"args\":[\"/a\",\"");
    memset(buf + n, 'y', 5000);
    sprintf(buf + n + 5000, "\"]}");
    REFUSED(parse_with(buf, NULL), "process.args[1] must be a string of at most");
    n = (size_t)sprintf(buf, "{\"args\":[\"/a\"],\"env\":[");
    for (int i = 0; i < 100; i++)
        n += (size_t)sprintf(buf + n, "%s\"V%d=%040d\"", i ? "," : "", i, i);
    sprintf(buf + n, "]}");
    REFUSED(parse_with(buf, NULL), "a mica guest receives at most");
    free(buf);
}

static void resources(void **state)
{
    (void)state;
#define LINUX(res) "\"linux\":{\"resources\":" res "}"
    assert_int_equal(parse_with(NULL, LINUX("{\"memory\":{\"limit\":-1}}")), 0);
    assert_int_equal(c.mem_mib, 0); /* no limit: mica's default size */
    assert_int_equal(parse_with(NULL, LINUX("{\"memory\":{\"limit\":9223372036854775807}}")), 0);
    assert_int_equal(c.mem_mib, MICA_MEM_MAX_MIB); /* a ceiling: the largest VM honours it */
    REFUSED(parse_with(NULL, LINUX("{\"memory\":{\"limit\":1048576}}")), "below the 2 MiB");
    REFUSED(parse_with(NULL, LINUX("{\"memory\":{\"limit\":0}}")), "below the 2 MiB");
    REFUSED(parse_with(NULL, LINUX("{\"memory\":{\"limit\":-5}}")), "memory.limit must be an integer");
    REFUSED(parse_with(NULL, LINUX("{\"memory\":{\"limit\":\"1G\"}}")), "memory.limit");
    REFUSED(parse_with(NULL, LINUX("{\"memory\":{\"limit\":1.5e9}}")), "memory.limit");
    REFUSED(parse_with(NULL, LINUX("{\"memory\":{\"limit\":1e400}}")), "config.json");
    REFUSED(parse_with(NULL, LINUX("{\"cpu\":{\"shares\":-1}}")), "cpu.shares");
    REFUSED(parse_with(NULL, LINUX("{\"cpu\":{\"shares\":99999999999}}")), "cpu.shares");
    REFUSED(parse_with(NULL, "\"linux\":[]"), "linux must be an object");
    REFUSED(parse_with(NULL, "\"linux\":{\"namespaces\":{}}"), "linux.namespaces must be an array");
    REFUSED(parse_with(NULL, "\"linux\":{\"namespaces\":[{\"path\":\"/x\"}]}"), "has no type");
    REFUSED(parse_with(NULL, "\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":3}]}"),
            "path must be a string");
#undef LINUX
}

static void annotations_and_hooks(void **state)
{
    (void)state;
    REFUSED(parse_with(NULL, "\"annotations\":[]"), "annotations must be an object");
    REFUSED(parse_with(NULL, "\"annotations\":{\"a\":1}"), "annotation 'a' must be a string");
    REFUSED(parse_with(NULL, "\"annotations\":{\"org.mica.kidn\":\"pv\"}"), "unknown mica annotation");
    REFUSED(parse_with(NULL, "\"annotations\":{\"org.mica.kind\":\"xen\"}"), "give pv or linux");
    REFUSED(parse_with(NULL, "\"annotations\":{\"org.mica.kind\":\"linux\"}"), "needs org.mica.kernel");
    REFUSED(parse_with(NULL, "\"annotations\":{\"org.mica.kernel\":\"/k\"}"), "need org.mica.kind=linux");
    REFUSED(parse_with(NULL, "\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\"}]}"),
            "hooks.prestart: mica-runc runs no OCI hooks");
}

static void pod_sandbox_gets_no_vm(void **state)
{
    (void)state;
    assert_int_equal(parse_with("{\"args\":[\"/pause\"]}",
                                "\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\"}"),
                     0);
    assert_int_equal(c.kind, OCI_VM_NONE);
    assert_int_equal(parse_with("{\"args\":[\"/pause\"]}",
                                "\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"sandbox\"}"),
                     0);
    assert_int_equal(c.kind, OCI_VM_NONE);
    assert_int_equal(parse_with(NULL, "\"annotations\":{\"io.kubernetes.cri.container-type\":"
                                      "\"container\"}"),
                     0);
    assert_int_equal(c.kind, OCI_VM_PV);
}

static void load_from_a_bundle(void **state)
{
    (void)state;
    char dir[] = "/tmp/mica-oci-config-XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    oci_config_free(&c);
    assert_int_equal(oci_config_load(dir, &c, err, sizeof err), -1);
    assert_contains(err, "config.json");
    assert_contains(err, "No such file");
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"/g\"]}}", f);
    fclose(f);
    oci_config_free(&c);
    assert_int_equal(oci_config_load(dir, &c, err, sizeof err), 0);
    char want[160];
    snprintf(want, sizeof want, "%s/rootfs", dir);
    assert_string_equal(c.rootfs, want);
    unlink(path);
    rmdir(dir);
}

static int teardown(void **state)
{
    (void)state;
    oci_config_free(&c);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(good_bundle_maps_to_a_vm, teardown),
        cmocka_unit_test_teardown(linux_kind_and_network_path, teardown),
        cmocka_unit_test_teardown(malformed_documents, teardown),
        cmocka_unit_test_teardown(hostile_process_fields, teardown),
        cmocka_unit_test_teardown(resources, teardown),
        cmocka_unit_test_teardown(annotations_and_hooks, teardown),
        cmocka_unit_test_teardown(pod_sandbox_gets_no_vm, teardown),
        cmocka_unit_test_teardown(load_from_a_bundle, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
