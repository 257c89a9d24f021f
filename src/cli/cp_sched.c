/* mica sched: a VM's BVT parameters (weight, warp, warp limit, unwarp),
 * read and changed while it runs, like `xl sched-credit` or CP's SET
 * SHARE. Only VMs run by a dispatcher have them: today the guests of a
 * `mica cell --control DIR`, reached at DIR/NAME.sock. */
#include "cli/cli_usage.h"
#include "cli/cp_commands.h"
#include "ctl/vm_control_client.h"
#include "ctl/vm_control_sched.h"
#include "util/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHED_TIMEOUT_MS 5000

static const char *const number_options[][2] = {
    {"--weight", "weight"},
    {"--warp-us", "warp_us"},
    {"--warp-limit-us", "warp_limit_us"},
    {"--unwarp-us", "unwarp_us"},
};

/* --OPTION VALUE into req[key]; 1 when argv[i] was one, -1 bad value, 0 not one. */
static int number_option(int argc, char **argv, int i, json_t *req)
{
    for (size_t k = 0; k < sizeof number_options / sizeof number_options[0]; k++) {
        if (strcmp(argv[i], number_options[k][0]) != 0)
            continue;
        uint64_t v;
        if (i + 1 >= argc || parse_u64(argv[i + 1], 0, VM_CONTROL_SCHED_US_MAX, &v) < 0)
            return -1;
        json_object_set_new(req, number_options[k][1], json_integer((json_int_t)v));
        return 1;
    }
    return 0;
}

static void print_sched(const json_t *s)
{
#define F(key) ((long long)json_integer_value(json_object_get(s, key)))
    printf("weight %lld  warp %lld us  warp limit %lld us  unwarp %lld us\n", F("weight"), F("warp_us"),
           F("warp_limit_us"), F("unwarp_us"));
    printf("ran %.1f ms  virtual time: actual %lld, effective %lld, scheduler %lld%s\n",
           (double)F("run_ns") / 1e6, F("avt"), F("evt"), F("svt"),
           json_is_true(json_object_get(s, "warping")) ? "  (warping)" : "");
#undef F
}

static int request(const char *socket, json_t *req, int json_out)
{
    struct cp_error err = {0};
    json_t *reply = NULL;
    int rc = vmctl_request_json(socket, req, SCHED_TIMEOUT_MS, &reply, &err);
    json_decref(req);
    if (rc < 0) {
        fprintf(stderr, "mica: sched: %s\n", err.message);
        return 1;
    }
    json_t *s = json_object_get(reply, "sched");
    if (json_out) {
        char *text = json_dumps(s, JSON_COMPACT);
        printf("%s\n", text ? text : "{}");
        free(text);
    } else {
        print_sched(s);
    }
    json_decref(reply);
    return 0;
}

int cmd_sched(int argc, char **argv)
{
    const char *control = NULL, *name = NULL;
    int json_out = 0;
    json_t *req = json_pack("{s:s}", "cmd", "sched");
    for (int i = 1; i < argc; i++) {
        int n = number_option(argc, argv, i, req);
        if (n < 0) {
            json_decref(req);
            return cp_usage(argv[0], "give a number (microseconds; weight 1..10000) after each option");
        }
        if (n > 0)
            i++;
        else if (!strcmp(argv[i], "--control") && i + 1 < argc)
            control = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            json_out = 1;
        else if (strncmp(argv[i], "--", 2) == 0) {
            json_decref(req);
            return cp_bad_option(argv[0], argv[i]);
        } else if (!name)
            name = argv[i];
        else {
            json_decref(req);
            return cp_usage(argv[0], "one VM only");
        }
    }
    if (!control) {
        json_decref(req);
        if (!name)
            return cp_usage(argv[0], "which VM? (--control SOCKET)");
        fprintf(stderr, "mica: sched %s: the daemon runs each VM in its own process, where BVT "
                        "parameters have no effect; VMs in a cell (mica cell --control DIR) are "
                        "reached with --control DIR/NAME.sock\n", name);
        return 1;
    }
    return request(control, req, json_out);
}
