/* What the hypervisor handed this guest at entry; set once by the runtime
 * before main, read by everything that talks to the host. Its own file so
 * that the runtime, the console and the events depend on it, not on each
 * other. */
#include "mica/kit.h"

const struct mica_start_info *mica_start;
uint64_t mica_hypercall_page;
