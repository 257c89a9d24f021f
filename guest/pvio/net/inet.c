/* Minimal IPv4 over Ethernet for guests (mica/inet.h). */
#include "mica/inet.h"

#include "mica/io/netif.h"
#include "mica/string.h"

const uint8_t mica_mac_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define ETH 14u
#define IP 20u
#define MIN_FRAME 60u

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)(v >> 16)), wr16(p + 2, (uint16_t)v); }

/* The Internet checksum (RFC 1071) of n bytes. */
static uint16_t checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += rd16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static size_t padded(uint8_t *f, size_t n)
{
    if (n < MIN_FRAME) {
        memset(f + n, 0, MIN_FRAME - n);
        n = MIN_FRAME;
    }
    return n;
}

static void eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    wr16(f + 12, type);
}

size_t mica_inet_arp(uint8_t *f, uint16_t op, const uint8_t sha[6], uint32_t spa,
                     const uint8_t tha[6], uint32_t tpa)
{
    eth(f, op == 1 ? mica_mac_broadcast : tha, sha, MICA_ETH_ARP);
    uint8_t *a = f + ETH;
    wr16(a, 1), wr16(a + 2, MICA_ETH_IPV4), a[4] = 6, a[5] = 4, wr16(a + 6, op);
    memcpy(a + 8, sha, 6), wr32(a + 14, spa);
    memcpy(a + 18, tha, 6), wr32(a + 24, tpa);
    return padded(f, ETH + 28);
}

/* An IPv4 header for l4len bytes after it; returns where they go. */
static uint8_t *ipv4(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint32_t sip,
                     uint32_t dip, uint8_t proto, size_t l4len)
{
    eth(f, dmac, smac, MICA_ETH_IPV4);
    uint8_t *ip = f + ETH;
    memset(ip, 0, IP);
    ip[0] = 0x45, wr16(ip + 2, (uint16_t)(IP + l4len)), ip[8] = 64, ip[9] = proto;
    wr32(ip + 12, sip), wr32(ip + 16, dip);
    wr16(ip + 10, checksum(ip, IP));
    return ip + IP;
}

static size_t clamp(size_t len, size_t header)
{
    size_t room = MICA_NET_FRAME_MAX - ETH - IP - header;
    return len < room ? len : room;
}

size_t mica_inet_icmp_echo(uint8_t *f, uint8_t type, const uint8_t dmac[6], const uint8_t smac[6],
                           uint32_t sip, uint32_t dip, uint16_t id, uint16_t seq,
                           const void *data, size_t len)
{
    len = clamp(len, 8);
    uint8_t *icmp = ipv4(f, dmac, smac, sip, dip, MICA_IP_ICMP, 8 + len);
    icmp[0] = type, icmp[1] = 0, wr16(icmp + 2, 0), wr16(icmp + 4, id), wr16(icmp + 6, seq);
    memmove(icmp + 8, data, len);
    wr16(icmp + 2, checksum(icmp, 8 + len));
    return padded(f, ETH + IP + 8 + len);
}

size_t mica_inet_udp(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint32_t sip,
                     uint32_t dip, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
    len = clamp(len, 8);
    uint8_t *udp = ipv4(f, dmac, smac, sip, dip, MICA_IP_UDP, 8 + len);
    wr16(udp, sport), wr16(udp + 2, dport), wr16(udp + 4, (uint16_t)(8 + len)), wr16(udp + 6, 0);
    memmove(udp + 8, data, len); /* checksum 0: none, as IPv4 allows for UDP */
    return padded(f, ETH + IP + 8 + len);
}

static int parse_l4(const uint8_t *p, size_t n, struct mica_inet_frame *o)
{
    if (o->proto == MICA_IP_ICMP) {
        if (n < 8)
            return -1;
        o->icmp_type = p[0];
        o->icmp_id = rd16(p + 4);
        o->icmp_seq = rd16(p + 6);
    } else if (o->proto == MICA_IP_UDP) {
        if (n < 8 || rd16(p + 4) < 8 || rd16(p + 4) > n)
            return -1;
        o->sport = rd16(p);
        o->dport = rd16(p + 2);
        n = rd16(p + 4);
    } else {
        return -1;
    }
    o->payload = p + 8;
    o->payload_len = n - 8;
    return 0;
}

int mica_inet_parse(const uint8_t *f, size_t len, struct mica_inet_frame *o)
{
    memset(o, 0, sizeof *o);
    if (len < ETH)
        return -1;
    o->src_mac = f + 6;
    o->ethertype = rd16(f + 12);
    const uint8_t *p = f + ETH;
    size_t n = len - ETH;
    if (o->ethertype == MICA_ETH_ARP) {
        if (n < 28 || rd16(p) != 1 || rd16(p + 2) != MICA_ETH_IPV4 || p[4] != 6 || p[5] != 4)
            return -1;
        o->arp_op = rd16(p + 6);
        o->arp_sha = p + 8;
        o->arp_spa = rd32(p + 14);
        o->arp_tpa = rd32(p + 24);
        return 0;
    }
    if (o->ethertype != MICA_ETH_IPV4 || n < IP || (p[0] >> 4) != 4)
        return -1;
    size_t ihl = (size_t)(p[0] & 15) * 4, total = rd16(p + 2);
    if (ihl < IP || total < ihl || total > n || (rd16(p + 6) & 0x3fff)) /* no fragments */
        return -1;
    o->proto = p[9];
    o->src_ip = rd32(p + 12);
    o->dst_ip = rd32(p + 16);
    return parse_l4(p + ihl, total - ihl, o);
}

size_t mica_inet_answer(const uint8_t *f, size_t len, const uint8_t mac[6], uint32_t ip,
                        bool udp_echo, uint8_t *out)
{
    struct mica_inet_frame in;
    if (mica_inet_parse(f, len, &in) < 0)
        return 0;
    if (in.ethertype == MICA_ETH_ARP)
        return in.arp_op == 1 && in.arp_tpa == ip
                   ? mica_inet_arp(out, 2, mac, ip, in.arp_sha, in.arp_spa)
                   : 0;
    if (in.dst_ip != ip)
        return 0;
    if (in.proto == MICA_IP_ICMP && in.icmp_type == 8)
        return mica_inet_icmp_echo(out, 0, in.src_mac, mac, ip, in.src_ip, in.icmp_id,
                                   in.icmp_seq, in.payload, in.payload_len);
    if (in.proto == MICA_IP_UDP && udp_echo)
        return mica_inet_udp(out, in.src_mac, mac, ip, in.src_ip, in.dport, in.sport, in.payload,
                             in.payload_len);
    return 0;
}

int mica_inet_parse_ip(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        unsigned n = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4)
            n = n * 10 + (unsigned)(*s++ - '0'), digits++;
        if (!digits || n > 255 || (part < 3 && *s++ != '.'))
            return -1;
        v = v << 8 | n;
    }
    if (*s)
        return -1;
    *ip = v;
    return 0;
}
