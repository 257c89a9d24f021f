/*
 * Pings another guest (netecho) over the first VIF: ARP for its address,
 * ICMP echo COUNT times, a UDP echo on port 7, and, with blocked=PORT, a
 * UDP datagram to PORT that must get no answer (a VFR rule denies it);
 * with spoof=1, one datagram from an address not its own (the VFR drops
 * it: the switch counts it); with bench=N, N UDP round trips timed
 * (median round trip, frames/s).
 * Then "bye" to port 7 ends the echo guest. Prints "netping: ok" and exits
 * 0 when every check held.
 *   netping TARGET-IP [count=N] [blocked=PORT] [spoof=1] [bench=N]
 */
#include "mica/inet.h"
#include "mica/mica.h"
#include "mica/net.h"

#define SEC 1000000000ull
#define BENCH_MAX 2000

static struct mica_netif n;
static uint8_t peer_mac[6];
static uint32_t peer;
static uint8_t in[MICA_NET_FRAME_MAX], out[MICA_NET_FRAME_MAX];
static int failures;

/* What a wait looks for in a parsed frame. */
struct want {
    uint16_t ethertype;
    uint8_t proto;
    uint16_t seq, port;
};

static bool matches(const struct mica_inet_frame *p, const struct want *w)
{
    if (p->ethertype != w->ethertype)
        return false;
    if (w->ethertype == MICA_ETH_ARP)
        return p->arp_op == 2 && p->arp_spa == peer;
    if (p->src_ip != peer || p->dst_ip != n.ip || p->proto != w->proto)
        return false;
    if (w->proto == MICA_IP_ICMP)
        return p->icmp_type == 0 && p->icmp_seq == w->seq;
    return p->sport == w->port;
}

/* Receives until a frame matches (true) or the deadline passes; answers
 * what else asks us (ARP) meanwhile. */
static bool wait_for(const struct want *w, uint64_t deadline, struct mica_inet_frame *p)
{
    for (;;) {
        long len = mica_net_recv(&n, in, sizeof in, deadline);
        if (len <= 0)
            return false;
        if (mica_inet_parse(in, (size_t)len, p) == 0 && matches(p, w))
            return true;
        size_t r = mica_inet_answer(in, (size_t)len, n.mac, n.ip, false, out);
        if (r)
            mica_net_send(&n, out, r);
    }
}

static bool resolve(void)
{
    static const uint8_t zero[6];
    struct want w = {.ethertype = MICA_ETH_ARP};
    struct mica_inet_frame p;
    for (int tries = 0; tries < 5; tries++) {
        mica_net_send(&n, out, mica_inet_arp(out, 1, n.mac, n.ip, zero, peer));
        if (wait_for(&w, mica_time_monotonic() + SEC, &p)) {
            memcpy(peer_mac, p.arp_sha, 6);
            return true;
        }
    }
    return false;
}

static void ping(unsigned count)
{
    struct want w = {.ethertype = MICA_ETH_IPV4, .proto = MICA_IP_ICMP};
    struct mica_inet_frame p;
    for (unsigned seq = 1; seq <= count; seq++) {
        uint64_t t0 = mica_time_monotonic();
        mica_net_send(&n, out, mica_inet_icmp_echo(out, 8, peer_mac, n.mac, n.ip, peer, 0x6d69,
                                                   (uint16_t)seq, "mica-ping", 9));
        w.seq = (uint16_t)seq;
        if (wait_for(&w, t0 + 2 * SEC, &p) && p.payload_len == 9 &&
            !memcmp(p.payload, "mica-ping", 9)) {
            printf("netping: icmp seq=%u reply in %lu us\n", seq,
                   (unsigned long)((mica_time_monotonic() - t0) / 1000));
        } else {
            printf("netping: FAILED icmp seq=%u: no reply\n", seq);
            failures++;
        }
    }
}

/* One UDP round trip to port: true when the same bytes came back. */
static bool udp_round_trip(uint16_t port, const char *msg, uint64_t wait_ns)
{
    size_t len = strlen(msg);
    struct want w = {.ethertype = MICA_ETH_IPV4, .proto = MICA_IP_UDP, .port = port};
    struct mica_inet_frame p;
    mica_net_send(&n, out, mica_inet_udp(out, peer_mac, n.mac, n.ip, peer, 40000, port, msg, len));
    return wait_for(&w, mica_time_monotonic() + wait_ns, &p) && p.payload_len == len &&
           !memcmp(p.payload, msg, len);
}

static uint64_t rtts[BENCH_MAX];

static void bench(unsigned rounds)
{
    if (rounds > BENCH_MAX)
        rounds = BENCH_MAX;
    uint64_t start = mica_time_monotonic();
    unsigned done = 0;
    for (unsigned i = 0; i < rounds; i++) {
        uint64_t t0 = mica_time_monotonic();
        if (!udp_round_trip(7, "bench-frame", SEC))
            continue;
        rtts[done++] = mica_time_monotonic() - t0;
    }
    uint64_t total = mica_time_monotonic() - start;
    for (unsigned i = 1; i < done; i++) /* insertion sort: a few thousand at most */
        for (unsigned j = i; j > 0 && rtts[j - 1] > rtts[j]; j--) {
            uint64_t t = rtts[j];
            rtts[j] = rtts[j - 1];
            rtts[j - 1] = t;
        }
    uint64_t fps = total ? 2ull * done * SEC / total : 0;
    printf("netping: bench %u/%u round trips, median %lu ns, %lu frames/s\n", done, rounds,
           (unsigned long)(done ? rtts[done / 2] : 0), (unsigned long)fps);
    if (done < rounds)
        failures++;
}

static unsigned option(int argc, char **argv, const char *key, unsigned dflt)
{
    size_t k = strlen(key);
    for (int i = 2; i < argc; i++)
        if (!strncmp(argv[i], key, k) && argv[i][k] == '=')
            return (unsigned)strtoul(argv[i] + k + 1, NULL, 10);
    return dflt;
}

int main(int argc, char **argv)
{
    if (argc < 2 || mica_inet_parse_ip(argv[1], &peer) < 0) {
        printf("netping: usage: netping TARGET-IP [count=N] [blocked=PORT] [spoof=1] [bench=N]\n");
        return 2;
    }
    long rc = mica_net_open(&n, 0);
    if (rc < 0 || !n.ip) {
        printf("netping: no VIF with an IP address (%ld)\n", rc);
        return 2;
    }
    if (!resolve()) {
        printf("netping: FAILED: no ARP reply from %s\n", argv[1]);
        return 1;
    }
    printf("netping: %s is at %02x:%02x:%02x:%02x:%02x:%02x\n", argv[1], peer_mac[0],
           peer_mac[1], peer_mac[2], peer_mac[3], peer_mac[4], peer_mac[5]);
    ping(option(argc, argv, "count", 3));
    if (udp_round_trip(7, "hello over the VFR", 2 * SEC)) {
        printf("netping: udp port 7 echoed\n");
    } else {
        printf("netping: FAILED udp port 7: no echo\n");
        failures++;
    }
    unsigned blocked = option(argc, argv, "blocked", 0);
    if (blocked) {
        bool answered = udp_round_trip((uint16_t)blocked, "should be dropped", SEC);
        printf("netping: udp port %u: %s\n", blocked, answered ? "FAILED: answered" : "no reply");
        failures += answered;
    }
    if (option(argc, argv, "spoof", 0)) {
        uint32_t forged = n.ip ^ 0x80; /* a neighbour's address */
        mica_net_send(&n, out, mica_inet_udp(out, peer_mac, n.mac, forged, peer, 40000, 7,
                                             "spoofed", 7));
        printf("netping: sent one frame from a forged address\n");
    }
    unsigned rounds = option(argc, argv, "bench", 0);
    if (rounds)
        bench(rounds);
    udp_round_trip(7, "bye", SEC);
    printf("netping: tx %lu frames (%lu dropped), rx %lu\n", (unsigned long)n.tx_frames,
           (unsigned long)n.tx_dropped, (unsigned long)n.rx_frames);
    mica_net_close(&n);
    if (failures)
        return 1;
    printf("netping: ok\n");
    return 0;
}
