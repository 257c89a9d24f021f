/* The `mica` subcommands; each takes its own argv (argv[0] = its name) and
 * returns the process exit status. */
#ifndef MICA_CLI_COMMANDS_H
#define MICA_CLI_COMMANDS_H

int cmd_run(int argc, char **argv);

/* `mica run --kernel ...`: boots a Linux kernel on a virtual PC (full
 * virtualization); cmd_run hands over when it sees --kernel. */
int cmd_run_linux(int argc, char **argv);

/* `mica cell`: several PV guests in one process under mica's dispatcher. */
int cmd_cell(int argc, char **argv);
/* `mica switch PATH`: a virtual switch and firewall-router for VIFs. */
int cmd_switch(int argc, char **argv);
/* `mica oci ...` and the binary named mica-runc: the runc-compatible OCI
 * runtime (oci/oci_runtime.h, docs/oci.md). */
int cmd_oci(int argc, char **argv);

#endif
