/*
 * The name a process shows in `ps`: a forked helper (the daemon's per-VM
 * monitor) would otherwise show the daemon's own command line and look
 * like another daemon.
 */
#ifndef MICA_UTIL_PROC_TITLE_H
#define MICA_UTIL_PROC_TITLE_H

/* Remembers main's argv strings (contiguous memory) for proc_title_set();
 * call first thing in main.  Without it only the thread name changes. */
void proc_title_init(int argc, char **argv);

/* "WHAT DETAIL" as the command line (what ps shows), cut to the space the
 * original arguments had, and WHAT as the name (/proc/PID/comm, top).
 * Async-signal-safe: callable in a child forked from a threaded process. */
void proc_title_set(const char *what, const char *detail);

#endif
