#include "util/signals.h"

#include <pthread.h>
#include <sys/signalfd.h>

void signal_set_of(sigset_t *set, const int *sigs)
{
    sigemptyset(set);
    for (; *sigs; sigs++)
        sigaddset(set, *sigs);
}

int signals_block_to_fd(const int *sigs)
{
    sigset_t set;
    signal_set_of(&set, sigs);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}
