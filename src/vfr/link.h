/*
 * The link between a VIF and a switch process (vfr/switch.h behind a unix
 * SOCK_SEQPACKET socket, run/net_switch.h): one message per frame both
 * ways, after a hello in which the VM process (mica, not the guest) names
 * the VIF and the MAC and IPv4 address it may send from. The switch
 * answers the hello with one text message: "ok", or "error: WHY". The
 * switch trusts no byte of either: a hello is checked whole
 * (vfr_hello_check), a frame is parsed by the VFR before it goes anywhere.
 */
#ifndef MICA_VFR_LINK_H
#define MICA_VFR_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfr/switch.h"

#define VFR_HELLO_MAGIC "micavif1"
#define VFR_REPLY_MAX 200 /* the switch's answer to a hello */

struct vfr_hello {
    char magic[8];              /* VFR_HELLO_MAGIC, no NUL */
    char name[VFR_NAME_MAX];    /* NUL-terminated */
    uint8_t mac[6];
    uint8_t has_ip;             /* 0 or 1 */
    uint8_t reserved;           /* 0 */
    uint32_t ip;                /* host byte order */
};
_Static_assert(sizeof(struct vfr_hello) == 52, "vfr_hello size");

/* Fills a hello for a port config (its name must fit). */
void vfr_hello_make(struct vfr_hello *h, const struct vfr_port_config *cfg);

/* Checks the len bytes of a hello message and makes the port config it
 * asks for (cfg->name points into name). 0, or -1 with one line in err. */
int vfr_hello_check(const void *msg, size_t len, struct vfr_port_config *cfg,
                    char name[VFR_NAME_MAX], char *err, size_t errlen);

/* Writes one frame to a link without blocking (send with MSG_NOSIGNAL on
 * a socket, write on a tap); false when it did not go whole. */
bool vfr_link_write(int fd, bool is_socket, const void *frame, size_t len);

#endif
