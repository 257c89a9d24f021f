/* mica console NAME, mica logs NAME */
#include "cli/cp_client.h"
#include "cli/cp_commands.h"

#include "cp/log_tail.h"
#include "ctl/vm_control_client.h"
#include "util/console_filter.h"
#include "util/escape_keys.h"
#include "util/parse.h"

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static bool write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Forwards keyboard bytes through the escape keys; false to detach. */
static bool forward_input(int sock, struct escape_keys *keys)
{
    char buf[512], out[sizeof buf + 1];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0)
        return false;
    size_t len;
    enum escape_action a =
        escape_keys_apply(keys, buf, (size_t)n, out, &len, escape_keys_help, STDERR_FILENO);
    return write_all(sock, out, len) && a != ESCAPE_QUIT;
}

static void write_stdout(void *ctx, const char *buf, size_t len)
{
    (void)ctx;
    write_all(STDOUT_FILENO, buf, len);
}

/* Relays until detach (escape, end of input) or the VM ends; 0 or 1.
 * filter: NULL for raw output (util/console_filter.h). */
static int relay(int sock, struct console_filter *filter)
{
    struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = sock, .events = POLLIN}};
    char buf[4096];
    struct escape_keys keys = {.quit_key = ESCAPE_KEYS_DETACH};
    for (;;) {
        if (poll(fds, 2, -1) < 0)
            return 1;
        if (fds[1].revents) {
            ssize_t n = read(sock, buf, sizeof buf);
            if (n <= 0) {
                fprintf(stderr, "\r\nmica: console closed: the VM has ended\r\n");
                return 0;
            }
            if (filter)
                console_filter_pass(filter, buf, (size_t)n, write_stdout, NULL);
            else
                write_all(STDOUT_FILENO, buf, (size_t)n);
        }
        if (fds[0].revents && !forward_input(sock, &keys))
            return 0;
    }
}

/* Keys reach the guest one by one, unechoed and unsignalled, but the
 * terminal still ends each line the guest writes with LF as CR LF, as
 * `mica run` leaves it (run/terminal.c): guests write bare LF. */
void viewer_raw(struct termios *t)
{
    cfmakeraw(t);
    t->c_oflag |= OPOST | ONLCR;
}

static int attach(const char *name, const char *socket_path, bool raw_output)
{
    struct cp_error err;
    int sock = vmctl_attach_console(socket_path, &err);
    if (sock < 0) {
        fprintf(stderr, "mica: console %s: %s\n", name, err.message);
        return 1;
    }
    struct termios saved, raw;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        raw = saved;
        viewer_raw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    fprintf(stderr,
            "Connected to %s (escape character is ^]; Ctrl-A x detaches, Ctrl-A ? lists the "
            "keys)\r\n",
            name);
    /* The guest's bytes must not drive this terminal unless asked for. */
    struct console_filter filter;
    bool filtering = !raw_output && isatty(STDOUT_FILENO);
    console_filter_init(&filter, true);
    int rc = relay(sock, filtering ? &filter : NULL);
    char reset[CONSOLE_FILTER_FINISH_MAX];
    size_t n = filtering ? console_filter_finish(&filter, (uint8_t *)reset) : 0;
    write_all(STDOUT_FILENO, reset, n);
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    fprintf(stderr, "\nDetached from %s\n", name);
    close(sock);
    return rc;
}

int cmd_console(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    bool raw = argc == 3 && strcmp(argv[2], "--raw-console") == 0;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i], "--raw-console") != 0)
            return cp_bad_option("console", argv[i]);
    if (argc != 2 && !raw)
        return cp_usage("console", NULL);
    json_t *endpoint;
    int rc = cp_call_vm("console", "GET", argv[1], "/console", &endpoint);
    if (rc)
        return rc;
    const char *socket_path = json_string_value(json_object_get(endpoint, "socket"));
    rc = socket_path ? attach(argv[1], socket_path, raw) : 1;
    json_decref(endpoint);
    return rc;
}

/* logs NAME [--tail LINES | --bytes N]: the query, or a usage error. */
static int parse_logs(int argc, char **argv, char *query, size_t len)
{
    snprintf(query, len, "/logs");
    for (int i = 2; i < argc; i += 2) {
        bool lines = strcmp(argv[i], "--tail") == 0, bytes = strcmp(argv[i], "--bytes") == 0;
        uint64_t n;
        if (!lines && !bytes)
            return argv[i][0] == '-' ? cp_bad_option("logs", argv[i])
                                     : cp_usage("logs", "one VM NAME only");
        if (i + 1 >= argc)
            return cp_usage("logs", lines ? "option '--tail' needs a number of lines"
                                          : "option '--bytes' needs a number of bytes");
        if (lines && parse_u64(argv[i + 1], 0, LOG_TAIL_MAX_LINES, &n) < 0)
            return cp_usage("logs", "--tail wants a whole number of lines from 0 to 1000000");
        if (bytes && parse_u64(argv[i + 1], 0, LOG_TAIL_MAX_BYTES, &n) < 0)
            return cp_usage("logs", "--bytes wants a whole number of bytes from 0 to 67108864");
        snprintf(query, len, "/logs?%s=%llu", lines ? "lines" : "tail", (unsigned long long)n);
    }
    return 0;
}

int cmd_logs(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    if (argc < 2 || argv[1][0] == '-')
        return argc >= 2 && strcmp(argv[1], "--tail") && strcmp(argv[1], "--bytes")
                   ? cp_bad_option("logs", argv[1])
                   : cp_usage("logs", "the VM's NAME comes first");
    char suffix[48];
    int bad = parse_logs(argc, argv, suffix, sizeof suffix);
    if (bad)
        return bad;
    char *path = cp_vm_path(argv[1], suffix);
    if (!path)
        return 1;
    struct cp_response resp;
    int rc = cp_http("GET", path, NULL, &resp);
    free(path);
    if (rc == 0 && resp.status == 200) {
        write_all(STDOUT_FILENO, resp.body, resp.len);
    } else if (rc == 0) {
        json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
        const char *why = json_string_value(json_object_get(j, "error"));
        fprintf(stderr, "mica: logs %s: %s (HTTP %ld)\n", argv[1], why ? why : resp.body,
                resp.status);
        json_decref(j);
        rc = -1;
    }
    cp_response_free(&resp);
    return rc == 0 ? 0 : 1;
}
