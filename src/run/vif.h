/*
 * A PV guest's virtual network interfaces, as `mica run --net` asks for
 * them: each VIF's link is opened in the VM process before the guest runs
 * (and before a jail closes the filesystem), then a netback
 * (pvio/net/netback.h) serves it as a ring device of the domain.
 *
 *   --net switch=PATH[,mac=MAC][,ip=A.B.C.D][,name=NAME]
 *       plugs into the switch process listening at PATH (`mica switch`),
 *       which checks every frame (anti-spoofing with this MAC and IP, its
 *       rules); without ip= the VIF sends no IPv4 or ARP
 *   --net tap=NAME[,mac=MAC][,ip=A.B.C.D]
 *       a host tap device (needs CAP_NET_ADMIN), no VFR in between
 *
 * mac defaults to a random locally administered address, name to
 * GUEST-vifN.
 */
#ifndef MICA_RUN_VIF_H
#define MICA_RUN_VIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvio/net/netback.h"
#include "vfr/rules.h"

struct pv_domain;

struct vif_spec {
    const char *switch_path; /* exactly one of switch_path and tap */
    const char *tap;
    bool has_mac, has_ip;
    uint8_t mac[6];
    uint32_t ip;             /* host byte order */
    char name[VFR_NAME_MAX]; /* "" until given or defaulted */
};

/* Parses one --net value (its strings stay pointers into text, which must
 * outlive the spec). 0, or -1 with one line in err. */
int vif_spec_parse(char *text, struct vif_spec *s, char *err, size_t errlen);

/* Opens the link of VIF number index of guest `guest`: fills in the
 * defaults, connects and says hello (waiting at most a few seconds for the
 * switch's answer). The link's fd, or -1 with one line in err. */
int vif_open_link(struct vif_spec *s, const char *guest, unsigned index, char *err,
                  size_t errlen);

/* Adds the VIF as a ring device of d, served by nb over link_fd (nb owns
 * it from now on). 0, or -1 with one line in err. */
int vif_add(struct pv_domain *d, struct netback *nb, int link_fd, const struct vif_spec *s,
            unsigned index, char *err, size_t errlen);

/* The MAC as start_info carries it (mica/io/netif.h: first octet lowest). */
uint64_t vif_mac_word(const uint8_t mac[6]);

#endif
