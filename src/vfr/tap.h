/* A host tap device: one Ethernet frame per read and write, so it serves
 * as a link (vfr/link.h) to the host's network stack. Needs CAP_NET_ADMIN. */
#ifndef MICA_VFR_TAP_H
#define MICA_VFR_TAP_H

#include <stddef.h>

/* Creates (or attaches to) the tap device `name`, non-blocking; the fd, or
 * -1 with one line in err naming the device and the reason. The interface
 * is left down: the host configures and raises it. */
int tap_open(const char *name, char *err, size_t errlen);

#endif
