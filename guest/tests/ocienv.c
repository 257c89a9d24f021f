/* The OCI tests' guest (tests/integration/test_oci.c): prints its
 * arguments and the environment variable OCI_GREETING, then exits with the
 * code given as its first argument. With "read" as the second argument it
 * first echoes one line of console input (a TTY run). */
#include "mica/mica.h"

static void echo_line(void)
{
    char line[128];
    size_t n = 0;
    int c;
    while (n + 1 < sizeof line && (c = getchar()) >= 0 && c != '\n' && c != '\r')
        line[n++] = (char)c;
    line[n] = 0;
    printf("read: %s\n", line);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("arg %d: %s\n", i, argv[i]);
    const char *greeting = mica_getenv("OCI_GREETING");
    printf("OCI_GREETING=%s\n", greeting ? greeting : "(unset)");
    if (argc > 2 && !strcmp(argv[2], "read"))
        echo_line();
    return argc > 1 ? atoi(argv[1]) : 0;
}
