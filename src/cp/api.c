#include "cp/api.h"

#include "cp/cp_log.h"
#include "cp/peer_quota.h"
#include "ctl/peer_access.h"
#include "util/parse.h"
#include "util/version.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct api_server {
    struct MHD_Daemon *mhd;
    struct vm_manager *m;
    gid_t socket_gid;
    struct peer_quota quota;
    pthread_mutex_t refusal_lock;
    time_t last_refusal_log;
    unsigned refusals_unlogged;
};

/* One request in flight: its body as it arrives. */
struct api_request {
    char *body;
    size_t len;
    bool too_large;
    bool answered;
    struct peer who;
};

/* ---- responses ----------------------------------------------------------- */

static void log_request(const struct api_request *rq, const char *method, const char *url,
                        int status)
{
    cp_log("request pid=%d uid=%u gid=%u %s %s -> %d", (int)rq->who.pid, (unsigned)rq->who.uid,
           (unsigned)rq->who.gid, method, url, status);
}

/* Queues resp (consumed) with status. */
static enum MHD_Result send_response(struct MHD_Connection *c, struct api_request *rq,
                                     int status, const char *type, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    enum MHD_Result r = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    rq->answered = true;
    return r;
}

static enum MHD_Result send_text(struct MHD_Connection *c, struct api_request *rq, int status,
                                 const char *type, const char *text, size_t len)
{
    return send_response(
        c, rq, status, type,
        MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY));
}

/* Sends j (consumed) with status. */
static enum MHD_Result send_json(struct MHD_Connection *c, struct api_request *rq, int status,
                                 json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        return send_text(c, rq, 500, "application/json", "{\"error\":\"out of memory\"}", 25);
    enum MHD_Result r = send_text(c, rq, status, "application/json", text, strlen(text));
    free(text);
    return r;
}

static enum MHD_Result send_error(struct MHD_Connection *c, struct api_request *rq,
                                  const struct cp_error *err)
{
    return send_json(c, rq, err->status, json_pack("{s:s}", "error", err->message));
}

static enum MHD_Result send_result(struct MHD_Connection *c, struct api_request *rq,
                                   int status, json_t *j, const struct cp_error *err)
{
    return j ? send_json(c, rq, status, j) : send_error(c, rq, err);
}

/* ---- routes -------------------------------------------------------------- */

/* The client as SO_PEERCRED named it: what it may see, touch and open. */
static struct cp_user client_of(const struct api_request *rq)
{
    return (struct cp_user){rq->who.uid, rq->who.gid};
}

static int parse_action(const char *word, enum vm_action *a)
{
    static const struct { const char *word; enum vm_action action; } actions[] = {
        {"start", VM_START},     {"pause", VM_PAUSE},     {"resume", VM_RESUME},
        {"shutdown", VM_SHUTDOWN_REQ}, {"destroy", VM_DESTROY},
    };
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (strcmp(word, actions[i].word) == 0) {
            *a = actions[i].action;
            return 0;
        }
    }
    return -1;
}

static enum MHD_Result route_collection(struct api_server *s, struct MHD_Connection *c,
                                        struct api_request *rq, const char *method)
{
    struct cp_error err = {0};
    struct cp_user who = client_of(rq);
    if (strcmp(method, "GET") == 0) {
        const char *detail = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "detail");
        bool detailed = detail && strcmp(detail, "0") != 0;
        return send_result(c, rq, 200, vm_manager_list(s->m, &who, detailed, &err), &err);
    }
    if (strcmp(method, "POST") != 0) {
        cp_fail(&err, 405, "%s is not allowed on /v1/vms (use GET or POST)", method);
        return send_error(c, rq, &err);
    }
    json_error_t jerr;
    json_t *spec = json_loadb(rq->body ? rq->body : "", rq->len, 0, &jerr);
    if (!spec) {
        cp_fail(&err, 400, "bad JSON in the request body: %s (line %d, column %d)", jerr.text,
                jerr.line, jerr.column);
        return send_error(c, rq, &err);
    }
    json_t *vm = vm_manager_create(s->m, spec, &who, &err);
    json_decref(spec);
    return send_result(c, rq, 201, vm, &err);
}

static enum MHD_Result route_vm(struct api_server *s, struct MHD_Connection *c,
                                struct api_request *rq, const char *method, const char *name)
{
    struct cp_error err = {0};
    struct cp_user who = client_of(rq);
    if (strcmp(method, "GET") == 0)
        return send_result(c, rq, 200, vm_manager_info(s->m, name, &who, &err), &err);
    if (strcmp(method, "DELETE") == 0) {
        if (vm_manager_delete(s->m, name, &who, &err) < 0)
            return send_error(c, rq, &err);
        return send_json(c, rq, 200, json_pack("{s:s}", "deleted", name));
    }
    cp_fail(&err, 405, "%s is not allowed on a VM (use GET or DELETE)", method);
    return send_error(c, rq, &err);
}

#define LOG_BLOCK_BYTES (64u * 1024u)

static ssize_t read_log_block(void *cls, uint64_t pos, char *buf, size_t max)
{
    ssize_t n = log_tail_read(cls, pos, buf, max);
    return n < 0 ? (ssize_t)MHD_CONTENT_READER_END_WITH_ERROR : n;
}

static void free_log_tail(void *cls)
{
    log_tail_close(cls);
    free(cls);
}

/* The tail is streamed from the files block by block: however much is
 * asked, the daemon holds one block of it in memory. */
static enum MHD_Result route_logs(struct api_server *s, struct MHD_Connection *c,
                                  struct api_request *rq, const char *name)
{
    struct cp_error err = {0};
    struct cp_user who = client_of(rq);
    const char *tail_arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tail");
    uint64_t tail = 65536;
    if (tail_arg && parse_u64(tail_arg, 0, LOG_TAIL_MAX_BYTES, &tail) < 0) {
        cp_fail(&err, 400, "tail must be a whole number of bytes from 0 to %u",
                LOG_TAIL_MAX_BYTES);
        return send_error(c, rq, &err);
    }
    struct log_tail *t = malloc(sizeof *t);
    if (!t) {
        cp_fail(&err, 500, "out of memory");
        return send_error(c, rq, &err);
    }
    if (vm_manager_log(s->m, name, &who, tail, t, &err) < 0) {
        free(t);
        return send_error(c, rq, &err);
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(
        log_tail_size(t), LOG_BLOCK_BYTES, read_log_block, t, free_log_tail);
    if (!resp)
        free_log_tail(t);
    return send_response(c, rq, 200, "text/plain", resp);
}

/* POST /v1/vms/NAME/save|snapshot {"file": ABSOLUTE-PATH} */
static enum MHD_Result route_save(struct api_server *s, struct MHD_Connection *c,
                                  struct api_request *rq, const char *name, bool keep_running)
{
    struct cp_error err = {0};
    struct cp_user who = client_of(rq);
    json_t *body = rq->body ? json_loadb(rq->body, rq->len, 0, NULL) : NULL;
    const char *file = json_string_value(json_object_get(body, "file"));
    json_t *j = file ? vm_manager_save(s->m, name, &who, file, keep_running, &err) : NULL;
    if (!file)
        cp_fail(&err, 400, "expected {\"file\": \"/absolute/path\"}");
    enum MHD_Result r = send_result(c, rq, 200, j, &err);
    json_decref(body);
    return r;
}

static enum MHD_Result route_vm_sub(struct api_server *s, struct MHD_Connection *c,
                                    struct api_request *rq, const char *method,
                                    const char *name, const char *sub)
{
    struct cp_error err = {0};
    struct cp_user who = client_of(rq);
    enum vm_action action;
    if (strcmp(method, "GET") == 0 && strcmp(sub, "console") == 0)
        return send_result(c, rq, 200, vm_manager_console(s->m, name, &who, &err), &err);
    if (strcmp(method, "GET") == 0 && strcmp(sub, "logs") == 0)
        return route_logs(s, c, rq, name);
    if (strcmp(method, "POST") == 0 && parse_action(sub, &action) == 0)
        return send_result(c, rq, 200, vm_manager_act(s->m, name, &who, action, &err), &err);
    if (strcmp(method, "POST") == 0 && (!strcmp(sub, "save") || !strcmp(sub, "snapshot")))
        return route_save(s, c, rq, name, strcmp(sub, "snapshot") == 0);
    cp_fail(&err, 404, "no such endpoint: %s /v1/vms/%s/%s", method, name, sub);
    return send_error(c, rq, &err);
}

static enum MHD_Result route(struct api_server *s, struct MHD_Connection *c,
                             struct api_request *rq, const char *method, const char *url)
{
    struct cp_error err = {0};
    char name[128], sub[32], extra;
    if (strcmp(url, "/v1/vms") == 0 || strcmp(url, "/v1/vms/") == 0)
        return route_collection(s, c, rq, method);
    if (strcmp(url, "/v1/version") == 0)
        return send_json(c, rq, 200, json_pack("{s:i,s:s,s:s}", "api", 1, "server", "mica",
                                                     "version", mica_version()));
    int fields = sscanf(url, "/v1/vms/%127[^/]/%31[^/]%c", name, sub, &extra);
    if (fields == 1)
        return route_vm(s, c, rq, method, name);
    if (fields == 2)
        return route_vm_sub(s, c, rq, method, name, sub);
    cp_fail(&err, 404, "no such endpoint: %s %s (see docs/api.yaml)", method, url);
    return send_error(c, rq, &err);
}

/* ---- the MHD callbacks ----------------------------------------------------- */

static struct api_request *begin_request(struct MHD_Connection *c)
{
    struct api_request *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    rq->who.pid = -1;
    rq->who.uid = (uid_t)-1;
    rq->who.gid = (gid_t)-1;
    if (info)
        peer_identify(info->connect_fd, &rq->who);
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (length && strtoull(length, NULL, 10) > API_MAX_BODY)
        rq->too_large = true;
    return rq;
}

static void accept_body(struct api_request *rq, const char *data, size_t size)
{
    if (rq->too_large || rq->len + size > API_MAX_BODY) {
        rq->too_large = true;
        return;
    }
    char *body = realloc(rq->body, rq->len + size + 1);
    if (!body) {
        rq->too_large = true;
        return;
    }
    memcpy(body + rq->len, data, size);
    rq->body = body;
    rq->len += size;
    body[rq->len] = '\0';
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct api_server *s = cls;
    struct api_request *rq = *con_cls;
    if (!rq) {
        *con_cls = rq = begin_request(c);
        return rq ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size > 0) {
        accept_body(rq, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct cp_error err = {0};
    enum MHD_Result r;
    if (!peer_allowed(&rq->who, s->socket_gid)) {
        cp_fail(&err, 403, "permission denied: uid %u is neither root, the daemon's user, "
                           "nor in the socket's group",
                (unsigned)rq->who.uid);
        r = send_error(c, rq, &err);
    } else if (rq->too_large) {
        cp_fail(&err, 413, "request body too large (at most %u bytes)", API_MAX_BODY);
        r = send_error(c, rq, &err);
    } else {
        r = route(s, c, rq, method, url);
    }
    unsigned status = 0;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
    if (info)
        status = info->http_status;
    log_request(rq, method, url, (int)status);
    return r;
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    struct api_request *rq = *con_cls;
    if (!rq)
        return;
    if (!rq->answered && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        cp_log("request pid=%d uid=%u gid=%u abandoned: the client disconnected mid-request",
               (int)rq->who.pid, (unsigned)rq->who.uid, (unsigned)rq->who.gid);
    free(rq->body);
    free(rq);
    *con_cls = NULL;
}

/* ---- connections: a share per client ------------------------------------ */

/* One line per second at most: a client refused in a loop must not flood
 * the daemon's log either. */
static void log_refusal(struct api_server *s, const struct peer *who)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&s->refusal_lock);
    unsigned others = s->refusals_unlogged;
    bool log = now != s->last_refusal_log;
    if (log) {
        s->last_refusal_log = now;
        s->refusals_unlogged = 0;
    } else {
        s->refusals_unlogged++;
    }
    pthread_mutex_unlock(&s->refusal_lock);
    if (log)
        cp_log("connection refused: pid=%d uid=%u holds its share of connections "
               "(%u per process, %u per user; %u more refused before)",
               (int)who->pid, (unsigned)who->uid, API_CONNS_PER_PID, API_CONNS_PER_UID, others);
}

/* Answers 429 and closes at once: the server stays free for others. */
static void refuse_connection(int fd)
{
#define REFUSAL_BODY "{\"error\":\"too many connections from this client; close some\"}\n"
    char reply[256];
    int n = snprintf(reply, sizeof reply,
                     "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                     "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
                     sizeof REFUSAL_BODY - 1, REFUSAL_BODY);
    if (send(fd, reply, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        /* nothing to do: the client goes away all the same */
    }
    shutdown(fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    struct api_server *s = cls;
    struct peer *who = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (who)
            peer_quota_release(&s->quota, who);
        free(who);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    who = calloc(1, sizeof *who);
    if (!info || !who || peer_identify(info->connect_fd, who) < 0 ||
        !peer_quota_take(&s->quota, who)) {
        if (who && info)
            log_refusal(s, who);
        free(who);
        if (info)
            refuse_connection(info->connect_fd);
        return;
    }
    *socket_context = who;
}

static void api_server_free(struct api_server *s)
{
    peer_quota_destroy(&s->quota);
    pthread_mutex_destroy(&s->refusal_lock);
    free(s);
}

struct api_server *api_server_start(int listen_fd, gid_t socket_gid, struct vm_manager *m,
                                    char *err, size_t errlen)
{
    struct api_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->m = m;
    s->socket_gid = socket_gid;
    peer_quota_init(&s->quota, API_CONNS_PER_PID, API_CONNS_PER_UID);
    pthread_mutex_init(&s->refusal_lock, NULL);
    /* A few threads, so that one slow request (a VM that is slow to answer
     * its control socket) does not hold up everybody else's. */
    s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                                  MHD_USE_ERROR_LOG,
                              0, NULL, NULL, answer, s, MHD_OPTION_LISTEN_SOCKET, listen_fd,
                              MHD_OPTION_THREAD_POOL_SIZE, API_THREADS,
                              MHD_OPTION_NOTIFY_COMPLETED, request_completed, s,
                              MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s,
                              MHD_OPTION_CONNECTION_LIMIT, API_MAX_CONNECTIONS,
                              MHD_OPTION_CONNECTION_TIMEOUT, API_IDLE_TIMEOUT_S,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
                              MHD_OPTION_END);
    if (!s->mhd) {
        snprintf(err, errlen, "cannot start the HTTP server (libmicrohttpd)");
        api_server_free(s);
        return NULL;
    }
    return s;
}

void api_server_stop(struct api_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->mhd);
    api_server_free(s);
}
