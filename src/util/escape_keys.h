/*
 * The escape keys of a console (`mica console`, and `mica run` on a
 * terminal), as QEMU's Ctrl-A:
 *   Ctrl-A x     detach (mica console) / stop (mica run)
 *   Ctrl-A c     send a Ctrl-C to the guest
 *   Ctrl-A ?     list these keys (also Ctrl-A h)
 *   Ctrl-A Ctrl-A  send one Ctrl-A to the guest
 * Every other byte, Ctrl-C and Ctrl-D included, goes to the guest as it
 * is; Ctrl-A followed by another key sends both.  A viewer may also make a
 * single key detach at once (Ctrl-], as telnet and virsh).
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

#define ESCAPE_KEYS_DETACH 0x1d /* Ctrl-]: the single quit key of both */

/* For `mica run --help` (both kinds of guest). */
#define ESCAPE_KEYS_RUN_USAGE                                                               \
    "  Keys, when stdin is a terminal: Ctrl-] or Ctrl-A x stops mica (status 130, as\n"     \
    "  Ctrl-C), Ctrl-A c sends a Ctrl-C to the guest, Ctrl-A Ctrl-A sends Ctrl-A and\n"    \
    "  Ctrl-A ? lists these keys; every other key goes to the guest.\n"

extern const char escape_keys_help[];     /* `mica console`; lines end in "\r\n" */
extern const char escape_keys_run_help[]; /* `mica run` */

/* Filters in[0..n): what goes to the guest is appended to out (room for
 * 2 * n bytes), *out_len set.  Stops at the first action: *used says how
 * many input bytes were taken (the rest is the caller's to feed again). */
enum escape_action escape_keys_filter(struct escape_keys *k, const char *in, size_t n,
                                      char *out, size_t *out_len, size_t *used);

/* A whole read at once: what goes to the guest is written to out (room for
 * n + 1 bytes: a Ctrl-A from the previous read may come back with the next
 * key), each help request writes help to help_fd (-1: nowhere). Returns
 * ESCAPE_QUIT at a quit key (out then holds what came before it; the rest
 * is dropped), else ESCAPE_NONE. */
enum escape_action escape_keys_apply(struct escape_keys *k, const char *in, size_t n, char *out,
                                     size_t *out_len, const char *help, int help_fd);

#endif
