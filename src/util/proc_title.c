#include "util/proc_title.h"

#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>

static char *area;
static size_t area_len;

void proc_title_init(int argc, char **argv)
{
    if (argc < 1 || !argv[0])
        return;
    char *end = argv[0] + strlen(argv[0]) + 1;
    for (int i = 1; i < argc && argv[i] == end; i++)
        end = argv[i] + strlen(argv[i]) + 1;
    area = argv[0];
    area_len = (size_t)(end - area);
}

/* Appends s at *at, leaving the last byte for the NUL. */
static void append(const char *s, size_t *at)
{
    while (*s && *at + 1 < area_len)
        area[(*at)++] = *s++;
}

void proc_title_set(const char *what, const char *detail)
{
    prctl(PR_SET_NAME, (unsigned long)what, 0, 0, 0);
    if (!area)
        return;
    size_t at = 0;
    append(what, &at);
    if (detail && *detail) {
        append(" ", &at);
        append(detail, &at);
    }
    memset(area + at, 0, area_len - at); /* no leftover of the old arguments */
}
