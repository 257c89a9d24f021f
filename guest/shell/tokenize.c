/* Splitting a command line into words (see tokenize.h). Unquoting only
 * ever shrinks the text, so the words are written over the line itself:
 * the write position never passes the read position. */
#include "tokenize.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

struct scan {
    const char *r; /* next byte to read */
    char *w;       /* next byte of output */
    const char *error;
};

/* After an opening quote: copies up to the closing one. */
static void quoted(struct scan *s, char quote)
{
    for (;;) {
        char c = *s->r;
        if (c == '\0') {
            s->error = quote == '\'' ? "unterminated ' quote" : "unterminated \" quote";
            return;
        }
        s->r++;
        if (c == quote)
            return;
        if (quote == '"' && c == '\\' && (*s->r == '"' || *s->r == '\\'))
            c = *s->r++;
        *s->w++ = c;
    }
}

/* One word, from its first byte up to an unquoted blank or the end. */
static void word(struct scan *s)
{
    while (*s->r && !is_blank(*s->r) && !s->error) {
        char c = *s->r++;
        if (c == '\'' || c == '"') {
            quoted(s, c);
        } else if (c == '\\') {
            if (*s->r == '\0')
                s->error = "trailing backslash";
            else
                *s->w++ = *s->r++;
        } else {
            *s->w++ = c;
        }
    }
}

int shell_split(char *line, char **argv, int max, const char **error)
{
    struct scan s = { line, line, NULL };
    int argc = 0;
    for (;;) {
        while (is_blank(*s.r))
            s.r++;
        if (*s.r == '\0')
            break;
        if (argc == max) {
            static char too_many[48];
            snprintf(too_many, sizeof too_many, "too many words (at most %d)", max);
            s.error = too_many;
            break;
        }
        argv[argc++] = s.w;
        word(&s);
        if (s.error)
            break;
        /* The terminator may land on the blank that ended the word (or on
         * the line's end): both are already read. */
        bool at_end = *s.r == '\0';
        *s.w++ = '\0';
        if (!at_end)
            s.r++;
        if (at_end)
            break;
    }
    argv[s.error ? 0 : argc] = NULL;
    *error = s.error;
    return s.error ? -1 : argc;
}
