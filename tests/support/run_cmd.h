/* Runs a command for a test: feeds stdin, captures stdout and stderr,
 * enforces a time limit. */
#ifndef MICA_TESTS_RUN_CMD_H
#define MICA_TESTS_RUN_CMD_H

#include <stdbool.h>
#include <stddef.h>

struct cmd_result {
    int status;       /* exit status, or 128 + signal */
    bool timed_out;
    char out[65536];
    char err[16384];
};

/* argv is NULL-terminated; input may be NULL (stdin is /dev/null).
 * Kills the command after limit_s seconds. Returns 0, -1 if it could not
 * run. */
int run_cmd(char *const argv[], const char *input, int limit_s, struct cmd_result *r);

/* Starts a command with stdout/stderr to files; returns its pid. */
int spawn_cmd(char *const argv[], const char *out_path);

/* Whether /dev/kvm can be opened; prints a skip reason when not. */
bool kvm_available(void);

#endif
