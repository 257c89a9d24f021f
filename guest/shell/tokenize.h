/*
 * Splitting a command line into words, as a Unix shell does it (without
 * variables, globbing or redirection): blanks separate words; 'single
 * quotes' keep everything literally; "double quotes" keep everything but
 * \" and \\ literally; outside quotes a backslash makes the next character
 * literal. Quoted pieces join their neighbours ("a b"c is one word, a bc),
 * and "" is an empty word. A pure function, fuzzed on the host
 * (tests/fuzz/fuzz_shell_line.c).
 */
#ifndef MICA_SHELL_TOKENIZE_H
#define MICA_SHELL_TOKENIZE_H

#define SHELL_ARGS_MAX 32

/*
 * Splits line in place (the words are unquoted into it) and points argv[0..
 * argc) at the words, argv[argc] = NULL; argv has room for max + 1. Returns
 * argc, or -1 with *error set to a message naming what is wrong (an
 * unterminated quote, a trailing backslash, more than max words).
 */
int shell_split(char *line, char **argv, int max, const char **error);

#endif
