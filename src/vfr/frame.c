/* Frame header parsing: every length is checked before it is believed. */
#include "vfr/frame.h"

#include <string.h>

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define ARP_IPV4_ETHER_LEN 28u

static enum vfr_parse_result parse_arp(const uint8_t *p, size_t len, struct vfr_frame *f)
{
    /* hardware Ethernet (1), protocol IPv4, address sizes 6 and 4 */
    if (len < ARP_IPV4_ETHER_LEN || be16(p) != 1 || be16(p + 2) != VFR_ETHERTYPE_IPV4 ||
        p[4] != 6 || p[5] != 4)
        return VFR_PARSE_BAD_ARP;
    f->arp_op = be16(p + 6);
    memcpy(f->arp_sha, p + 8, 6);
    f->arp_spa = be32(p + 14);
    f->arp_tpa = be32(p + 24);
    return VFR_PARSE_OK;
}

/* The transport header of a first (or only) fragment: [p, p + len) is the
 * IP payload as the IP header's lengths bound it. */
static enum vfr_parse_result parse_l4(const uint8_t *p, size_t len, struct vfr_frame *f)
{
    switch (f->proto) {
    case VFR_PROTO_TCP:
        /* ports, and a data offset that stays inside the packet */
        if (len < 20 || (p[12] >> 4) < 5 || (size_t)(p[12] >> 4) * 4 > len)
            return VFR_PARSE_BAD_L4;
        break;
    case VFR_PROTO_UDP:
        if (len < 8 || be16(p + 4) < 8 || be16(p + 4) > len)
            return VFR_PARSE_BAD_L4;
        break;
    case VFR_PROTO_ICMP:
        if (len < 8)
            return VFR_PARSE_BAD_L4;
        f->has_icmp = true;
        f->icmp_type = p[0];
        f->icmp_code = p[1];
        return VFR_PARSE_OK;
    default:
        return VFR_PARSE_OK; /* other protocols: matched by number only */
    }
    f->has_ports = true;
    f->sport = be16(p);
    f->dport = be16(p + 2);
    return VFR_PARSE_OK;
}

static enum vfr_parse_result parse_ipv4(const uint8_t *p, size_t len, struct vfr_frame *f)
{
    if (len < 20 || (p[0] >> 4) != 4)
        return VFR_PARSE_BAD_IPV4;
    size_t ihl = (size_t)(p[0] & 0xf) * 4, total = be16(p + 2);
    /* Ethernet may pad a short packet, never cut one: total <= len */
    if (ihl < 20 || total < ihl || total > len)
        return VFR_PARSE_BAD_IPV4;
    f->is_ipv4 = true;
    f->proto = p[9];
    f->src_ip = be32(p + 12);
    f->dst_ip = be32(p + 16);
    uint16_t frag_offset = be16(p + 6) & 0x1fff;
    if (frag_offset) {
        f->is_fragment = true;
        return VFR_PARSE_OK;
    }
    return parse_l4(p + ihl, total - ihl, f);
}

enum vfr_parse_result vfr_parse(const uint8_t *buf, size_t len, struct vfr_frame *f)
{
    memset(f, 0, sizeof *f);
    if (len < VFR_ETH_HEADER)
        return VFR_PARSE_SHORT;
    memcpy(f->dst, buf, 6);
    memcpy(f->src, buf + 6, 6);
    f->ethertype = be16(buf + 12);
    const uint8_t *p = buf + VFR_ETH_HEADER;
    size_t n = len - VFR_ETH_HEADER;
    if (f->ethertype == VFR_ETHERTYPE_ARP)
        return parse_arp(p, n, f);
    if (f->ethertype == VFR_ETHERTYPE_IPV4)
        return parse_ipv4(p, n, f);
    return VFR_PARSE_OK; /* other ethertypes: matched by ethertype only */
}

const char *vfr_parse_result_name(enum vfr_parse_result r)
{
    static const char *const names[] = {
        [VFR_PARSE_OK] = "ok", [VFR_PARSE_SHORT] = "short",
        [VFR_PARSE_BAD_ARP] = "bad ARP", [VFR_PARSE_BAD_IPV4] = "bad IPv4",
        [VFR_PARSE_BAD_L4] = "bad transport header",
    };
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}
