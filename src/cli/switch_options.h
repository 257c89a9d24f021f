/* `mica switch` options, parsed without side effects so tests can feed it
 * any argv. */
#ifndef MICA_CLI_SWITCH_OPTIONS_H
#define MICA_CLI_SWITCH_OPTIONS_H

#include <stddef.h>

#include "run/net_switch.h"

/* argv[0] is "switch". 0, 1 for --help, or -1 with one line in err. */
int switch_options_parse(int argc, char **argv, struct net_switch_config *c, char *err,
                         size_t errlen);

extern const char switch_usage[];

#endif
