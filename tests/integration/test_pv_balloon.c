/*
 * The balloon with real PV guests (skipped without /dev/kvm): balloon.elf
 * shrinks and grows itself with its data kept and its lies refused; the
 * bundled shell's driver follows targets set over the control channel
 * (what `mica mem-set` sends through the daemon), down and back up, and a
 * target below its floor is refused with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"

#define REQUIRE_KVM()                                                                              \
    do {                                                                                           \
        if (!kvm_available())                                                                      \
            skip();                                                                                \
    } while (0)

static const char *guest(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", getenv("GUESTS") ? getenv("GUESTS") : "build/guests", name);
    return path;
}

static void balloon_guest_shrinks_grows_and_is_held_to_its_maximum(void **state)
{
    (void)state;
    REQUIRE_KVM();
    struct cmd_result res;
    char *argv[] = {(char *)mica(), "run", (char *)guest("balloon.elf"), "--mem", "64", NULL};
    assert_int_equal(run_cmd(argv, NULL, 120, &res), 0);
    assert_contains(res.out, "balloon: ok (current 16384, max 16384 pages)");
    assert_int_equal(res.status, 0);
}

/* One request line on the VM's control socket; the reply line (static). */
static const char *control(const char *sock, const char *request)
{
    static char reply[4096];
    reply[0] = '\0';
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        write(fd, request, strlen(request)) == (ssize_t)strlen(request)) {
        size_t n = 0;
        while (n + 1 < sizeof reply && read(fd, reply + n, 1) == 1 && reply[n] != '\n')
            n++;
        reply[n] = '\0';
    }
    close(fd);
    return reply;
}

/* Waits (up to 60 s: the rig is slow) for the stats to show the balloon at `bytes`. */
static bool current_reaches(const char *sock, unsigned long long bytes)
{
    char want[64];
    snprintf(want, sizeof want, "\"mem_current_bytes\":%llu,", bytes);
    for (int i = 0; i < 600; i++) {
        if (strstr(control(sock, "{\"cmd\":\"stats\"}\n"), want))
            return true;
        sleep_ms(100);
    }
    fprintf(stderr, "last stats: %s\n", control(sock, "{\"cmd\":\"stats\"}\n"));
    return false;
}

static void shell_follows_the_target(void **state)
{
    (void)state;
    REQUIRE_KVM();
    char dir[] = "/tmp/mica-balloon-XXXXXX", sock[256], out[256];
    assert_non_null(mkdtemp(dir));
    snprintf(sock, sizeof sock, "%s/control.sock", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(mica(), mica(), "run", guest("shell.elf"), "--mem", "64", "--name", "bal",
              "--control", sock, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 600 && access(sock, F_OK) != 0; i++)
        sleep_ms(100);
    assert_non_null(strstr(control(sock, "{\"cmd\":\"mem-set\",\"pages\":4096}\n"), "\"ok\":true"));
    assert_true(current_reaches(sock, 16ull << 20));
    const char *r = control(sock, "{\"cmd\":\"mem-set\",\"pages\":1}\n");
    assert_non_null(strstr(r, "its floor"));
    assert_non_null(strstr(control(sock, "{\"cmd\":\"mem-set\",\"pages\":16385}\n"), "its maximum"));
    assert_non_null(strstr(control(sock, "{\"cmd\":\"mem-set\",\"pages\":16384}\n"), "\"ok\":true"));
    assert_true(current_reaches(sock, 64ull << 20));
    control(sock, "{\"cmd\":\"shutdown\"}\n");
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    unlink(out);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(balloon_guest_shrinks_grows_and_is_held_to_its_maximum),
        cmocka_unit_test(shell_follows_the_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
