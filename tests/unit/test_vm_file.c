/* VM definition files (cli/vm_file.c): both formats, the round trip of
 * export's key = value text, and hostile files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cli/vm_file.h"

#include <stdlib.h>
#include <string.h>

static json_t *parse(const char *text, char *why)
{
    return vm_file_parse(text, strlen(text), why, 256);
}

static void refused(const char *text, const char *reason)
{
    char why[256] = "";
    json_t *spec = parse(text, why);
    if (spec || !strstr(why, reason))
        fail_msg("'%s': expected refusal '%s', got '%s'", text, reason, why);
}

static void test_key_value(void **state)
{
    (void)state;
    char why[256];
    json_t *spec = parse("# web server\n\nname = web\r\nguest = /g.elf\n  mem = 8\n"
                         "arg = a b\narg = \" x\"\narg = \"\"\nautostart = yes\n",
                         why);
    assert_non_null(spec);
    char *text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"args\":[\"a b\",\" x\",\"\"],\"autostart\":true,"
                              "\"guest\":\"/g.elf\",\"mem_mib\":8,\"name\":\"web\"}");
    free(text);
    json_decref(spec);
    spec = parse("kernel=/k\ndisk=/d1,ro\ndisk=/d2\nrng=off\ncpus=2\ncmdline = console=ttyS0 x=\"1\"\n",
                 why);
    text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"cmdline\":\"console=ttyS0 x=\\\"1\\\"\",\"disks\":[{\"path\":"
                              "\"/d1\",\"readonly\":true},{\"path\":\"/d2\",\"readonly\":false}],"
                              "\"kernel\":\"/k\",\"rng\":false,\"vcpus\":2}");
    free(text);
    json_decref(spec);
}

static void test_json(void **state)
{
    (void)state;
    char why[256];
    json_t *spec = parse("  {\"name\": \"a\", \"guest\": \"/g\"}", why);
    assert_string_equal(json_string_value(json_object_get(spec, "name")), "a");
    json_decref(spec);
    refused("{\"name\": \"a\",\n \"name\": \"b\"}", "line 2");
    refused("{\"name\": ", "line 1, column");
}

static void test_hostile(void **state)
{
    (void)state;
    refused("name = a\nbogus = 1\n", "line 2: unknown key 'bogus'");
    refused("name = a\nname = b\n", "line 2: 'name' is given twice");
    refused("mem = -1\n", "line 1: 'mem' wants a whole number");
    refused("mem = 99999999999\n", "wants a whole number");
    refused("vcpus = 2x\n", "wants a whole number");
    refused("rng = maybe\n", "line 1: 'rng' wants true or false");
    refused("just words\n", "line 1: expected 'key = value'");
    refused(" = x\n", "no key before '='");
    refused("name = \xff\xfe\n", "not UTF-8");
    refused("disk = /d\xcf\n", "line 1: the value of 'disk' is not UTF-8"); /* found by fuzz_vm_file */
    refused("arg = \xcf\n", "the value of 'arg' is not UTF-8");
    char nul[] = "name = a\0b\n";
    char why[256] = "";
    assert_null(vm_file_parse(nul, sizeof nul - 1, why, sizeof why));
    assert_non_null(strstr(why, "line 1: a NUL byte"));
    size_t big = VM_FILE_MAX_LINE + 10;
    char *long_line = malloc(big + 1);
    memset(long_line, 'a', big);
    long_line[big] = '\0';
    long_line[0] = '#';
    assert_null(vm_file_parse(long_line, big, why, sizeof why));
    assert_non_null(strstr(why, "line 1: longer than 4096 bytes"));
    free(long_line);
}

/* export's lines read back as the same definition, awkward values included. */
static void test_kv_round_trip(void **state)
{
    (void)state;
    json_t *spec = json_pack("{s:s,s:s,s:s,s:i,s:i,s:b,s:[s,s,s,s,s]}", "name", "w", "kind", "pv",
                             "guest", "/p a/g", "mem_mib", 8, "vcpus", 1, "autostart", 1, "args",
                             " lead", "\"quoted\"", "", "#hash", "a=b");
    char why[256];
    char *text = vm_file_format_kv(spec, why, sizeof why);
    assert_non_null(text);
    json_t *back = parse(text, why);
    if (!json_equal(spec, back))
        fail_msg("round trip changed the definition: %s", text);
    free(text);
    json_decref(back);
    json_object_set_new(spec, "args", json_pack("[s]", "two\nlines"));
    assert_null(vm_file_format_kv(spec, why, sizeof why));
    assert_non_null(strstr(why, "use JSON"));
    json_decref(spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_value),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_kv_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
