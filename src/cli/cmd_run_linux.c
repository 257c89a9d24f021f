/* `mica run --kernel`: full virtualization. Not wired to a machine yet. */
#include "cli/commands.h"
#include "cli/exit_status.h"
#include "util/log.h"

int cmd_run_linux(int argc, char **argv)
{
    (void)argc, (void)argv;
    mica_error("run --kernel: full virtualization is not available in this build yet");
    return MICA_STATUS_ERROR;
}
