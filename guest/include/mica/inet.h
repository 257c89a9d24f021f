/*
 * Just enough of IPv4 over Ethernet for the guest kit's network tests and
 * examples, written by hand: building ARP, ICMP echo and UDP frames, and
 * answering ARP requests, ICMP echo requests and (optionally) UDP
 * datagrams addressed to us. Received frames are checked for length before
 * any field is read. Addresses are in host byte order.
 */
#ifndef MICA_GUEST_INET_H
#define MICA_GUEST_INET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MICA_ETH_ARP 0x0806u
#define MICA_ETH_IPV4 0x0800u
#define MICA_IP_ICMP 1u
#define MICA_IP_UDP 17u

extern const uint8_t mica_mac_broadcast[6];

/* What a received frame is, once checked (see mica_inet_parse). */
struct mica_inet_frame {
    const uint8_t *src_mac;
    uint16_t ethertype;
    uint16_t arp_op;        /* ARP */
    const uint8_t *arp_sha;
    uint32_t arp_spa, arp_tpa;
    uint32_t src_ip, dst_ip; /* IPv4 */
    uint8_t proto;
    uint8_t icmp_type;       /* ICMP */
    uint16_t icmp_id, icmp_seq;
    uint16_t sport, dport;   /* UDP */
    const uint8_t *payload;  /* ICMP echo data or UDP data */
    size_t payload_len;
};

/* 0 when the frame is ARP for IPv4, or IPv4 (not a fragment) carrying
 * ICMP or UDP, well-formed as far as the fields above go; -1 otherwise. */
int mica_inet_parse(const uint8_t *f, size_t len, struct mica_inet_frame *out);

/* Frame builders: each writes into f (room for MICA_NET_FRAME_MAX bytes)
 * and returns the frame's length, at least 60 (padded as Ethernet wants). */
size_t mica_inet_arp(uint8_t *f, uint16_t op, const uint8_t sha[6], uint32_t spa,
                     const uint8_t tha[6], uint32_t tpa);
size_t mica_inet_icmp_echo(uint8_t *f, uint8_t type, const uint8_t dmac[6], const uint8_t smac[6],
                           uint32_t sip, uint32_t dip, uint16_t id, uint16_t seq,
                           const void *data, size_t len);
size_t mica_inet_udp(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint32_t sip,
                     uint32_t dip, uint16_t sport, uint16_t dport, const void *data, size_t len);

/* The answer of a host with mac and ip to frame f: an ARP reply to a
 * request for ip, an echo reply to an echo request to ip, and with
 * udp_echo the datagram sent back to a UDP datagram to ip. Its length in
 * out, or 0 when f wants no answer. */
size_t mica_inet_answer(const uint8_t *f, size_t len, const uint8_t mac[6], uint32_t ip,
                        bool udp_echo, uint8_t *out);

/* "A.B.C.D" into host order: 0, or -1. */
int mica_inet_parse_ip(const char *s, uint32_t *ip);

#endif
