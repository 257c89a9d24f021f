/*
 * The mica shell: the CMS of mica, a small single-user command interpreter
 * running as a paravirtualized guest. Reads lines from the console with a
 * line editor and history (line_edit.h; the console is raw, so the editor
 * echoes), splits them into words with quoting (tokenize.h) and runs
 * built-in commands.
 */
#include "mica/mica.h"
#include "line_edit.h"
#include "shell.h"
#include "tokenize.h"

#define PROMPT "cms> "

static uint64_t boot_ns;
static struct line_history history; /* 32 KiB: not on the stack */

static const struct shell_command *find_command(const char *name)
{
    for (const struct shell_command *c = shell_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void to_console(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    mica_console_put(s, n);
}

/* Reads a line with the editor (line_edit.h); NULL at the end of input. */
static const char *read_line(struct line_edit *e)
{
    for (;;) {
        printf("%s", PROMPT);
        line_edit_begin(e, &history, PROMPT, to_console, NULL);
        enum line_result r = LINE_MORE;
        while (r == LINE_MORE) {
            int c = getchar();
            if (c == EOF)
                return NULL;
            r = line_edit_key(e, (unsigned char)c);
        }
        if (r == LINE_EOF)
            return NULL;
        if (r == LINE_CANCELLED)
            continue;
        if (e->too_long) {
            printf("cms: line too long (at most %d characters): not run\n", LINE_EDIT_MAX);
            continue;
        }
        line_history_add(&history, e->buf);
        return e->buf;
    }
}

uint64_t shell_boot_ns(void) { return boot_ns; }

static void run_line(char *line)
{
    char *argv[SHELL_ARGS_MAX + 1];
    const char *error;
    int argc = shell_split(line, argv, SHELL_ARGS_MAX, &error);
    if (argc < 0) {
        printf("cms: %s\n", error);
        return;
    }
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
    mica_balloon_start(); /* follows `mica mem-set` while waiting for input */
    printf("mica CMS shell on VM %s (id %llu, %llu MiB). Type 'help'.\n", mica_start->name,
           (unsigned long long)mica_start->vm_id, (unsigned long long)(mica_start->mem_bytes >> 20));
    static struct line_edit editor;
    for (;;) {
        const char *line = read_line(&editor);
        if (line == NULL) {
            printf("\n");
            return 0;
        }
        static char words[LINE_EDIT_MAX + 1]; /* split in place: a copy */
        strcpy(words, line);
        run_line(words);
    }
}
