/*
 * The CLI's side of the API: HTTP over the daemon's Unix socket with libcurl
 * (CURLOPT_UNIX_SOCKET_PATH), JSON with jansson, and the CLI's conventions
 * for reporting failures (one line on stderr, exit status 1).
 */
#ifndef MICA_CLI_CP_CLIENT_H
#define MICA_CLI_CP_CLIENT_H

#include <jansson.h>
#include <stddef.h>

struct cp_response {
    long status;  /* HTTP status, 0 when the daemon could not be reached */
    char *body;   /* NUL-terminated                                       */
    size_t len;
};

/* Removes "--socket PATH" / "--socket=PATH" from argv (before any "--")
 * and remembers it; call first in every client command. */
void cp_client_take_socket_option(int *argc, char **argv);
const char *cp_client_socket(void);

/* Raw exchange; body may be NULL.  0, or -1 with a message printed. */
int cp_http(const char *method, const char *path, const char *body, struct cp_response *resp);
void cp_response_free(struct cp_response *resp);

/* JSON exchange: 0 with *out (may be NULL if unwanted) on 2xx; otherwise
 * prints "mica: <what>: <the daemon's error>" and returns 1. */
int cp_call(const char *what, const char *method, const char *path, json_t *body, json_t **out);

/* "/v1/vms/NAME" + suffix; NULL (after printing why) for an invalid name. */
char *cp_vm_path(const char *name, const char *suffix);

/* cp_call on /v1/vms/NAME + suffix, its errors labelled "VERB NAME". */
int cp_call_vm(const char *verb, const char *method, const char *name, const char *suffix,
               json_t **out);

/* s with every byte but A-Z a-z 0-9 - . _ ~ as %XX, for a query; malloc'd. */
char *cp_url_escape(const char *s);

/* j indented by two, on stdout: what every --json prints. */
void print_json(json_t *j);

#endif
