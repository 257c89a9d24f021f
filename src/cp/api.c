#include "cp/api.h"

#include "cp/api_waiters.h"
#include "cp/cp_log.h"
#include "cp/metrics.h"
#include "cp/peer_quota.h"
#include "ctl/peer_access.h"
#include "util/parse.h"
#include "util/time.h"
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
    struct api_waiters *waiters; /* GET /v1/events?wait= parked until an event */
    uint64_t started_ns;         /* monotonic */
    uint64_t requests;           /* answered (atomic) */
};

/* One request in flight: its body as it arrives. */
struct api_request {
    char *body;
    size_t len;
    bool too_large;
    bool answered;
    struct peer who;
    uint64_t deadline_ns; /* a parked GET /v1/events: when to answer anyway */
    int64_t events_after; /* ...and after which event, fixed at its first turn */
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
        {"shutdown", VM_SHUTDOWN_REQ}, {"destroy", VM_DESTROY}, {"reboot", VM_REBOOT},
        {"reset", VM_RESET},
    };
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (strcmp(word, actions[i].word) == 0) {
            *a = actions[i].action;
            return 0;
        }
    }
    return -1;
}

/* The request's body as JSON, or NULL with a 400 in err. */
static json_t *body_json(const struct api_request *rq, struct cp_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(rq->body ? rq->body : "", rq->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        cp_fail(err, 400, "bad JSON in the request body: %s (line %d, column %d)", jerr.text,
                jerr.line, jerr.column);
    return j;
}

#define GLOB_MAX 128

/* ?state=NAME[,NAME...]&name=GLOB; 0, or -1 with a 400 in err. */
static int parse_filter(struct MHD_Connection *c, struct vm_filter *f, struct cp_error *err)
{
    const char *states = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
    f->states = 0;
    f->name_glob = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
    if (f->name_glob && (!f->name_glob[0] || strlen(f->name_glob) > GLOB_MAX))
        return cp_fail(err, 400, "name must be a pattern of 1 to %d characters", GLOB_MAX);
    for (const char *p = states; p && *p;) {
        size_t len = strcspn(p, ",");
        char word[16];
        int st = -1;
        if (len < sizeof word) {
            memcpy(word, p, len);
            word[len] = '\0';
            st = vm_state_parse(word);
        }
        if (st < 0)
            return cp_fail(err, 400, "state must be a list of defined, starting, running, "
                                     "paused, stopping, shutdown, crashed");
        f->states |= 1u << st;
        p += len + (p[len] == ',');
    }
    return 0;
}

static enum MHD_Result route_collection(struct api_server *s, struct MHD_Connection *c,
                                        struct api_request *rq, const char *method)
{
    struct cp_error err = {0};
    struct cp_user who = client_of(rq);
    if (strcmp(method, "GET") == 0) {
        const char *detail = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "detail");
        bool detailed = detail && strcmp(detail, "0") != 0;
        struct vm_filter filter;
        if (parse_filter(c, &filter, &err) < 0)
            return send_error(c, rq, &err);
        return send_result(c, rq, 200, vm_manager_list(s->m, &who, detailed, &filter, &err),
                           &err);
    }
    if (strcmp(method, "POST") != 0) {
        cp_fail(&err, 405, "%s is not allowed on /v1/vms (use GET or POST)", method);
        return send_error(c, rq, &err);
    }
    json_t *spec = body_json(rq, &err);
    if (!spec)
        return send_error(c, rq, &err);
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
    if (strcmp(method, "PATCH") == 0) {
        json_t *changes = body_json(rq, &err);
        if (!changes)
            return send_error(c, rq, &err);
        json_t *vm = vm_manager_update(s->m, name, &who, changes, &err);
        json_decref(changes);
        return send_result(c, rq, 200, vm, &err);
    }
    cp_fail(&err, 405, "%s is not allowed on a VM (use GET, PATCH or DELETE)", method);
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
    const char *lines_arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lines");
    uint64_t tail = lines_arg ? LOG_TAIL_MAX_BYTES : 65536, lines = 0;
    if (tail_arg && parse_u64(tail_arg, 0, LOG_TAIL_MAX_BYTES, &tail) < 0) {
        cp_fail(&err, 400, "tail must be a whole number of bytes from 0 to %u",
                LOG_TAIL_MAX_BYTES);
        return send_error(c, rq, &err);
    }
    if (lines_arg && parse_u64(lines_arg, 0, LOG_TAIL_MAX_LINES, &lines) < 0) {
        cp_fail(&err, 400, "lines must be a whole number from 0 to %u", LOG_TAIL_MAX_LINES);
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
    if (lines_arg && log_tail_keep_lines(t, lines) < 0) {
        free_log_tail(t);
        cp_fail(&err, 500, "cannot read the log of VM '%s'", name);
        return send_error(c, rq, &err);
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(
        log_tail_size(t), LOG_BLOCK_BYTES, read_log_block, t, free_log_tail);
    if (!resp)
        free_log_tail(t);
    return send_response(c, rq, 200, "text/plain", resp);
}

/* POST /v1/vms/NAME/memory {"target_mib": N}: the balloon target. */
static enum MHD_Result route_memory(struct api_server *s, struct MHD_Connection *c,
                                    struct api_request *rq, const char *name)
{
    struct cp_error err = {0};
    struct cp_user who = client_of(rq);
    json_t *body = json_loadb(rq->body ? rq->body : "", rq->len, 0, NULL);
    json_t *target = json_object_get(body, "target_mib");
    json_int_t mib = json_is_integer(target) ? json_integer_value(target) : -1;
    json_decref(body);
    if (mib < 1) {
        cp_fail(&err, 400, "memory of VM '%s': the body must be {\"target_mib\": N}, N a whole "
                           "number of MiB, 1 or more", name);
        return send_error(c, rq, &err);
    }
    return send_result(c, rq, 200, vm_manager_mem_set(s->m, name, &who, (uint64_t)mib, &err), &err);
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
    if (strcmp(method, "POST") == 0 && strcmp(sub, "memory") == 0)
        return route_memory(s, c, rq, name);
    if (strcmp(method, "GET") == 0 && strcmp(sub, "definition") == 0)
        return send_result(c, rq, 200, vm_manager_definition(s->m, name, &who, &err), &err);
    if (strcmp(method, "POST") == 0 && parse_action(sub, &action) == 0)
        return send_result(c, rq, 200, vm_manager_act(s->m, name, &who, action, &err), &err);
    if (strcmp(method, "POST") == 0 && (!strcmp(sub, "save") || !strcmp(sub, "snapshot")))
        return route_save(s, c, rq, name, strcmp(sub, "snapshot") == 0);
    cp_fail(&err, 404, "no such endpoint: %s /v1/vms/%s/%s", method, name, sub);
    return send_error(c, rq, &err);
}

#define EVENTS_WAIT_MAX_S 60u
#define EVENTS_PER_REPLY 100

/* The first turn of GET /v1/events: after= (default: the last event now)
 * and wait= fixed for every later turn.  0, or -1 with a 400 in err. */
static int begin_events(struct api_server *s, struct MHD_Connection *c, struct api_request *rq,
                        const struct cp_user *who, struct cp_error *err)
{
    const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
    const char *wait = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
    uint64_t a = 0, w = 0;
    if (after && parse_u64(after, 0, INT64_MAX, &a) < 0)
        return cp_fail(err, 400, "after must be an event id (a whole number >= 0)");
    if (wait && parse_u64(wait, 0, EVENTS_WAIT_MAX_S, &w) < 0)
        return cp_fail(err, 400, "wait must be whole seconds from 0 to %u", EVENTS_WAIT_MAX_S);
    rq->deadline_ns = monotonic_ns() + w * 1000000000ull;
    rq->events_after = (int64_t)a;
    if (!after) {
        json_t *now = vm_manager_events(s->m, who, -1, 0, NULL, err);
        if (!now)
            return -1;
        rq->events_after = (int64_t)json_integer_value(json_object_get(now, "last"));
        json_decref(now);
    }
    return 0;
}

/* Long poll: answered when there are events after `after` (or the ones
 * looked at were all invisible to this client), or at the deadline;
 * parked (no thread held) in between. */
static enum MHD_Result route_events(struct api_server *s, struct MHD_Connection *c,
                                    struct api_request *rq)
{
    struct cp_error err = {0};
    struct cp_user who = client_of(rq);
    const char *glob = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
    if (glob && (!glob[0] || strlen(glob) > GLOB_MAX)) {
        cp_fail(&err, 400, "name must be a pattern of 1 to %d characters", GLOB_MAX);
        return send_error(c, rq, &err);
    }
    if (!rq->deadline_ns && begin_events(s, c, rq, &who, &err) < 0)
        return send_error(c, rq, &err);
    for (int turn = 0;; turn++) {
        uint64_t generation = api_waiters_generation(s->waiters);
        json_t *j = vm_manager_events(s->m, &who, rq->events_after, EVENTS_PER_REPLY, glob, &err);
        if (!j)
            return send_error(c, rq, &err);
        bool found = json_array_size(json_object_get(j, "events")) > 0 ||
                     json_integer_value(json_object_get(j, "last")) != rq->events_after;
        if (found || monotonic_ns() >= rq->deadline_ns || turn >= 3)
            return send_json(c, rq, 200, j);
        json_decref(j);
        if (api_waiters_park(s->waiters, c, rq->deadline_ns, generation))
            return MHD_YES; /* answer() is called again once resumed */
    }
}

static enum MHD_Result route_metrics(struct api_server *s, struct MHD_Connection *c,
                                     struct api_request *rq)
{
    struct cp_error err = {0};
    struct cp_user who = client_of(rq);
    json_t *list = vm_manager_list(s->m, &who, true, NULL, &err);
    if (!list)
        return send_error(c, rq, &err);
    struct vm_manager_counters counted = vm_manager_counters(s->m);
    struct metrics_daemon d = {monotonic_ns() - s->started_ns,
                               __atomic_load_n(&s->requests, __ATOMIC_RELAXED), counted.starts,
                               counted.crashes};
    char *text = metrics_render(json_object_get(list, "vms"), &d);
    json_decref(list);
    if (!text) {
        cp_fail(&err, 500, "out of memory");
        return send_error(c, rq, &err);
    }
    enum MHD_Result r = send_text(c, rq, 200, METRICS_CONTENT_TYPE, text, strlen(text));
    free(text);
    return r;
}

static enum MHD_Result route(struct api_server *s, struct MHD_Connection *c,
                             struct api_request *rq, const char *method, const char *url)
{
    struct cp_error err = {0};
    char name[128], sub[32], extra;
    if (strcmp(url, "/v1/vms") == 0 || strcmp(url, "/v1/vms/") == 0)
        return route_collection(s, c, rq, method);
    if (strcmp(url, "/v1/events") == 0 && strcmp(method, "GET") == 0)
        return route_events(s, c, rq);
    if (strcmp(url, "/metrics") == 0 && strcmp(method, "GET") == 0)
        return route_metrics(s, c, rq);
    if (strcmp(url, "/v1/version") == 0)
        return send_json(c, rq, 200, json_pack("{s:i,s:s,s:s}", "api", 1, "server", "mica",
                                                     "version", mica_version()));
    if (strcmp(url, "/v1/memory") == 0 && strcmp(method, "GET") == 0)
        return send_json(c, rq, 200, vm_manager_memory(s->m));
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
    if (!rq->answered)
        return r; /* parked: logged when answered */
    unsigned status = 0;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
    if (info)
        status = info->http_status;
    log_request(rq, method, url, (int)status);
    __atomic_add_fetch(&s->requests, 1, __ATOMIC_RELAXED);
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

static void wake_waiters(void *arg)
{
    api_waiters_wake(arg);
}

static void api_server_free(struct api_server *s)
{
    api_waiters_free(s->waiters);
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
    s->started_ns = monotonic_ns();
    s->waiters = api_waiters_new();
    if (!s->waiters) {
        snprintf(err, errlen, "cannot start the events thread");
        api_server_free(s);
        return NULL;
    }
    peer_quota_init(&s->quota, API_CONNS_PER_PID, API_CONNS_PER_UID);
    pthread_mutex_init(&s->refusal_lock, NULL);
    /* A few threads, so that one slow request (a VM that is slow to answer
     * its control socket) does not hold up everybody else's. */
    s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                                  MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
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
    vm_manager_on_event(m, wake_waiters, s->waiters);
    return s;
}

void api_server_stop(struct api_server *s)
{
    if (!s)
        return;
    vm_manager_on_event(s->m, NULL, NULL);
    api_waiters_stop(s->waiters);
    MHD_stop_daemon(s->mhd);
    api_server_free(s);
}
