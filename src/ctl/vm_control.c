/* The VMM side of the per-VM control channel; protocol in vm_control.h. */
#include "ctl/vm_control.h"
#include "ctl/vm_control_sched.h"

#include "ctl/console_history.h"
#include "ctl/peer_access.h"
#include "ctl/unix_socket.h"
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096
#define ACCEPTS_PER_WAKEUP 64
#define ACCEPT_BACKOFF_MS 100

/* epoll tags besides connections: the listening socket and the backoff timer */
#define LISTEN_TAG NULL
static char backoff_tag;

struct vm_conn {
    int fd;
    int passed_fd; /* the last descriptor the client sent, or -1 */
    uid_t uid;
    bool viewer;
    size_t in_len;
    char in[LINE_MAX_BYTES];
    struct vm_conn *next;
};

struct vm_control {
    int listen_fd;
    int epoll_fd;
    int reserve_fd; /* spent to shed a connection when out of descriptors */
    int backoff_fd; /* a timerfd: listening again after a pause */
    unsigned long refused;
    gid_t socket_gid;
    char *path;
    const struct vm_control_ops *ops;
    void *ctx;
    /* The lock guards the history and the connection list against
     * vm_control_console_output() from other threads; ops are called
     * without it so that they may produce console output themselves. */
    pthread_mutex_t lock;
    struct console_history history;
    struct vm_conn *conns;
};

/* Best effort: a viewer that cannot keep up loses output rather than
 * stalling the VM. */
static void send_nonblocking(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void send_json_line(int fd, json_t *reply)
{
    char *text = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    if (!text)
        return;
    send_nonblocking(fd, text, strlen(text));
    send_nonblocking(fd, "\n", 1);
    free(text);
}

static json_t *reply_for_result(int rc)
{
    if (rc == 0)
        return json_pack("{s:b}", "ok", 1);
    return json_pack("{s:b,s:s}", "ok", 0, "error", strerror(-rc));
}

static json_t *stats_reply(struct vm_control *c)
{
    struct vm_control_stats s = {0};
    int rc = c->ops->stats ? c->ops->stats(c->ctx, &s) : -ENOSYS;
    if (rc < 0)
        return reply_for_result(rc);
    return json_pack("{s:b,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:b,s:b,s:i}}", "ok", 1, "stats",
                     "run_ns", (json_int_t)s.run_ns, "exits", (json_int_t)s.exits,
                     "hypercalls", (json_int_t)s.hypercalls, "mem_bytes",
                     (json_int_t)s.mem_bytes, "mem_current_bytes",
                     (json_int_t)s.mem_current_bytes, "mem_target_bytes",
                     (json_int_t)s.mem_target_bytes, "mem_floor_bytes",
                     (json_int_t)s.mem_floor_bytes, "guest_free_bytes",
                     (json_int_t)s.guest_free_bytes, "guest_avail_bytes",
                     (json_int_t)s.guest_avail_bytes, "vcpus", (int)s.vcpus, "blocked", s.blocked,
                     "paused", s.paused, "viewers", vm_control_viewers(c));
}

/* {"cmd":"mem-set","pages":N}: N a positive integer, checked by the VMM. */
static json_t *mem_set_reply(struct vm_control *c, json_t *req)
{
    json_t *pages = json_object_get(req, "pages");
    if (!json_is_integer(pages) || json_integer_value(pages) <= 0)
        return json_pack("{s:b,s:s}", "ok", 0, "error", "mem-set needs \"pages\": a positive integer");
    if (!c->ops->mem_set)
        return json_pack("{s:b,s:s}", "ok", 0, "error", "this VM has no balloon");
    char why[256] = "";
    int rc = c->ops->mem_set(c->ctx, (uint64_t)json_integer_value(pages), why, sizeof why);
    if (rc < 0)
        return json_pack("{s:b,s:s}", "ok", 0, "error", why[0] ? why : strerror(-rc));
    return json_pack("{s:b}", "ok", 1);
}

/* Turns the connection into a viewer: reply, then history, then live output.
 * Done under the lock so no output falls between history and live. */
static void attach_viewer(struct vm_control *c, struct vm_conn *conn)
{
    pthread_mutex_lock(&c->lock);
    size_t used = console_history_used(&c->history);
    char *copy = malloc(used ? used : 1);
    if (copy)
        console_history_copy(&c->history, copy);
    else
        used = 0;
    send_json_line(conn->fd, json_pack("{s:b,s:I}", "ok", 1, "history_bytes", (json_int_t)used));
    send_nonblocking(conn->fd, copy, used);
    conn->viewer = true;
    pthread_mutex_unlock(&c->lock);
    free(copy);
}

/* save and snapshot: into the descriptor passed with the request. */
static json_t *save_reply(struct vm_control *c, struct vm_conn *conn, bool keep_running)
{
    char err[512];
    int fd = conn->passed_fd;
    conn->passed_fd = -1;
    if (fd < 0)
        return json_pack("{s:b,s:s}", "ok", 0, "error",
                         "save needs the snapshot file's descriptor passed with the request");
    int rc = c->ops->save ? c->ops->save(c->ctx, fd, keep_running, err, sizeof err)
                          : (snprintf(err, sizeof err, "this VM cannot be saved yet"), -1);
    close(fd);
    return rc == 0 ? json_pack("{s:b}", "ok", 1) : json_pack("{s:b,s:s}", "ok", 0, "error", err);
}

static void handle_request(struct vm_control *c, struct vm_conn *conn, const char *line,
                           size_t len)
{
    json_error_t jerr;
    json_t *req = json_loadb(line, len, 0, &jerr);
    const char *cmd = req ? json_string_value(json_object_get(req, "cmd")) : NULL;
    json_t *reply;
    if (!cmd)
        reply = json_pack("{s:b,s:s}", "ok", 0, "error", "expected {\"cmd\": \"...\"}");
    else if (strcmp(cmd, "pause") == 0)
        reply = reply_for_result(c->ops->pause ? c->ops->pause(c->ctx) : -ENOSYS);
    else if (strcmp(cmd, "resume") == 0)
        reply = reply_for_result(c->ops->resume ? c->ops->resume(c->ctx) : -ENOSYS);
    else if (strcmp(cmd, "shutdown") == 0)
        reply = reply_for_result(c->ops->shutdown ? c->ops->shutdown(c->ctx) : -ENOSYS);
    else if (strcmp(cmd, "stats") == 0)
        reply = stats_reply(c);
    else if (strcmp(cmd, "sched") == 0)
        reply = vm_control_sched_reply(c->ops, c->ctx, req);
    else if (strcmp(cmd, "mem-set") == 0)
        reply = mem_set_reply(c, req);
    else if (strcmp(cmd, "save") == 0 || strcmp(cmd, "snapshot") == 0)
        reply = save_reply(c, conn, strcmp(cmd, "snapshot") == 0);
    else if (strcmp(cmd, "console") == 0) {
        json_decref(req);
        attach_viewer(c, conn);
        return;
    } else
        reply = json_pack("{s:b,s:s}", "ok", 0, "error", "unknown command");
    json_decref(req);
    send_json_line(conn->fd, reply);
}

static void drop_conn(struct vm_control *c, struct vm_conn *conn)
{
    pthread_mutex_lock(&c->lock);
    for (struct vm_conn **pp = &c->conns; *pp; pp = &(*pp)->next) {
        if (*pp == conn) {
            *pp = conn->next;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, conn->fd, NULL);
    close(conn->fd);
    if (conn->passed_fd >= 0)
        close(conn->passed_fd);
    free(conn);
}

/* Splits buffered input into request lines; false when the peer misbehaved. */
static bool process_lines(struct vm_control *c, struct vm_conn *conn)
{
    char *nl;
    while (!conn->viewer && (nl = memchr(conn->in, '\n', conn->in_len))) {
        size_t line_len = (size_t)(nl - conn->in);
        handle_request(c, conn, conn->in, line_len);
        conn->in_len -= line_len + 1;
        memmove(conn->in, nl + 1, conn->in_len);
    }
    if (conn->viewer && conn->in_len > 0) { /* typed ahead of the attach reply */
        if (c->ops->console_input)
            c->ops->console_input(c->ctx, conn->in, conn->in_len);
        conn->in_len = 0;
    }
    if (conn->in_len == sizeof conn->in) {
        send_json_line(conn->fd, json_pack("{s:b,s:s}", "ok", 0, "error", "request too long"));
        return false;
    }
    return true;
}

/* recv that also takes descriptors the client passed: the last one is
 * kept for the next request, any others are closed. */
static ssize_t recv_with_fd(struct vm_conn *conn)
{
    struct iovec iov = {conn->in + conn->in_len, sizeof conn->in - conn->in_len};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t n = recvmsg(conn->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    for (struct cmsghdr *h = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; h; h = CMSG_NXTHDR(&msg, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
            continue;
        size_t fds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < fds; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(h) + i * sizeof fd, sizeof fd);
            if (conn->passed_fd >= 0)
                close(conn->passed_fd);
            conn->passed_fd = fd;
        }
    }
    return n;
}

static void on_conn_readable(struct vm_control *c, struct vm_conn *conn)
{
    for (;;) {
        ssize_t n = recv_with_fd(conn);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            drop_conn(c, conn);
            return;
        }
        conn->in_len += (size_t)n;
        if (!process_lines(c, conn)) {
            drop_conn(c, conn);
            return;
        }
    }
}

/* Says why in one line (best effort) and closes. */
static void refuse(struct vm_control *c, int fd, const char *why)
{
    send_json_line(fd, json_pack("{s:b,s:s}", "ok", 0, "error", why));
    close(fd);
    /* Logged at the 1st, 10th, 100th... refusal: a client refused in a loop
     * must not flood the VM's log. */
    unsigned long n = ++c->refused;
    while (n % 10 == 0)
        n /= 10;
    if (n == 1)
        fprintf(stderr, "mica: control: refused a connection (%s); %lu so far\n", why,
                c->refused);
}

static void listen_for(struct vm_control *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = LISTEN_TAG};
    epoll_ctl(c->epoll_fd, EPOLL_CTL_MOD, c->listen_fd, &ev);
}

/* Out of descriptors, a pending connection can be neither taken nor left
 * pending: the listening socket would stay readable and the loop spin.
 * The reserve descriptor makes room to accept it and close it; when even
 * that fails, stop listening for ACCEPT_BACKOFF_MS. */
static void shed_connection(struct vm_control *c)
{
    int fd = -1;
    if (c->reserve_fd >= 0) {
        close(c->reserve_fd);
        fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0)
            refuse(c, fd, "the VM process is out of file descriptors");
        c->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    if (fd >= 0 && c->reserve_fd >= 0)
        return;
    struct itimerspec later = {.it_value = {.tv_nsec = ACCEPT_BACKOFF_MS * 1000000L}};
    if (timerfd_settime(c->backoff_fd, 0, &later, NULL) == 0)
        listen_for(c, 0);
}

static void on_backoff_over(struct vm_control *c)
{
    uint64_t expirations;
    if (read(c->backoff_fd, &expirations, sizeof expirations) < 0) {
        /* a spurious wake-up: listening again is right all the same */
    }
    if (c->reserve_fd < 0)
        c->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    listen_for(c, EPOLLIN);
}

/* The daemon's side (root, or the user the VM process runs as): others,
 * however many, cannot take its connections. */
static bool privileged(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

/* NULL when `who` may have one more connection, else why not.  The total
 * counts other users only, so the daemon always has its own share. */
static const char *over_limit(struct vm_control *c, const struct peer *who)
{
    unsigned others = 0, same_user = 0;
    pthread_mutex_lock(&c->lock);
    for (struct vm_conn *conn = c->conns; conn; conn = conn->next) {
        others += !privileged(conn->uid);
        same_user += conn->uid == who->uid;
    }
    pthread_mutex_unlock(&c->lock);
    if (same_user >= VM_CONTROL_CONNS_PER_UID)
        return "too many control connections to this VM from this user";
    if (!privileged(who->uid) && others >= VM_CONTROL_MAX_CONNS)
        return "too many control connections to this VM";
    return NULL;
}

static void add_conn(struct vm_control *c, int fd, const struct peer *who)
{
    struct vm_conn *conn = calloc(1, sizeof *conn);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = conn};
    if (!conn || epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        free(conn);
        close(fd);
        return;
    }
    conn->fd = fd;
    conn->passed_fd = -1;
    conn->uid = who->uid;
    pthread_mutex_lock(&c->lock);
    conn->next = c->conns;
    c->conns = conn;
    pthread_mutex_unlock(&c->lock);
}

/* Takes what is pending, a bounded number per wake-up. */
static void accept_clients(struct vm_control *c)
{
    for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
        int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                shed_connection(c);
            return;
        }
        struct peer who;
        const char *why;
        if (peer_identify(fd, &who) < 0 || !peer_allowed(&who, c->socket_gid)) {
            fprintf(stderr, "mica: control: refused connection from pid %d uid %u\n",
                    (int)who.pid, (unsigned)who.uid);
            close(fd);
        } else if ((why = over_limit(c, &who))) {
            refuse(c, fd, why);
        } else {
            add_conn(c, fd, &who);
        }
    }
}

void vm_control_on_readable(struct vm_control *c)
{
    struct epoll_event events[32];
    int n = epoll_wait(c->epoll_fd, events, 32, 0);
    for (int i = 0; i < n; i++) {
        if (events[i].data.ptr == LISTEN_TAG)
            accept_clients(c);
        else if (events[i].data.ptr == &backoff_tag)
            on_backoff_over(c);
        else
            on_conn_readable(c, events[i].data.ptr);
    }
}

struct vm_control *vm_control_open(const char *path, const struct vm_control_ops *ops,
                                   void *ctx, char *err, size_t errlen)
{
    struct vm_control *c = calloc(1, sizeof *c);
    if (!c || console_history_init(&c->history, VM_CONTROL_HISTORY_BYTES) < 0) {
        free(c);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->ops = ops;
    c->ctx = ctx;
    c->path = strdup(path);
    c->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    c->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    c->backoff_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    c->listen_fd = unix_listen(path, err, errlen);
    struct stat st;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = LISTEN_TAG};
    struct epoll_event backoff = {.events = EPOLLIN, .data.ptr = &backoff_tag};
    if (c->listen_fd < 0 || c->epoll_fd < 0 || c->backoff_fd < 0 || !c->path ||
        stat(path, &st) < 0 || epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, c->listen_fd, &ev) < 0 ||
        epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, c->backoff_fd, &backoff) < 0) {
        if (c->listen_fd >= 0)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        vm_control_close(c);
        return NULL;
    }
    c->socket_gid = st.st_gid;
    return c;
}

int vm_control_fd(const struct vm_control *c)
{
    return c->epoll_fd;
}

void vm_control_console_output(struct vm_control *c, const void *buf, size_t len)
{
    pthread_mutex_lock(&c->lock);
    console_history_append(&c->history, buf, len);
    for (struct vm_conn *conn = c->conns; conn; conn = conn->next)
        if (conn->viewer)
            send_nonblocking(conn->fd, buf, len);
    pthread_mutex_unlock(&c->lock);
}

int vm_control_viewers(struct vm_control *c)
{
    int n = 0;
    pthread_mutex_lock(&c->lock);
    for (struct vm_conn *conn = c->conns; conn; conn = conn->next)
        n += conn->viewer;
    pthread_mutex_unlock(&c->lock);
    return n;
}

void vm_control_close(struct vm_control *c)
{
    if (!c)
        return;
    while (c->conns)
        drop_conn(c, c->conns);
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        unlink(c->path);
    }
    int fds[] = {c->epoll_fd, c->reserve_fd, c->backoff_fd};
    close_fds(fds, sizeof fds / sizeof fds[0]);
    console_history_free(&c->history);
    pthread_mutex_destroy(&c->lock);
    free(c->path);
    free(c);
}
