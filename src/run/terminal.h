/*
 * The terminal while a guest owns the console: keys go to the guest one at
 * a time, unechoed (the guest echoes), but Ctrl-C still reaches mica.
 */
#ifndef MICA_RUN_TERMINAL_H
#define MICA_RUN_TERMINAL_H

/* Puts fd's terminal in that mode if it is one; terminal_restore() undoes
 * it (also registered with atexit). */
void terminal_make_raw(int fd);

/* Remembers fd's terminal state for terminal_restore() without changing it
 * (the supervisor's guard against a VM process that dies mid-session). */
void terminal_save(int fd);
void terminal_restore(void);

#endif
