/* The getopt_long loop shared by mica's option parsers. */
#ifndef MICA_CLI_OPTION_LOOP_H
#define MICA_CLI_OPTION_LOOP_H

#include <getopt.h>
#include <stddef.h>

typedef int (*option_apply_fn)(int opt, void *ctx, char *err, size_t errlen);

/* Resets getopt (parsers run many times in one process: tests, --reboot),
 * then hands each option of argv[0..argc) to apply (its value in optarg).
 * Returns 0 with optind at the first operand, or -1 with one line in err
 * for a missing value, an unknown option or apply's own error. */
int option_loop(int argc, char **argv, const struct option *longopts, option_apply_fn apply,
                void *ctx, char *err, size_t errlen);

#endif
