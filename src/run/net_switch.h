/*
 * The switch process (`mica switch`): one virtual switch and firewall-
 * router (vfr/switch.h) that VIFs of VMs in other processes plug into over
 * a unix SOCK_SEQPACKET socket (vfr/link.h), with an optional uplink to a
 * host tap device. One thread, one event loop: every frame is checked and
 * forwarded as it arrives, at most NET_SWITCH_BUDGET frames from one link
 * per wake-up, never blocking on a slow receiver (its frame is dropped and
 * counted). SIGTERM or SIGINT end it; SIGUSR1 prints the counters, as the
 * end does, and a port's own line is printed when it unplugs.
 */
#ifndef MICA_RUN_NET_SWITCH_H
#define MICA_RUN_NET_SWITCH_H

#include <stddef.h>
#include <stdio.h>

#include "vfr/switch.h"

#define NET_SWITCH_BUDGET 64
#define NET_SWITCH_LINKS (VFR_PORTS_MAX + 8) /* VIFs, and a few still saying hello */

struct net_switch_config {
    const char *path;       /* where VIFs connect */
    const char *tap;        /* NULL: no uplink */
    enum vfr_action default_action;
    size_t nrules;
    struct vfr_rule rules[VFR_RULES_MAX];
};

/* Serves until a signal ends it; the process's exit status (0, or 125
 * after one line on stderr when it cannot start). */
int net_switch_run(const struct net_switch_config *cfg);

/* Writes the counters of every port and rule, one line each. */
void net_switch_print(const struct vfr_switch *s, FILE *out);

#endif
