/* `mica oci ...` / mica-runc: the OCI runtime (src/oci/) with `mica run`
 * as the VM process's body. */
#include "cli/commands.h"
#include "oci/oci_runtime.h"

int cmd_oci(int argc, char **argv)
{
    return oci_main(argc, argv, cmd_run);
}
