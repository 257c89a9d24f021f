/* The VFR's rule list: parsing the text form, and first-match matching. */
#include "vfr/rules.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errmsg.h"
#include "util/parse.h"

int vfr_parse_ipv4(const char *s, uint32_t *ip)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *ip = ntohl(a.s_addr);
    return 0;
}

int vfr_parse_cidr(const char *s, uint32_t *net, uint32_t *mask)
{
    char addr[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    uint64_t bits = 32;
    if (n >= sizeof addr || (slash && parse_u64(slash + 1, 0, 32, &bits) < 0))
        return -1;
    memcpy(addr, s, n);
    addr[n] = 0;
    uint32_t ip;
    if (vfr_parse_ipv4(addr, &ip) < 0)
        return -1;
    *mask = bits ? ~0u << (32 - bits) : 0;
    *net = ip & *mask;
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

int vfr_parse_mac(const char *s, uint8_t mac[6])
{
    if (strlen(s) != 17)
        return -1;
    for (int i = 0; i < 6; i++) {
        int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
    char first[8];
    const char *dash = strchr(s, '-');
    size_t n = dash ? (size_t)(dash - s) : strlen(s);
    uint64_t a, b;
    if (n == 0 || n >= sizeof first)
        return -1;
    memcpy(first, s, n);
    first[n] = 0;
    if (parse_u64(first, 0, 65535, &a) < 0 || parse_u64(dash ? dash + 1 : first, a, 65535, &b) < 0)
        return -1;
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return 0;
}

static int parse_ethertype(const char *v, uint16_t *out)
{
    if (!strcmp(v, "arp"))
        *out = VFR_ETHERTYPE_ARP;
    else if (!strcmp(v, "ipv4"))
        *out = VFR_ETHERTYPE_IPV4;
    else if (!strncmp(v, "0x", 2) && strlen(v) == 6 && strspn(v + 2, "0123456789abcdefABCDEF") == 4)
        *out = (uint16_t)strtoul(v + 2, NULL, 16);
    else
        return -1;
    return 0;
}

static int parse_proto(const char *v, uint8_t *out)
{
    uint64_t n;
    if (!strcmp(v, "tcp"))
        *out = VFR_PROTO_TCP;
    else if (!strcmp(v, "udp"))
        *out = VFR_PROTO_UDP;
    else if (!strcmp(v, "icmp"))
        *out = VFR_PROTO_ICMP;
    else if (parse_u64(v, 0, 255, &n) == 0)
        *out = (uint8_t)n;
    else
        return -1;
    return 0;
}

/* One key=value field; 0 or -1 (the caller names the field). */
static int parse_field(const char *key, const char *v, struct vfr_rule *r)
{
    if (!strcmp(key, "from")) {
        size_t n = strlen(v);
        if (n == 0 || n >= sizeof r->from)
            return -1;
        memcpy(r->from, v, n + 1);
        return 0;
    }
    if (!strcmp(key, "ether"))
        return r->match_ethertype = true, parse_ethertype(v, &r->ethertype);
    if (!strcmp(key, "proto"))
        return r->match_proto = true, parse_proto(v, &r->proto);
    if (!strcmp(key, "src"))
        return vfr_parse_cidr(v, &r->src_net, &r->src_mask);
    if (!strcmp(key, "dst"))
        return vfr_parse_cidr(v, &r->dst_net, &r->dst_mask);
    if (!strcmp(key, "sport"))
        return r->match_ports = true, parse_range(v, &r->sport_lo, &r->sport_hi);
    if (!strcmp(key, "dport"))
        return r->match_ports = true, parse_range(v, &r->dport_lo, &r->dport_hi);
    return -1;
}

#define RULE_TEXT_MAX 256

int vfr_rule_parse(const char *text, struct vfr_rule *r, char *err, size_t errlen)
{
    char buf[RULE_TEXT_MAX];
    if (strlen(text) >= sizeof buf)
        return errmsg(err, errlen, -1, "rule: longer than %d characters", RULE_TEXT_MAX - 1);
    memcpy(buf, text, strlen(text) + 1);
    *r = (struct vfr_rule){.sport_hi = 65535, .dport_hi = 65535};
    char *save = NULL, *tok = strtok_r(buf, ",", &save);
    if (tok && !strcmp(tok, "allow"))
        r->action = VFR_ALLOW;
    else if (tok && !strcmp(tok, "deny"))
        r->action = VFR_DENY;
    else
        return errmsg(err, errlen, -1, "rule '%s': must start with allow or deny", text);
    while ((tok = strtok_r(NULL, ",", &save))) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return errmsg(err, errlen, -1, "rule '%s': '%s' is not KEY=VALUE", text, tok);
        *eq = 0;
        if (parse_field(tok, eq + 1, r) < 0)
            return errmsg(err, errlen, -1, "rule '%s': bad %s '%s'", text, tok, eq + 1);
    }
    if (r->match_ports && !(r->match_proto && (r->proto == VFR_PROTO_TCP || r->proto == VFR_PROTO_UDP)))
        return errmsg(err, errlen, -1, "rule '%s': ports need proto=tcp or proto=udp", text);
    return 0;
}

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

static void append_cidr(char *buf, size_t len, size_t *used, const char *key, uint32_t net,
                        uint32_t mask)
{
    if (!mask)
        return;
    append(buf, len, used, ",%s=%u.%u.%u.%u/%d", key, net >> 24, (net >> 16) & 255,
           (net >> 8) & 255, net & 255, __builtin_popcount(mask));
}

void vfr_rule_format(const struct vfr_rule *r, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    append(buf, len, &used, "%s", r->action == VFR_ALLOW ? "allow" : "deny");
    if (r->from[0])
        append(buf, len, &used, ",from=%s", r->from);
    if (r->match_ethertype)
        append(buf, len, &used, ",ether=0x%04x", r->ethertype);
    if (r->match_proto)
        append(buf, len, &used, ",proto=%u", r->proto);
    append_cidr(buf, len, &used, "src", r->src_net, r->src_mask);
    append_cidr(buf, len, &used, "dst", r->dst_net, r->dst_mask);
    if (r->match_ports)
        append(buf, len, &used, ",sport=%u-%u,dport=%u-%u", r->sport_lo, r->sport_hi,
               r->dport_lo, r->dport_hi);
}

static bool in_prefix(uint32_t ip, uint32_t net, uint32_t mask) { return (ip & mask) == net; }

bool vfr_rule_matches(const struct vfr_rule *r, const struct vfr_frame *f, const char *from)
{
    if (r->from[0] && strcmp(r->from, from))
        return false;
    if (r->match_ethertype && f->ethertype != r->ethertype)
        return false;
    bool needs_ip = r->match_proto || r->src_mask || r->dst_mask;
    if (needs_ip && !f->is_ipv4)
        return false;
    if (r->match_proto && f->proto != r->proto)
        return false;
    if (!in_prefix(f->src_ip, r->src_net, r->src_mask) ||
        !in_prefix(f->dst_ip, r->dst_net, r->dst_mask))
        return false;
    if (r->match_ports)
        return f->has_ports && f->sport >= r->sport_lo && f->sport <= r->sport_hi &&
               f->dport >= r->dport_lo && f->dport <= r->dport_hi;
    return true;
}

struct vfr_rule *vfr_rules_first_match(struct vfr_rule *rules, size_t n,
                                       const struct vfr_frame *f, const char *from)
{
    for (size_t i = 0; i < n; i++)
        if (vfr_rule_matches(&rules[i], f, from))
            return &rules[i];
    return NULL;
}
