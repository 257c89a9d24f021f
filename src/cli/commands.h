/* The `mica` subcommands; each takes its own argv (argv[0] = its name) and
 * returns the process exit status. */
#ifndef MICA_CLI_COMMANDS_H
#define MICA_CLI_COMMANDS_H

int cmd_run(int argc, char **argv);

#endif
