#include "cp/metrics.h"

#include "cp/vm_state.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One per-VM metric: its name, type, help, and where its value is. */
struct vm_metric {
    const char *name, *type, *help;
    const char *stat;  /* key in "stats", or NULL: `field` of the VM */
    const char *field;
    double scale;      /* value * scale */
};

static const struct vm_metric vm_metrics[] = {
    {"mica_vm_cpu_seconds_total", "counter", "CPU time of the VM's process (user + system)",
     "cpu_ns", NULL, 1e-9},
    {"mica_vm_memory_bytes", "gauge", "guest memory as defined", NULL, "mem_mib", 1048576.0},
    {"mica_vm_rss_bytes", "gauge", "resident memory of the VM's process", "rss_bytes", NULL, 1},
    {"mica_vm_uptime_seconds", "gauge", "time since the VM last started (0 when not live)", NULL,
     "uptime_ns", 1e-9},
    {"mica_vm_vcpus", "gauge", "virtual CPUs", NULL, "vcpus", 1},
    {"mica_vm_exits_total", "counter", "exits to the VMM, every reason together", "exits", NULL, 1},
    {"mica_vm_hypercalls_total", "counter", "hypercalls (PV guests)", "hypercalls", NULL, 1},
    {"mica_vm_run_seconds_total", "counter", "time the vCPUs spent in the guest", "run_ns", NULL,
     1e-9},
};

static const char *text_of(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* A label value with \ " and newline escaped, as the format wants. */
static void put_label(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', out);
        if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

static void put_vm_labels(FILE *out, json_t *vm)
{
    fputs("{name=\"", out);
    put_label(out, text_of(vm, "name"));
    fprintf(out, "\",id=\"%lld\"", (long long)json_integer_value(json_object_get(vm, "id")));
}

static void header(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_vm_metric(FILE *out, json_t *vms, const struct vm_metric *m)
{
    header(out, m->name, m->type, m->help);
    size_t i;
    json_t *vm;
    json_array_foreach(vms, i, vm) {
        json_t *v = m->stat ? json_object_get(json_object_get(vm, "stats"), m->stat)
                            : json_object_get(vm, m->field);
        if (!json_is_integer(v))
            continue; /* not live, or not counted by this kind of VM */
        fputs(m->name, out);
        put_vm_labels(out, vm);
        fprintf(out, "} %.9g\n", (double)json_integer_value(v) * m->scale);
    }
}

/* mica_vm_state: 1 for the VM's state, as an info-style series. */
static void render_states(FILE *out, json_t *vms)
{
    header(out, "mica_vm_state", "gauge", "1 for the state the VM is in");
    size_t i;
    json_t *vm;
    unsigned count[VM_STATE_COUNT] = {0};
    json_array_foreach(vms, i, vm) {
        const char *state = text_of(vm, "state");
        int s = vm_state_parse(state);
        if (s >= 0)
            count[s]++;
        fputs("mica_vm_state", out);
        put_vm_labels(out, vm);
        fprintf(out, ",state=\"%s\",kind=\"%s\"} 1\n", state,
                text_of(vm, "kind"));
    }
    header(out, "mica_vms", "gauge", "VMs in each state");
    for (int s = 0; s < VM_STATE_COUNT; s++)
        fprintf(out, "mica_vms{state=\"%s\"} %u\n", vm_state_name((enum vm_state)s), count[s]);
}

static void render_daemon(FILE *out, const struct metrics_daemon *d)
{
    header(out, "mica_daemon_uptime_seconds", "gauge", "time since the daemon started");
    fprintf(out, "mica_daemon_uptime_seconds %.3f\n", (double)d->uptime_ns / 1e9);
    header(out, "mica_daemon_requests_total", "counter", "API requests answered");
    fprintf(out, "mica_daemon_requests_total %llu\n", (unsigned long long)d->requests);
    header(out, "mica_daemon_vm_starts_total", "counter", "VM starts since the daemon started");
    fprintf(out, "mica_daemon_vm_starts_total %llu\n", (unsigned long long)d->vm_starts);
    header(out, "mica_daemon_vm_crashes_total", "counter",
            "VMs that crashed or failed to start since the daemon started");
    fprintf(out, "mica_daemon_vm_crashes_total %llu\n", (unsigned long long)d->vm_crashes);
}

char *metrics_render(json_t *vms, const struct metrics_daemon *d)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    render_daemon(out, d);
    render_states(out, vms);
    for (size_t i = 0; i < sizeof vm_metrics / sizeof vm_metrics[0]; i++)
        render_vm_metric(out, vms, &vm_metrics[i]);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
