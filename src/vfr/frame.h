/*
 * Header parsing of Ethernet frames for the virtual firewall-router: the
 * Ethernet II header, ARP for IPv4 over Ethernet, IPv4, and the ports or
 * type of TCP, UDP and ICMP. Pure functions over bytes a guest wrote: every
 * length is checked against what is really there before it is believed,
 * and a frame whose headers lie (an IHL below 5 or past the packet, a
 * total length past the frame, a TCP data offset past the packet, a first
 * fragment too short for its ports) is malformed, never half-parsed.
 * Non-first IPv4 fragments carry no transport header: they parse with
 * is_fragment set and no ports, so a rule that names ports never matches
 * them (docs/network.md).
 */
#ifndef MICA_VFR_FRAME_H
#define MICA_VFR_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFR_ETH_HEADER 14u
#define VFR_ETHERTYPE_IPV4 0x0800u
#define VFR_ETHERTYPE_ARP 0x0806u
#define VFR_PROTO_ICMP 1u
#define VFR_PROTO_TCP 6u
#define VFR_PROTO_UDP 17u

enum vfr_parse_result {
    VFR_PARSE_OK = 0,
    VFR_PARSE_SHORT,    /* shorter than an Ethernet header          */
    VFR_PARSE_BAD_ARP,  /* ARP too short, or not IPv4 over Ethernet */
    VFR_PARSE_BAD_IPV4, /* version, IHL or total length lie         */
    VFR_PARSE_BAD_L4,   /* TCP/UDP/ICMP header cut short or lying   */
};

struct vfr_frame {
    uint8_t dst[6], src[6];
    uint16_t ethertype;
    /* ARP (ethertype ARP): operation, sender and target */
    uint16_t arp_op;
    uint8_t arp_sha[6];
    uint32_t arp_spa, arp_tpa; /* host byte order */
    /* IPv4 (ethertype IPv4) */
    bool is_ipv4;
    uint32_t src_ip, dst_ip; /* host byte order */
    uint8_t proto;
    bool is_fragment;        /* a non-first fragment: no ports */
    bool has_ports;          /* TCP or UDP with its header present */
    uint16_t sport, dport;
    bool has_icmp;
    uint8_t icmp_type, icmp_code;
};

/* Parses the headers of the frame [buf, buf + len). */
enum vfr_parse_result vfr_parse(const uint8_t *buf, size_t len, struct vfr_frame *f);

/* A short name of a result, for counters and messages. */
const char *vfr_parse_result_name(enum vfr_parse_result r);

/* Multicast (and broadcast) MAC addresses have the low bit of octet 0 set. */
static inline bool vfr_mac_is_multicast(const uint8_t mac[6]) { return mac[0] & 1; }

#endif
