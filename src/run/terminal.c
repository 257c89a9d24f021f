#include "run/terminal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static int saved_fd = -1;

void terminal_restore(void)
{
    if (saved_fd >= 0)
        tcsetattr(saved_fd, TCSAFLUSH, &saved);
    saved_fd = -1;
}

void terminal_save(int fd)
{
    static bool registered;
    if (!isatty(fd) || tcgetattr(fd, &saved) < 0)
        return;
    saved_fd = fd;
    if (!registered)
        atexit(terminal_restore);
    registered = true;
}

void terminal_make_raw(int fd)
{
    terminal_save(fd);
    if (saved_fd != fd)
        return;
    struct termios t = saved;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN); /* ISIG stays: Ctrl-C stops mica */
    /* ...but Ctrl-\ and Ctrl-Z are keys for the guest: a SIGQUIT or a stop
     * would leave the terminal raw behind a dead or frozen mica. */
    t.c_cc[VQUIT] = _POSIX_VDISABLE;
    t.c_cc[VSUSP] = _POSIX_VDISABLE;
    t.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(fd, TCSAFLUSH, &t);
}
