/* oci_fail: runc's error convention. containerd's shim shows the last
 * "error" line of the --log file (in JSON) as the reason a call failed. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "oci/oci_runtime.h"

#define LINE_MAX_BYTES 1024

static void log_line(const struct oci_runtime *rt, const char *msg)
{
    if (!rt || !rt->log_path)
        return;
    FILE *f = fopen(rt->log_path, "ae");
    if (!f)
        return;
    char when[40];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    if (rt->log_json) {
        json_t *j = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", msg, "time", when);
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (s)
            fprintf(f, "%s\n", s);
        free(s);
        json_decref(j);
    } else {
        fprintf(f, "time=\"%s\" level=error msg=\"%s\"\n", when, msg);
    }
    fclose(f);
}

int oci_fail(const struct oci_runtime *rt, const char *fmt, ...)
{
    char msg[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "mica-runc: %s\n", msg);
    log_line(rt, msg);
    return 1;
}
