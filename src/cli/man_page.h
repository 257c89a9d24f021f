/*
 * mica(1) in roff, generated from the very texts `--help` prints (the
 * command table's summaries and usages, run's usage, the exit statuses),
 * so the manual cannot drift from the program.  `mica --man` prints it;
 * `make` installs it (build/man/mica.1).
 */
#ifndef MICA_CLI_MAN_PAGE_H
#define MICA_CLI_MAN_PAGE_H

#include <stdio.h>

void man_page_begin(FILE *out, const char *version);
/* One command: its summary, then each usage text verbatim (no filling). */
void man_page_command(FILE *out, const char *name, const char *summary,
                      const char *const *usages);
void man_page_end(FILE *out, const char *exit_statuses);

#endif
