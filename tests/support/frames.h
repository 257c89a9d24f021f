/*
 * Ethernet frames for tests of the VFR and the VIF back end: well-formed
 * ARP, IPv4/UDP/TCP/ICMP frames that tests then damage on purpose.
 * Header-only, as pv_testbed.h. Addresses in host byte order.
 */
#ifndef MICA_TESTS_FRAMES_H
#define MICA_TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
#define IP_A 0x0a000001u /* 10.0.0.1 */
#define IP_B 0x0a000002u /* 10.0.0.2 */

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static inline size_t frame_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(b, dst, 6);
    memcpy(b + 6, src, 6);
    put16(b + 12, type);
    return 14;
}

static inline size_t frame_arp(uint8_t *b, const uint8_t src[6], uint16_t op, uint32_t spa,
                               uint32_t tpa)
{
    size_t n = frame_eth(b, mac_bcast, src, 0x0806);
    uint8_t *p = b + n;
    put16(p, 1), put16(p + 2, 0x0800), p[4] = 6, p[5] = 4, put16(p + 6, op);
    memcpy(p + 8, src, 6), put32(p + 14, spa);
    memset(p + 18, 0, 6), put32(p + 24, tpa);
    return n + 28;
}

/* IPv4 with a 20-byte header and the l4 bytes after it. */
static inline size_t frame_ipv4(uint8_t *b, const uint8_t dst[6], const uint8_t src[6],
                                uint32_t sip, uint32_t dip, uint8_t proto, const uint8_t *l4,
                                size_t l4len)
{
    size_t n = frame_eth(b, dst, src, 0x0800);
    uint8_t *p = b + n;
    memset(p, 0, 20);
    p[0] = 0x45, put16(p + 2, (uint16_t)(20 + l4len)), p[8] = 64, p[9] = proto;
    put32(p + 12, sip), put32(p + 16, dip);
    uint32_t sum = 0; /* the header checksum: a host stack drops packets without it */
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(p + 10, (uint16_t)~sum);
    memcpy(p + 20, l4, l4len);
    return n + 20 + l4len;
}

static inline size_t frame_udp(uint8_t *b, const uint8_t dst[6], const uint8_t src[6],
                               uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport)
{
    uint8_t u[8 + 4] = {0};
    put16(u, sport), put16(u + 2, dport), put16(u + 4, sizeof u);
    memcpy(u + 8, "ping", 4);
    return frame_ipv4(b, dst, src, sip, dip, 17, u, sizeof u);
}

static inline size_t frame_tcp(uint8_t *b, const uint8_t dst[6], const uint8_t src[6],
                               uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport)
{
    uint8_t t[20] = {0};
    put16(t, sport), put16(t + 2, dport), t[12] = 5 << 4;
    return frame_ipv4(b, dst, src, sip, dip, 6, t, sizeof t);
}

static inline size_t frame_icmp_echo(uint8_t *b, const uint8_t dst[6], const uint8_t src[6],
                                     uint32_t sip, uint32_t dip)
{
    uint8_t e[8 + 8] = {8, 0};
    return frame_ipv4(b, dst, src, sip, dip, 1, e, sizeof e);
}

#endif
