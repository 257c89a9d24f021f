/* `mica run --kernel ...` options, parsed without side effects so tests
 * and the reboot loop can use them freely. */
#ifndef MICA_CLI_RUN_FV_OPTIONS_H
#define MICA_CLI_RUN_FV_OPTIONS_H

#include <stddef.h>

#include "fv/fv_options.h"

/* argv[0] is "run". 0, or -1 with one line in err. */
int fv_options_parse(int argc, char **argv, struct fv_options *o, char *err, size_t errlen);

extern const char fv_usage[];

#endif
