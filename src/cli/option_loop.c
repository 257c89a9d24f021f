#include "cli/option_loop.h"

#include "util/errmsg.h"

int option_loop(int argc, char **argv, const struct option *longopts, option_apply_fn apply,
                void *ctx, char *err, size_t errlen)
{
    optind = 0; /* full reset, not just the next argv */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == ':')
            return errmsg(err, errlen, -1, "option '%s' needs a value", argv[optind - 1]);
        if (c == '?')
            return errmsg(err, errlen, -1, "unknown option '%s' (see 'mica %s --help')",
                          argv[optind - 1], argv[0]);
        if (apply(c, ctx, err, errlen) < 0)
            return -1;
    }
    return 0;
}
