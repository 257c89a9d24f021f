/*
 * The rules of the virtual firewall-router: an ordered list, the first
 * rule that matches a frame decides (allow or deny), and the switch's
 * default policy decides frames no rule matches. A rule matches on any of
 * the VIF the frame came from, its ethertype, IPv4 source and destination
 * prefixes, IP protocol and TCP/UDP port ranges; a field left out matches
 * everything. Each rule counts the frames it decided.
 *
 * Text form (the switch's --rule, one argument, no spaces):
 *   ACTION[,from=VIF][,ether=arp|ipv4|0xHHHH][,proto=tcp|udp|icmp|N]
 *         [,src=A.B.C.D[/LEN]][,dst=A.B.C.D[/LEN]][,sport=N[-M]][,dport=N[-M]]
 * with ACTION allow or deny, e.g. "deny,proto=udp,dport=9".
 */
#ifndef MICA_VFR_RULES_H
#define MICA_VFR_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfr/frame.h"

#define VFR_RULES_MAX 64
#define VFR_NAME_MAX 32 /* a VIF's name, NUL included */

enum vfr_action { VFR_ALLOW = 0, VFR_DENY = 1 };

struct vfr_rule {
    enum vfr_action action;
    char from[VFR_NAME_MAX];       /* "" = any VIF */
    bool match_ethertype, match_proto, match_ports;
    uint16_t ethertype;
    uint8_t proto;
    uint32_t src_net, src_mask;    /* mask 0 = any (host byte order) */
    uint32_t dst_net, dst_mask;
    uint16_t sport_lo, sport_hi;   /* match_ports: both ranges apply */
    uint16_t dport_lo, dport_hi;
    uint64_t hits;
};

/* Parses the text form into r; 0, or -1 with one line in err naming the
 * rule and what is wrong with it. */
int vfr_rule_parse(const char *text, struct vfr_rule *r, char *err, size_t errlen);

/* Writes the text form of r (as vfr_rule_parse reads it) into buf. */
void vfr_rule_format(const struct vfr_rule *r, char *buf, size_t len);

/* Whether rule r matches frame f, which came from the VIF named from. */
bool vfr_rule_matches(const struct vfr_rule *r, const struct vfr_frame *f, const char *from);

/* The first of the n rules that matches, or NULL. */
struct vfr_rule *vfr_rules_first_match(struct vfr_rule *rules, size_t n,
                                       const struct vfr_frame *f, const char *from);

/* "A.B.C.D" or "A.B.C.D/LEN" into net and mask (host order); 0 or -1. */
int vfr_parse_cidr(const char *s, uint32_t *net, uint32_t *mask);
/* "A.B.C.D" into host order; 0 or -1. */
int vfr_parse_ipv4(const char *s, uint32_t *ip);
/* "aa:bb:cc:dd:ee:ff" into mac; 0 or -1. */
int vfr_parse_mac(const char *s, uint8_t mac[6]);

#endif
