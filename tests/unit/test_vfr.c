/* The virtual firewall-router: header parsing of hostile frames, the rule
 * parser and matcher, anti-spoofing, MAC pinning and learning, flooding,
 * and the counters. No I/O: frames are delivered into arrays here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "support/frames.h"
#include "vfr/frame.h"
#include "vfr/rules.h"
#include "vfr/switch.h"

static uint8_t fr[2048];

/* ---- parsing ----------------------------------------------------------- */

static void good_frames_parse(void **state)
{
    (void)state;
    struct vfr_frame f;
    size_t n = frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1234, 7);
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_OK);
    assert_true(f.is_ipv4 && f.has_ports && !f.is_fragment);
    assert_int_equal(f.proto, VFR_PROTO_UDP);
    assert_int_equal(f.src_ip, IP_A);
    assert_int_equal(f.dst_ip, IP_B);
    assert_int_equal(f.sport, 1234);
    assert_int_equal(f.dport, 7);
    assert_memory_equal(f.src, mac_a, 6);
    n = frame_tcp(fr, mac_b, mac_a, IP_A, IP_B, 40000, 80);
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_OK);
    assert_int_equal(f.dport, 80);
    n = frame_icmp_echo(fr, mac_b, mac_a, IP_A, IP_B);
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_OK);
    assert_true(f.has_icmp && !f.has_ports);
    assert_int_equal(f.icmp_type, 8);
    n = frame_arp(fr, mac_a, 1, IP_A, IP_B);
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_OK);
    assert_int_equal(f.arp_op, 1);
    assert_int_equal(f.arp_spa, IP_A);
    assert_int_equal(f.arp_tpa, IP_B);
    assert_memory_equal(f.arp_sha, mac_a, 6);
    /* an unknown ethertype is a frame too: matched by ethertype only */
    n = frame_eth(fr, mac_b, mac_a, 0x86dd);
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_OK);
    assert_false(f.is_ipv4);
    /* Ethernet padding past the IP total length is fine */
    n = frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 2);
    assert_int_equal(vfr_parse(fr, n + 30, &f), VFR_PARSE_OK);
}

static void truncated_frames_are_malformed(void **state)
{
    (void)state;
    struct vfr_frame f;
    assert_int_equal(vfr_parse(fr, 0, &f), VFR_PARSE_SHORT);
    assert_int_equal(vfr_parse(fr, 13, &f), VFR_PARSE_SHORT);
    size_t n = frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 2);
    for (size_t cut = 14; cut < n; cut++) /* every cut of a UDP frame */
        assert_int_not_equal(vfr_parse(fr, cut, &f), VFR_PARSE_OK);
    n = frame_arp(fr, mac_a, 1, IP_A, IP_B);
    assert_int_equal(vfr_parse(fr, n - 1, &f), VFR_PARSE_BAD_ARP);
    n = frame_tcp(fr, mac_b, mac_a, IP_A, IP_B, 1, 2);
    assert_int_equal(vfr_parse(fr, n - 1, &f), VFR_PARSE_BAD_IPV4); /* total length lies */
}

static void lying_ip_headers_are_malformed(void **state)
{
    (void)state;
    struct vfr_frame f;
    size_t n = frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 2);
    uint8_t *ip = fr + 14;
    ip[0] = 0x44; /* IHL 4: shorter than a header */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_IPV4);
    ip[0] = 0x4f; /* IHL 15: 60 bytes, past the 32-byte packet */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_IPV4);
    ip[0] = 0x65; /* version 6 with an IPv4 ethertype */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_IPV4);
    ip[0] = 0x45;
    put16(ip + 2, 19); /* total length below the header */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_IPV4);
    put16(ip + 2, 0xffff); /* total length past the frame */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_IPV4);
    put16(ip + 2, 24); /* a packet too short for its UDP header */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_L4);
    put16(ip + 2, 32);
    put16(ip + 20 + 4, 4000); /* UDP length past the packet */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_L4);
    put16(ip + 20 + 4, 7); /* UDP length below its header */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_L4);
    n = frame_tcp(fr, mac_b, mac_a, IP_A, IP_B, 1, 2);
    ip[20 + 12] = 15 << 4; /* TCP data offset 60 in a 20-byte segment */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_L4);
    ip[20 + 12] = 4 << 4; /* below its minimum */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_L4);
    n = frame_arp(fr, mac_a, 1, IP_A, IP_B);
    fr[14 + 4] = 8; /* hardware address length 8 */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_ARP);
}

static void fragments_carry_no_ports(void **state)
{
    (void)state;
    struct vfr_frame f;
    size_t n = frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 7);
    uint8_t *ip = fr + 14;
    put16(ip + 6, 0x0001); /* offset 8 bytes: a non-first fragment */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_OK);
    assert_true(f.is_fragment && !f.has_ports);
    put16(ip + 6, 0x2000); /* first fragment (more fragments): ports must be there */
    put16(ip + 2, 24);     /* ... and are not: a tiny first fragment */
    assert_int_equal(vfr_parse(fr, n, &f), VFR_PARSE_BAD_L4);
    assert_string_equal(vfr_parse_result_name(VFR_PARSE_BAD_L4), "bad transport header");
}

/* ---- rules ------------------------------------------------------------- */

static void rules_parse_and_print(void **state)
{
    (void)state;
    struct vfr_rule r;
    char err[256], text[256];
    assert_int_equal(vfr_rule_parse("deny,proto=udp,dport=9", &r, err, sizeof err), 0);
    assert_int_equal(r.action, VFR_DENY);
    assert_true(r.match_proto && r.match_ports);
    assert_int_equal(r.dport_lo, 9);
    assert_int_equal(r.dport_hi, 9);
    assert_int_equal(r.sport_hi, 65535);
    vfr_rule_format(&r, text, sizeof text);
    assert_string_equal(text, "deny,proto=17,sport=0-65535,dport=9-9");
    assert_int_equal(vfr_rule_parse("allow,from=vm1,ether=0x0800,src=10.0.0.0/8,dst=10.1.2.3,"
                                    "proto=tcp,sport=1000-2000",
                                    &r, err, sizeof err), 0);
    assert_string_equal(r.from, "vm1");
    assert_int_equal(r.src_net, 0x0a000000);
    assert_int_equal(r.src_mask, 0xff000000);
    assert_int_equal(r.dst_mask, 0xffffffff);
    vfr_rule_format(&r, text, sizeof text);
    struct vfr_rule again;
    assert_int_equal(vfr_rule_parse(text, &again, err, sizeof err), 0); /* round trip */
    assert_int_equal(again.src_net, r.src_net);
    assert_int_equal(again.sport_hi, 2000);
    assert_int_equal(vfr_rule_parse("allow,ether=arp", &r, err, sizeof err), 0);
    assert_int_equal(r.ethertype, VFR_ETHERTYPE_ARP);
}

static void bad_rules_get_one_line(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "permit", "allowx", "deny,proto", "deny,proto=xyz", "deny,proto=256",
        "deny,dport=9", /* ports without tcp/udp */
        "deny,proto=icmp,dport=9", "deny,proto=udp,dport=70000", "deny,proto=udp,dport=9-8",
        "deny,proto=udp,dport=-", "deny,proto=udp,dport=1-2-3", "deny,src=10.0.0.0/33",
        "deny,src=10.0.0/8", "deny,dst=1.2.3.4/", "deny,ether=0x800", "deny,ether=0xgggg",
        "deny,from=", "deny,from=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "deny,color=red",
        "deny,src=10.0.0.1/+8", "deny,proto=udp,dport= 9",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct vfr_rule r;
        char err[256] = "";
        assert_int_equal(vfr_rule_parse(bad[i], &r, err, sizeof err), -1);
        assert_non_null(strstr(err, "rule"));
        assert_null(strchr(err, '\n'));
    }
    char longer[400];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    struct vfr_rule r;
    char err[256];
    assert_int_equal(vfr_rule_parse(longer, &r, err, sizeof err), -1);
}

static void addresses_parse_strictly(void **state)
{
    (void)state;
    uint8_t mac[6];
    uint32_t ip, net, mask;
    assert_int_equal(vfr_parse_mac("02:00:00:00:00:0A", mac), 0);
    assert_memory_equal(mac, mac_a, 6);
    assert_int_equal(vfr_parse_mac("02:00:00:00:00", mac), -1);
    assert_int_equal(vfr_parse_mac("02-00-00-00-00-0a", mac), -1);
    assert_int_equal(vfr_parse_mac("02:00:00:00:00:0g", mac), -1);
    assert_int_equal(vfr_parse_mac("02:00:00:00:00:0a:", mac), -1);
    assert_int_equal(vfr_parse_mac(" 2:00:00:00:00:0a", mac), -1);
    assert_int_equal(vfr_parse_ipv4("10.0.0.1", &ip), 0);
    assert_int_equal(ip, IP_A);
    assert_int_equal(vfr_parse_ipv4("10.0.0.256", &ip), -1);
    assert_int_equal(vfr_parse_cidr("10.0.0.9/0", &net, &mask), 0);
    assert_int_equal(mask, 0);
    assert_int_equal(net, 0);
    assert_int_equal(vfr_parse_cidr("10.0.0.9/24", &net, &mask), 0);
    assert_int_equal(net, 0x0a000000);
}

static void rules_match_what_they_say(void **state)
{
    (void)state;
    struct vfr_rule r[3];
    char err[256];
    assert_int_equal(vfr_rule_parse("deny,proto=udp,dport=9", &r[0], err, sizeof err), 0);
    assert_int_equal(vfr_rule_parse("allow,from=a,src=10.0.0.0/24", &r[1], err, sizeof err), 0);
    assert_int_equal(vfr_rule_parse("deny,ether=ipv4", &r[2], err, sizeof err), 0);
    struct vfr_frame f;
    vfr_parse(fr, frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 9), &f);
    assert_ptr_equal(vfr_rules_first_match(r, 3, &f, "a"), &r[0]);
    vfr_parse(fr, frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 7), &f);
    assert_ptr_equal(vfr_rules_first_match(r, 3, &f, "a"), &r[1]);
    assert_ptr_equal(vfr_rules_first_match(r, 3, &f, "b"), &r[2]); /* from= differs */
    vfr_parse(fr, frame_tcp(fr, mac_b, mac_a, IP_A, IP_B, 1, 9), &f);
    assert_ptr_equal(vfr_rules_first_match(r, 3, &f, "a"), &r[1]); /* tcp, not udp */
    vfr_parse(fr, frame_arp(fr, mac_a, 1, IP_A, IP_B), &f);
    assert_null(vfr_rules_first_match(r, 3, &f, "b")); /* ARP has no IP fields */
    /* a non-first fragment of UDP to port 9 has no ports: the port rule
     * does not match it */
    size_t n = frame_udp(fr, mac_b, mac_a, 0x0b000001, IP_B, 1, 9);
    put16(fr + 14 + 6, 0x0001);
    vfr_parse(fr, n, &f);
    assert_ptr_equal(vfr_rules_first_match(r, 3, &f, "a"), &r[2]);
}

/* ---- the switch -------------------------------------------------------- */

struct sent {
    unsigned port;
    size_t len;
};
static struct sent out[64];
static unsigned nout;
static int refuse_port = -1;

static int collect(void *ctx, unsigned port, const uint8_t *frame, size_t len)
{
    (void)ctx, (void)frame;
    if ((int)port == refuse_port)
        return -1;
    if (nout < 64)
        out[nout++] = (struct sent){port, len};
    return 0;
}

static struct vfr_switch sw;
static int pa, pb, pu;

static int setup_switch(void **state)
{
    (void)state;
    vfr_switch_init(&sw, VFR_ALLOW);
    struct vfr_port_config a = {.name = "a", .has_ip = true, .ip = IP_A};
    struct vfr_port_config b = {.name = "b", .has_ip = true, .ip = IP_B};
    struct vfr_port_config up = {.name = "tap", .uplink = true};
    memcpy(a.mac, mac_a, 6);
    memcpy(b.mac, mac_b, 6);
    char err[256];
    pa = vfr_switch_plug(&sw, &a, err, sizeof err);
    pb = vfr_switch_plug(&sw, &b, err, sizeof err);
    pu = vfr_switch_plug(&sw, &up, err, sizeof err);
    nout = 0;
    refuse_port = -1;
    return pa < 0 || pb < 0 || pu < 0;
}

static enum vfr_verdict send_from(int port, size_t len)
{
    nout = 0;
    return vfr_switch_input(&sw, (unsigned)port, fr, len, collect, NULL);
}

static void unicast_goes_to_its_owner_broadcast_floods(void **state)
{
    (void)state;
    assert_int_equal(send_from(pa, frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 7)), VFR_FORWARDED);
    assert_int_equal(nout, 1);
    assert_int_equal(out[0].port, pb);
    assert_int_equal(send_from(pa, frame_arp(fr, mac_a, 1, IP_A, IP_B)), VFR_FORWARDED);
    assert_int_equal(nout, 2); /* b and the uplink, never back to a */
    assert_true(out[0].port != (unsigned)pa && out[1].port != (unsigned)pa);
    /* unknown unicast floods until the uplink's MAC is learned */
    static const uint8_t host[6] = {0x52, 0x54, 0, 0, 0, 1};
    assert_int_equal(send_from(pa, frame_udp(fr, host, mac_a, IP_A, 0x0a0000fe, 1, 7)), VFR_FORWARDED);
    assert_int_equal(nout, 2);
    assert_int_equal(send_from(pu, frame_udp(fr, mac_a, host, 0x0a0000fe, IP_A, 7, 1)), VFR_FORWARDED);
    assert_int_equal(nout, 1);
    assert_int_equal(out[0].port, pa);
    assert_int_equal(send_from(pa, frame_udp(fr, host, mac_a, IP_A, 0x0a0000fe, 1, 7)), VFR_FORWARDED);
    assert_int_equal(nout, 1);
    assert_int_equal(out[0].port, pu);
    assert_int_equal(sw.port[pa].c.in_frames, 4);
    assert_int_equal(sw.port[pb].c.out_frames, 3);
}

static void spoofed_frames_are_dropped_and_counted(void **state)
{
    (void)state;
    static const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x99};
    assert_int_equal(send_from(pa, frame_udp(fr, mac_b, other, IP_A, IP_B, 1, 7)), VFR_DROP_SPOOFED);
    assert_int_equal(send_from(pa, frame_udp(fr, mac_b, mac_b, IP_A, IP_B, 1, 7)), VFR_DROP_SPOOFED);
    assert_int_equal(send_from(pa, frame_udp(fr, mac_b, mac_a, IP_B, IP_B, 1, 7)), VFR_DROP_SPOOFED);
    assert_int_equal(send_from(pa, frame_arp(fr, mac_a, 2, IP_B, IP_A)), VFR_DROP_SPOOFED);
    size_t n = frame_arp(fr, mac_a, 2, IP_A, IP_B);
    memcpy(fr + 14 + 8, mac_b, 6); /* ARP sender hardware address lies */
    assert_int_equal(send_from(pa, n), VFR_DROP_SPOOFED);
    assert_int_equal(nout, 0);
    assert_int_equal(sw.port[pa].c.spoofed, 5);
    /* a VIF without an IP sends no IPv4 and no ARP, other frames yes */
    struct vfr_port_config c = {.name = "noip", .mac = {0x02, 0, 0, 0, 0, 0x0c}};
    char err[256];
    int p = vfr_switch_plug(&sw, &c, err, sizeof err);
    assert_true(p >= 0);
    assert_int_equal(send_from(p, frame_udp(fr, mac_b, c.mac, 0, IP_B, 68, 67)), VFR_DROP_SPOOFED);
    assert_int_equal(send_from(p, frame_eth(fr, mac_b, c.mac, 0x88b5)), VFR_FORWARDED);
    /* an uplink may send from anywhere */
    assert_int_equal(send_from(pu, frame_udp(fr, mac_b, other, IP_B, IP_B, 1, 7)), VFR_FORWARDED);
    assert_int_equal(send_from(pa, 10), VFR_DROP_MALFORMED);
    assert_int_equal(sw.port[pa].c.malformed, 1);
    assert_int_equal(send_from(VFR_PORTS_MAX + 3, 60), VFR_DROP_NO_PORT);
}

static void rules_and_default_policy_decide(void **state)
{
    (void)state;
    struct vfr_rule r;
    char err[256];
    assert_int_equal(vfr_rule_parse("deny,proto=udp,dport=9", &r, err, sizeof err), 0);
    assert_int_equal(vfr_switch_add_rule(&sw, &r, err, sizeof err), 0);
    assert_int_equal(send_from(pa, frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 9)), VFR_DROP_DENIED);
    assert_int_equal(send_from(pa, frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 7)), VFR_FORWARDED);
    assert_int_equal(sw.rules[0].hits, 1);
    assert_int_equal(sw.default_hits, 1);
    assert_int_equal(sw.port[pa].c.denied, 1);
    sw.default_action = VFR_DENY;
    assert_int_equal(vfr_rule_parse("allow,ether=arp", &r, err, sizeof err), 0);
    assert_int_equal(vfr_switch_add_rule(&sw, &r, err, sizeof err), 0);
    assert_int_equal(send_from(pa, frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 7)), VFR_DROP_DENIED);
    assert_int_equal(send_from(pa, frame_arp(fr, mac_a, 1, IP_A, IP_B)), VFR_FORWARDED);
    for (size_t i = sw.nrules; i < VFR_RULES_MAX; i++)
        assert_int_equal(vfr_switch_add_rule(&sw, &r, err, sizeof err), 0);
    assert_int_equal(vfr_switch_add_rule(&sw, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "rules"));
}

static void a_full_port_drops_and_counts(void **state)
{
    (void)state;
    refuse_port = pb;
    assert_int_equal(send_from(pa, frame_udp(fr, mac_b, mac_a, IP_A, IP_B, 1, 7)), VFR_FORWARDED);
    assert_int_equal(nout, 0);
    assert_int_equal(sw.port[pb].c.out_dropped, 1);
}

static void plugging_checks_names_and_macs(void **state)
{
    (void)state;
    char err[256];
    struct vfr_port_config c = {.name = "a", .mac = {0x02, 1, 1, 1, 1, 1}};
    assert_int_equal(vfr_switch_plug(&sw, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "name is in use"));
    c.name = "c";
    memcpy(c.mac, mac_a, 6);
    assert_int_equal(vfr_switch_plug(&sw, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "another port"));
    memcpy(c.mac, mac_bcast, 6);
    assert_int_equal(vfr_switch_plug(&sw, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "unicast"));
    c.name = "";
    assert_int_equal(vfr_switch_plug(&sw, &c, err, sizeof err), -1);
    /* unplugged, its name and MAC are free again */
    vfr_switch_unplug(&sw, (unsigned)pa);
    c.name = "a";
    memcpy(c.mac, mac_a, 6);
    assert_int_equal(vfr_switch_plug(&sw, &c, err, sizeof err), pa);
    /* the table fills */
    char names[VFR_PORTS_MAX][16];
    int added = 0;
    for (int i = 0; i < VFR_PORTS_MAX; i++) {
        snprintf(names[i], sizeof names[i], "p%d", i);
        struct vfr_port_config u = {.name = names[i], .uplink = true};
        if (vfr_switch_plug(&sw, &u, err, sizeof err) >= 0)
            added++;
    }
    assert_int_equal(added, VFR_PORTS_MAX - 3);
    assert_non_null(strstr(err, "ports are in use"));
}

static void learning_is_bounded(void **state)
{
    (void)state;
    /* an uplink sends from 4x the table's worth of MACs: the oldest go */
    for (unsigned i = 0; i < 4 * VFR_FDB_MAX; i++) {
        uint8_t src[6] = {0x52, 0x54, 0, 0, (uint8_t)(i >> 8), (uint8_t)i};
        send_from(pu, frame_udp(fr, mac_a, src, 1, IP_A, 1, 2));
    }
    unsigned used = 0;
    for (unsigned i = 0; i < VFR_FDB_MAX; i++)
        used += sw.fdb[i].used;
    assert_int_equal(used, VFR_FDB_MAX);
    /* it cannot take a VIF's MAC away */
    send_from(pu, frame_udp(fr, mac_bcast, mac_a, 1, 2, 1, 2));
    assert_int_equal(send_from(pb, frame_udp(fr, mac_a, mac_b, IP_B, IP_A, 1, 7)), VFR_FORWARDED);
    assert_int_equal(nout, 1);
    assert_int_equal(out[0].port, pa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_frames_parse),
        cmocka_unit_test(truncated_frames_are_malformed),
        cmocka_unit_test(lying_ip_headers_are_malformed),
        cmocka_unit_test(fragments_carry_no_ports),
        cmocka_unit_test(rules_parse_and_print),
        cmocka_unit_test(bad_rules_get_one_line),
        cmocka_unit_test(addresses_parse_strictly),
        cmocka_unit_test(rules_match_what_they_say),
        cmocka_unit_test_setup(unicast_goes_to_its_owner_broadcast_floods, setup_switch),
        cmocka_unit_test_setup(spoofed_frames_are_dropped_and_counted, setup_switch),
        cmocka_unit_test_setup(rules_and_default_policy_decide, setup_switch),
        cmocka_unit_test_setup(a_full_port_drops_and_counts, setup_switch),
        cmocka_unit_test_setup(plugging_checks_names_and_macs, setup_switch),
        cmocka_unit_test_setup(learning_is_bounded, setup_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
