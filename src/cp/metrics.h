/*
 * GET /metrics: the daemon's view in Prometheus' text exposition format
 * (version 0.0.4), for a scraper that reaches the API socket (e.g. through
 * a socket-forwarding exporter).  One series per VM the client may see,
 * labelled name and id; daemon-wide counters without labels.
 */
#ifndef MICA_CP_METRICS_H
#define MICA_CP_METRICS_H

#include <jansson.h>
#include <stdint.h>

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_daemon {
    uint64_t uptime_ns;
    uint64_t requests; /* API requests answered */
    uint64_t vm_starts, vm_crashes;
};

/* vms: the array of GET /v1/vms?detail=1.  malloc'd text, or NULL. */
char *metrics_render(json_t *vms, const struct metrics_daemon *d);

#endif
