/* The ways out of a guest program: exit (with atexit functions), _Exit,
 * abort and failed assertions. */
#include "mica/mica.h"

#include <assert.h>

#define ATEXIT_MAX 32

static void (*at_exit[ATEXIT_MAX])(void);
static int at_exit_count;

int atexit(void (*fn)(void))
{
    if (at_exit_count == ATEXIT_MAX)
        return -1;
    at_exit[at_exit_count++] = fn;
    return 0;
}

void exit(int code)
{
    /* Last registered, first run; a function that calls exit itself does
     * not run again. */
    while (at_exit_count > 0)
        at_exit[--at_exit_count]();
    mica_exit(code);
}

void _Exit(int code) { mica_exit(code); }

void abort(void)
{
    static const char msg[] = "abort() called: crashing the guest on purpose\n";
    mica_console_put(msg, sizeof msg - 1);
    mica_console_flush();
    __builtin_trap(); /* ud2: mica reports the crash and exits with 139 */
}

void mica_assert_fail(const char *expr, const char *file, int line, const char *func)
{
    fprintf(stderr, "%s:%d: %s: assertion '%s' failed\n", file, line, func, expr);
    abort();
}
