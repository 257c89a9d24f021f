/*
 * A host on the network: answers ARP requests for its address, ICMP echo
 * requests and UDP datagrams to any port (sent back to where they came
 * from), on the first VIF mica gave it (`mica run --net ...,ip=...`).
 * A UDP datagram "bye" ends it (after echoing it), exit 0.
 */
#include "mica/inet.h"
#include "mica/mica.h"
#include "mica/net.h"

static uint8_t in[MICA_NET_FRAME_MAX], out[MICA_NET_FRAME_MAX];

static bool is_bye(const uint8_t *f, size_t len, uint32_t ip)
{
    struct mica_inet_frame p;
    return mica_inet_parse(f, len, &p) == 0 && p.proto == MICA_IP_UDP && p.dst_ip == ip &&
           p.payload_len == 3 && memcmp(p.payload, "bye", 3) == 0;
}

int main(void)
{
    static struct mica_netif n;
    long rc = mica_net_open(&n, 0);
    if (rc < 0 || !n.ip) {
        printf("netecho: no VIF with an IP address (%ld)\n", rc);
        return 2;
    }
    printf("netecho: up, %u.%u.%u.%u\n", n.ip >> 24, (n.ip >> 16) & 255, (n.ip >> 8) & 255,
           n.ip & 255);
    for (;;) {
        long len = mica_net_recv(&n, in, sizeof in, mica_time_monotonic() + 1000000000ull);
        if (len <= 0)
            continue;
        size_t r = mica_inet_answer(in, (size_t)len, n.mac, n.ip, true, out);
        if (r)
            mica_net_send(&n, out, r);
        if (is_bye(in, (size_t)len, n.ip))
            break;
    }
    /* let the last answer leave before the device goes */
    mica_net_recv(&n, in, sizeof in, mica_time_monotonic() + 100000000ull);
    printf("netecho: bye (rx %lu frames, tx %lu, %lu dropped)\n", (unsigned long)n.rx_frames,
           (unsigned long)n.tx_frames, (unsigned long)n.tx_dropped);
    mica_net_close(&n);
    return 0;
}
