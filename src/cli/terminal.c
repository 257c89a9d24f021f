#include "cli/terminal.h"

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

void terminal_make_raw(int fd)
{
    struct termios t;
    if (!isatty(fd) || tcgetattr(fd, &t) < 0)
        return;
    saved = t;
    saved_fd = fd;
    atexit(terminal_restore);
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN); /* ISIG stays: Ctrl-C stops mica */
    t.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(fd, TCSAFLUSH, &t);
}
