/* `features`: what this runtime supports, in the runtime spec's format. */
#include <jansson.h>
#include <stdio.h>

#include "oci/oci_config.h"
#include "oci/oci_runtime.h"

/* What this runtime supports, in the runtime spec's features format. */
int oci_features(const struct oci_runtime *rt, int argc, char **argv)
{
    (void)rt, (void)argc, (void)argv;
    json_t *j = json_pack(
        "{s:s, s:s, s:[], s:[], s:{s:[s], s:{s:b}}, s:{s:s, s:s, s:s, s:s}}", "ociVersionMin",
        "1.0.0", "ociVersionMax", "1.1.0", "hooks", "mountOptions", "linux", "namespaces",
        "network", "cgroup", "v2", 0, "annotations", OCI_ANN_KIND, "pv or linux", OCI_ANN_KERNEL,
        "kernel path in the rootfs", OCI_ANN_INITRD, "initrd path in the rootfs", OCI_ANN_CMDLINE,
        "kernel command line");
    json_dumpf(j, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(j);
    return 0;
}
