/* mica mem-set NAME MIB: the balloon target of a running VM (xl mem-set). */
#include "cli/cp_client.h"
#include "cli/cp_commands.h"
#include "util/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_mem_set(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) == 0)
            return cp_bad_option(argv[0], argv[i]);
    if (argc != 3)
        return cp_usage(argv[0], argc < 3 ? "a VM NAME and a target in MiB are needed"
                                          : "one VM NAME and one target only");
    uint64_t mib;
    if (parse_u64(argv[2], 1, 1u << 20, &mib) < 0) {
        char why[128];
        snprintf(why, sizeof why, "'%s' is not a target in MiB (a whole number, 1 or more)", argv[2]);
        return cp_usage(argv[0], why);
    }
    char *path = cp_vm_path(argv[1], "/memory");
    if (!path)
        return 1;
    char what[128];
    snprintf(what, sizeof what, "mem-set %s", argv[1]);
    json_t *body = json_pack("{s:I}", "target_mib", (json_int_t)mib), *vm = NULL;
    int rc = cp_call(what, "POST", path, body, &vm);
    if (rc == 0)
        printf("%s: memory target %llu MiB (maximum %lld MiB); the guest's balloon driver follows it\n",
               argv[1], (unsigned long long)mib,
               (long long)json_integer_value(json_object_get(vm, "mem_mib")));
    json_decref(vm);
    json_decref(body);
    free(path);
    return rc;
}
