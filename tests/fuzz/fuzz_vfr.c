/* Fuzzes the virtual firewall-router: the input is a frame parsed by
 * vfr_parse, then sent through a switch with rules from every VIF and the
 * uplink (anti-spoofing, rules, learning, flooding); the first bytes pick a
 * rule text too, so the rule parser sees hostile text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vfr/rules.h"
#include "vfr/switch.h"

static int sink(void *ctx, unsigned port, const uint8_t *frame, size_t len)
{
    (void)ctx, (void)frame, (void)len;
    return port == 1 ? -1 : 0; /* one port is always full */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vfr_switch sw;
    char err[256];
    vfr_switch_init(&sw, size && (data[0] & 1) ? VFR_DENY : VFR_ALLOW);
    struct vfr_port_config a = {.name = "a", .mac = {2, 0, 0, 0, 0, 0xa}, .has_ip = true,
                                .ip = 0x0a000001};
    struct vfr_port_config b = {.name = "b", .mac = {2, 0, 0, 0, 0, 0xb}, .has_ip = true,
                                .ip = 0x0a000002};
    struct vfr_port_config up = {.name = "up", .uplink = true};
    vfr_switch_plug(&sw, &a, err, sizeof err);
    vfr_switch_plug(&sw, &b, err, sizeof err);
    vfr_switch_plug(&sw, &up, err, sizeof err);
    /* a rule text from the first up to 64 bytes, up to the first NUL */
    char text[65];
    size_t n = size < 64 ? size : 64;
    memcpy(text, data, n);
    text[n] = 0;
    struct vfr_rule r;
    if (vfr_rule_parse(text, &r, err, sizeof err) == 0) {
        vfr_switch_add_rule(&sw, &r, err, sizeof err);
        char back[256];
        vfr_rule_format(&r, back, sizeof back);
        if (vfr_rule_parse(back, &r, err, sizeof err) != 0)
            abort(); /* what format writes, parse reads */
    }
    static const char *const fixed[] = {"deny,proto=udp,dport=9", "allow,ether=arp",
                                        "deny,from=a,src=10.0.0.0/8,proto=tcp,sport=1-1000"};
    for (size_t i = 0; i < 3; i++)
        if (vfr_rule_parse(fixed[i], &r, err, sizeof err) == 0)
            vfr_switch_add_rule(&sw, &r, err, sizeof err);
    struct vfr_frame f;
    vfr_parse(data, size, &f);
    for (unsigned p = 0; p < 4; p++)
        vfr_switch_input(&sw, p, data, size, sink, NULL);
    return 0;
}
