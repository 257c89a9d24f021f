#include "run/control_channel.h"

struct vm_control *control_channel_open(struct control_channel *ch, const char *path,
                                        const struct vm_control_ops *ops, void *ctx, char *err,
                                        size_t errlen)
{
    struct vm_control *c = vm_control_open(path, ops, ctx, err, errlen);
    atomic_store(&ch->server, c);
    return c;
}

void control_channel_output(struct control_channel *ch, const void *buf, size_t len)
{
    struct vm_control *c = atomic_load(&ch->server);
    if (c)
        vm_control_console_output(c, buf, len);
}

struct vm_control *control_channel_server(struct control_channel *ch)
{
    return atomic_load(&ch->server);
}

void control_channel_close(struct control_channel *ch)
{
    struct vm_control *c = atomic_exchange(&ch->server, NULL);
    if (c)
        vm_control_close(c);
}
