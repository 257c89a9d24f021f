/*
 * The escape keys of a console viewer (`mica console`), as QEMU's Ctrl-A:
 *   Ctrl-A x     detach (mica console) / quit
 *   Ctrl-A c     send a Ctrl-C to the guest
 *   Ctrl-A ?     list these keys (also Ctrl-A h)
 *   Ctrl-A Ctrl-A  send one Ctrl-A to the guest
 * Every other byte, Ctrl-C and Ctrl-D included, goes to the guest as it
 * is; Ctrl-A followed by another key sends both.  A viewer may also make a
 * single key detach at once (Ctrl-] for `mica console`, as telnet/virsh).
 */
#ifndef MICA_UTIL_ESCAPE_KEYS_H
#define MICA_UTIL_ESCAPE_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define ESCAPE_KEYS_PREFIX 0x01 /* Ctrl-A */

enum escape_action {
    ESCAPE_NONE,   /* keep going */
    ESCAPE_QUIT,   /* detach or quit */
    ESCAPE_HELP,   /* show escape_keys_help */
};

struct escape_keys {
    int quit_key;  /* a single key that quits at once, or -1 */
    bool prefix;   /* Ctrl-A was the last key */
};

extern const char escape_keys_help[]; /* lines ending in "\r\n" */

/* Filters in[0..n): what goes to the guest is appended to out (room for
 * 2 * n bytes), *out_len set.  Stops at the first action: *used says how
 * many input bytes were taken (the rest is the caller's to feed again). */
enum escape_action escape_keys_filter(struct escape_keys *k, const char *in, size_t n,
                                      char *out, size_t *out_len, size_t *used);

#endif
