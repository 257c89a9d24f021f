#ifndef MICA_SHELL_H
#define MICA_SHELL_H

#include <stdint.h>

struct shell_command {
    const char *name;
    const char *usage;
    const char *summary;
    void (*run)(int argc, char **argv);
};

/* The table of built-in commands (commands.c), ended by a zero entry. */
extern const struct shell_command shell_commands[];

/* The disk commands (disk_commands.c). */
void shell_cmd_disk(int argc, char **argv);
void shell_cmd_dread(int argc, char **argv);
void shell_cmd_dwrite(int argc, char **argv);

/* Monotonic time at which the shell started. */
uint64_t shell_boot_ns(void);

#endif
