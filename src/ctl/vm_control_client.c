#include "ctl/vm_control_client.h"

#include "ctl/unix_socket.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one reply line byte by byte, so nothing after it (console history)
 * is consumed.  timeout_ms bounds the whole line, however it trickles in. */
static int read_line(int fd, char *buf, size_t size, int timeout_ms)
{
    size_t len = 0;
    int64_t deadline = now_ms() + timeout_ms;
    while (len + 1 < size) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int64_t left = deadline - now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -ETIMEDOUT;
        ssize_t n = read(fd, buf + len, 1);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return n == 0 ? -ECONNRESET : -errno;
        if (buf[len] == '\n') {
            buf[len] = '\0';
            return 0;
        }
        len++;
    }
    return -EMSGSIZE;
}

/* Sends one request line (with its '\n'), with fd passed along (SCM_RIGHTS)
 * when >= 0, and reads the reply. */
static int exchange_line(int fd, const char *cmd, const char *request, int passed, int timeout_ms,
                         json_t **reply, struct cp_error *err)
{
    char line[4096];
    ssize_t n = (ssize_t)strlen(request);
    if (unix_send_with_fd(fd, request, (size_t)n, passed) != n)
        return cp_fail(err, 500, "VM control channel: send failed: %s", strerror(errno));
    int rc = read_line(fd, line, sizeof line, timeout_ms);
    if (rc < 0)
        return cp_fail(err, 500, "VM control channel: no reply to '%s': %s", cmd, strerror(-rc));
    json_t *r = json_loads(line, 0, NULL);
    if (!r || !json_is_true(json_object_get(r, "ok"))) {
        const char *why = r ? json_string_value(json_object_get(r, "error")) : NULL;
        cp_fail(err, 409, "the VM refused '%s': %s", cmd, why ? why : "malformed reply");
        json_decref(r);
        return -1;
    }
    *reply = r;
    return 0;
}

static int exchange(int fd, const char *cmd, int timeout_ms, json_t **reply, struct cp_error *err)
{
    char line[128];
    snprintf(line, sizeof line, "{\"cmd\":\"%s\"}\n", cmd);
    return exchange_line(fd, cmd, line, -1, timeout_ms, reply, err);
}

int vmctl_request(const char *socket_path, const char *cmd, int timeout_ms, json_t **reply,
                  struct cp_error *err)
{
    return vmctl_request_pages(socket_path, cmd, 0, timeout_ms, reply, err);
}

/* Connects, sends the request line (and passed, when >= 0), reads the reply. */
static int request_line(const char *socket_path, const char *cmd, const char *line, int passed,
                        int timeout_ms, json_t **reply, struct cp_error *err)
{
    /* Non-blocking: a VM that does not accept must not hold the daemon. */
    int fd = unix_connect_nonblocking(socket_path);
    if (fd < 0)
        return cp_fail(err, 500, "cannot reach the VM's control socket %s: %s", socket_path,
                       strerror(-fd));
    int rc = exchange_line(fd, cmd, line, passed, timeout_ms, reply, err);
    close(fd);
    return rc;
}

int vmctl_request_pages(const char *socket_path, const char *cmd, uint64_t pages, int timeout_ms,
                        json_t **reply, struct cp_error *err)
{
    char line[192];
    if (pages)
        snprintf(line, sizeof line, "{\"cmd\":\"%s\",\"pages\":%llu}\n", cmd,
                 (unsigned long long)pages);
    else
        snprintf(line, sizeof line, "{\"cmd\":\"%s\"}\n", cmd);
    return request_line(socket_path, cmd, line, -1, timeout_ms, reply, err);
}

int vmctl_request_fd(const char *socket_path, const char *cmd, int passed, int timeout_ms,
                     json_t **reply, struct cp_error *err)
{
    char line[192];
    snprintf(line, sizeof line, "{\"cmd\":\"%s\"}\n", cmd);
    return request_line(socket_path, cmd, line, passed, timeout_ms, reply, err);
}

int vmctl_request_json(const char *socket_path, const json_t *req, int timeout_ms, json_t **reply,
                       struct cp_error *err)
{
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    char *text = json_dumps(req, JSON_COMPACT);
    if (!cmd || !text) {
        free(text);
        return cp_fail(err, 400, "VM control channel: a request needs a \"cmd\"");
    }
    int fd = unix_connect_nonblocking(socket_path);
    int rc = fd < 0 ? cp_fail(err, 500, "cannot reach the VM's control socket %s: %s", socket_path,
                              strerror(-fd))
                    : 0;
    size_t len = strlen(text);
    char *line = rc == 0 ? malloc(len + 2) : NULL;
    if (rc == 0 && !line)
        rc = cp_fail(err, 500, "out of memory");
    if (rc == 0) {
        memcpy(line, text, len);
        memcpy(line + len, "\n", 2);
        rc = exchange_line(fd, cmd, line, -1, timeout_ms, reply, err);
    }
    free(line);
    free(text);
    if (fd >= 0)
        close(fd);
    return rc;
}

int vmctl_attach_console(const char *socket_path, struct cp_error *err)
{
    int fd = unix_connect(socket_path);
    if (fd < 0)
        return cp_fail(err, 500, "cannot reach the VM's console at %s: %s", socket_path,
                       strerror(-fd));
    json_t *reply;
    if (exchange(fd, "console", 5000, &reply, err) < 0) {
        close(fd);
        return -1;
    }
    json_decref(reply);
    return fd;
}
