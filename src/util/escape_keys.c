#include "util/escape_keys.h"

#include <string.h>
#include <unistd.h>

const char escape_keys_help[] =
    "Ctrl-A x  detach    Ctrl-A c  send Ctrl-C    Ctrl-A Ctrl-A  send Ctrl-A    "
    "Ctrl-A ?  this help\r\n";
const char escape_keys_run_help[] =
    "Ctrl-] or Ctrl-A x  stop mica    Ctrl-A c  send Ctrl-C to the guest    "
    "Ctrl-A Ctrl-A  send Ctrl-A    Ctrl-A ?  this help\r\n";

/* The key after Ctrl-A: an action, or the bytes it stands for. */
static enum escape_action after_prefix(char c, char *out, size_t *len)
{
    switch (c) {
    case 'x': case 'X': return ESCAPE_QUIT;
    case '?': case 'h': case 'H': return ESCAPE_HELP;
    case 'c': case 'C': out[(*len)++] = 0x03; return ESCAPE_NONE;
    case ESCAPE_KEYS_PREFIX: out[(*len)++] = ESCAPE_KEYS_PREFIX; return ESCAPE_NONE;
    default:
        out[(*len)++] = ESCAPE_KEYS_PREFIX;
        out[(*len)++] = c;
        return ESCAPE_NONE;
    }
}

enum escape_action escape_keys_filter(struct escape_keys *k, const char *in, size_t n,
                                      char *out, size_t *out_len, size_t *used)
{
    *out_len = 0;
    for (size_t i = 0; i < n; i++) {
        enum escape_action a = ESCAPE_NONE;
        if (k->prefix) {
            k->prefix = false;
            a = after_prefix(in[i], out, out_len);
        } else if (k->quit_key >= 0 && (unsigned char)in[i] == k->quit_key) {
            a = ESCAPE_QUIT;
        } else if (in[i] == ESCAPE_KEYS_PREFIX) {
            k->prefix = true;
        } else {
            out[(*out_len)++] = in[i];
        }
        if (a != ESCAPE_NONE) {
            *used = i + 1;
            return a;
        }
    }
    *used = n;
    return ESCAPE_NONE;
}

enum escape_action escape_keys_apply(struct escape_keys *k, const char *in, size_t n, char *out,
                                     size_t *out_len, const char *help, int help_fd)
{
    *out_len = 0;
    for (size_t at = 0; at < n;) {
        size_t len, used;
        enum escape_action a = escape_keys_filter(k, in + at, n - at, out + *out_len, &len, &used);
        at += used;
        *out_len += len;
        if (a == ESCAPE_QUIT)
            return ESCAPE_QUIT;
        if (a == ESCAPE_HELP && help_fd >= 0)
            (void)!write(help_fd, help, strlen(help)); /* a hint: a short write loses little */
    }
    return ESCAPE_NONE;
}
