/*
 * The mica shell: the CMS of mica, a small single-user command interpreter
 * running as a paravirtualized guest. Reads lines from the console, echoes
 * what it reads (the console is raw), runs built-in commands.
 */
#include "mica/mica.h"
#include "shell.h"

#define LINE_MAX 256
#define ARGS_MAX 16

static uint64_t boot_ns;

static const struct shell_command *find_command(const char *name)
{
    for (const struct shell_command *c = shell_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static int split(char *line, char **argv)
{
    int argc = 0;
    char *p = line;
    while (*p && argc < ARGS_MAX) {
        while (isspace((unsigned char)*p))
            *p++ = 0;
        if (!*p)
            break;
        argv[argc++] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
    }
    return argc;
}

/* Reads a line with echo and backspace; returns its length, -1 at EOF. */
static int read_line(char *buf, int cap)
{
    int n = 0;
    for (;;) {
        int c = getchar();
        if (c == EOF || (c == 4 && n == 0))
            return -1;
        if (c == '\r' || c == '\n') {
            putchar('\n');
            buf[n] = 0;
            return n;
        }
        if ((c == 0x7f || c == 8) && n > 0) {
            n--;
            printf("\b \b");
        } else if (isprint(c) && n < cap - 1) {
            buf[n++] = (char)c;
            putchar(c);
        }
    }
}

uint64_t shell_boot_ns(void) { return boot_ns; }

static void run_line(char *line)
{
    char *argv[ARGS_MAX + 1] = {0};
    int argc = split(line, argv);
    if (argc == 0)
        return;
    const struct shell_command *c = find_command(argv[0]);
    if (!c) {
        printf("%s: unknown command; 'help' lists the commands\n", argv[0]);
        return;
    }
    c->run(argc, argv);
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    boot_ns = mica_time_monotonic();
    printf("mica CMS shell on VM %s (id %llu, %llu MiB). Type 'help'.\n", mica_start->name,
           (unsigned long long)mica_start->vm_id, (unsigned long long)(mica_start->mem_bytes >> 20));
    char line[LINE_MAX];
    for (;;) {
        printf("cms> ");
        if (read_line(line, sizeof line) < 0) {
            printf("\n");
            return 0;
        }
        run_line(line);
    }
}
