/* Fuzzes mica-runc's readers of caller-written JSON: a bundle's
 * config.json (oci/oci_config.h) and the state store's state.json
 * (oci/oci_state.h). Whatever comes in, a parse that succeeds leaves fields
 * within their documented bounds. */
#include <stdlib.h>
#include <string.h>

#include "mica/abi.h"
#include "oci/oci_config.h"
#include "oci/oci_state.h"

static void check_config(const struct oci_config *c)
{
    if (c->argc > OCI_ARGS_MAX || c->envc > OCI_ENV_MAX || c->mem_mib > MICA_MEM_MAX_MIB ||
        (c->mem_mib && c->mem_mib < MICA_MEM_MIN_MIB) || c->cpu_shares > 262144 ||
        strlen(c->rootfs) >= sizeof c->rootfs)
        abort();
    if (c->kind == OCI_VM_PV && (c->argc == 0 || !c->args[0][0]))
        abort();
    if (c->kind == OCI_VM_LINUX && !c->kernel)
        abort();
    for (size_t i = 0; i < c->envc; i++)
        if (!strchr(c->env[i], '=') || c->env[i][0] == '=')
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct oci_config c;
    char err[512];
    if (oci_config_parse((const char *)data, size, "/bundle", &c, err, sizeof err) == 0)
        check_config(&c);
    oci_config_free(&c);
    struct oci_state st;
    if (oci_state_parse((const char *)data, size, &st, err, sizeof err) == 0) {
        if (st.pid <= 0 || strlen(st.id) >= sizeof st.id || strlen(st.kind) >= sizeof st.kind)
            abort();
        oci_state_free(&st);
    }
    return 0;
}
