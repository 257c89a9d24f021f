#include "cli/cp_client.h"

#include "cp/cp_paths.h"
#include "cp/vm_spec.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char socket_path[PATH_MAX];

void cp_client_take_socket_option(int *argc, char **argv)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(argv[i], "--socket") == 0 && i + 1 < *argc)
            snprintf(socket_path, sizeof socket_path, "%s", argv[++i]);
        else if (strncmp(argv[i], "--socket=", 9) == 0)
            snprintf(socket_path, sizeof socket_path, "%s", argv[i] + 9);
        else
            argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
}

const char *cp_client_socket(void)
{
    if (!socket_path[0])
        cp_default_socket(socket_path, sizeof socket_path);
    return socket_path;
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    struct cp_response *resp = arg;
    size_t bytes = size * n;
    char *body = realloc(resp->body, resp->len + bytes + 1);
    if (!body)
        return 0;
    memcpy(body + resp->len, data, bytes);
    resp->body = body;
    resp->len += bytes;
    body[resp->len] = '\0';
    return bytes;
}

int cp_http(const char *method, const char *path, const char *body, struct cp_response *resp)
{
    memset(resp, 0, sizeof *resp);
    CURL *curl = curl_easy_init();
    if (!curl) {
        fprintf(stderr, "mica: cannot initialise libcurl\n");
        return -1;
    }
    char url[PATH_MAX];
    snprintf(url, sizeof url, "http://localhost%s", path);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, cp_client_socket());
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
    else
        fprintf(stderr, "mica: cannot reach the daemon at %s: %s (is `mica daemon` running?)\n",
                cp_client_socket(), curl_easy_strerror(rc));
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (!resp->body)
        resp->body = calloc(1, 1);
    return rc == CURLE_OK ? 0 : -1;
}

void cp_response_free(struct cp_response *resp)
{
    free(resp->body);
    resp->body = NULL;
}

int cp_call(const char *what, const char *method, const char *path, json_t *body, json_t **out)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct cp_response resp;
    int rc = cp_http(method, path, text, &resp);
    free(text);
    if (out)
        *out = NULL;
    if (rc < 0) {
        cp_response_free(&resp);
        return 1;
    }
    json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
    if (resp.status >= 200 && resp.status < 300) {
        if (out)
            *out = j;
        else
            json_decref(j);
        cp_response_free(&resp);
        return 0;
    }
    const char *why = j ? json_string_value(json_object_get(j, "error")) : NULL;
    fprintf(stderr, "mica: %s: %s (HTTP %ld)\n", what, why ? why : resp.body, resp.status);
    json_decref(j);
    cp_response_free(&resp);
    return 1;
}

char *cp_vm_path(const char *name, const char *suffix)
{
    if (!vm_name_valid(name)) {
        fprintf(stderr, "mica: '%s' is not a valid VM name (1-63 of A-Z a-z 0-9 _ . -)\n", name);
        return NULL;
    }
    size_t size = strlen(name) + strlen(suffix) + 16;
    char *path = malloc(size);
    if (path)
        snprintf(path, size, "/v1/vms/%s%s", name, suffix);
    return path;
}

int cp_call_vm(const char *verb, const char *method, const char *name, const char *suffix,
               json_t **out)
{
    char *path = cp_vm_path(name, suffix);
    if (!path)
        return 1;
    char what[128];
    snprintf(what, sizeof what, "%s %s", verb, name);
    int rc = cp_call(what, method, path, NULL, out);
    free(path);
    return rc;
}

char *cp_url_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(s) * 3 + 1), *o = out;
    for (; out && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            strchr("-._~", ch)) {
            *o++ = (char)ch;
        } else {
            *o++ = '%';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        }
    }
    if (out)
        *o = '\0';
    return out;
}

void print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2));
    if (text)
        puts(text);
    free(text);
}
