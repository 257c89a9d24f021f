/* `create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID`:
 * checks the bundle, makes the state, and leaves the VM process waiting at
 * its start gate (oci_vm_process.h). Nothing runs, and nothing is left
 * behind, when any check fails. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli/option_loop.h"
#include "cp/proc_info.h"
#include "oci/oci_config.h"
#include "oci/oci_console.h"
#include "oci/oci_runtime.h"
#include "oci/oci_state.h"
#include "oci/oci_vm_process.h"
#include "pv/domain.h"
#include "util/file.h"

#define PV_DEFAULT_MEM_MIB 32 /* mica run's default (cli/run_options.h) */

struct create_args {
    const char *bundle, *pid_file, *console_socket, *id;
};

struct created {
    int image_fd, initrd_fd, tty;
    char image[32], initrd[32];
    char dir_made;
};

static int apply(int c, void *ctx, char *err, size_t errlen)
{
    struct create_args *a = ctx;
    switch (c) {
    case 'b': a->bundle = optarg; return 0;
    case 'p': a->pid_file = optarg; return 0;
    case 'c': a->console_socket = optarg; return 0;
    case 'n': return 0; /* --no-pivot, --no-new-keyring, --detach: nothing to do for a VM */
    case 'f':
        if (strcmp(optarg, "0"))
            return errmsg(err, errlen, -1, "--preserve-fds %s: a mica VM takes no extra files",
                          optarg);
        return 0;
    default:
        return errmsg(err, errlen, -1, "create: unknown option");
    }
}

static int parse(int argc, char **argv, struct create_args *a, char *err, size_t errlen)
{
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},   {"pid-file", required_argument, NULL, 'p'},
        {"console-socket", required_argument, NULL, 'c'},
        {"no-pivot", no_argument, NULL, 'n'},       {"no-new-keyring", no_argument, NULL, 'n'},
        {"detach", no_argument, NULL, 'n'},         {"preserve-fds", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    *a = (struct create_args){.bundle = "."};
    if (option_loop(argc, argv, opts, apply, a, err, errlen) < 0)
        return -1;
    if (optind != argc - 1)
        return errmsg(err, errlen, -1, "give exactly one container id");
    a->id = argv[optind];
    return oci_id_check(a->id, err, errlen);
}

/* path inside the rootfs, resolved as if the rootfs were / (symlinks and
 * ".." cannot leave it): the open file's fd, or -1 with err. */
static int open_in_rootfs(const char *rootfs, const char *path, const char *what, char *err,
                          size_t errlen)
{
    int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return errmsg(err, errlen, -1, "config.json: root.path %s: %s", rootfs, strerror(errno));
    struct open_how how = {.flags = O_RDONLY | O_NONBLOCK,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof how);
    int e = errno;
    close(root);
    if (fd < 0)
        return errmsg(err, errlen, -1, "config.json: %s '%s' in the rootfs %s: %s", what, path,
                      rootfs, strerror(e));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return errmsg(err, errlen, -1, "config.json: %s '%s' in the rootfs %s: not a regular file",
                      what, path, rootfs);
    }
    return fd;
}

static int open_images(const struct oci_config *c, struct created *k, char *err, size_t errlen)
{
    if (c->kind == OCI_VM_NONE)
        return 0; /* a pod sandbox runs no guest */
    const char *image = c->kind == OCI_VM_PV ? c->args[0] : c->kernel;
    k->image_fd = open_in_rootfs(c->rootfs, image, c->kind == OCI_VM_PV ? "process.args[0]"
                                                                         : OCI_ANN_KERNEL,
                                 err, errlen);
    if (k->image_fd < 0)
        return -1;
    snprintf(k->image, sizeof k->image, "/proc/self/fd/%d", k->image_fd);
    if (c->kind == OCI_VM_LINUX && c->initrd) {
        k->initrd_fd = open_in_rootfs(c->rootfs, c->initrd, OCI_ANN_INITRD, err, errlen);
        if (k->initrd_fd < 0)
            return -1;
        snprintf(k->initrd, sizeof k->initrd, "/proc/self/fd/%d", k->initrd_fd);
    }
    if (c->kind != OCI_VM_PV)
        return 0;
    char why[1024];
    if (pv_domain_check_image(k->image, image, c->mem_mib ? c->mem_mib : PV_DEFAULT_MEM_MIB, why,
                       sizeof why) < 0)
        return errmsg(err, errlen, -1, "config.json: process.args[0] is not a mica guest: %s",
                      why);
    return 0;
}

static int check_console(const struct oci_config *c, const struct create_args *a, char *err,
                         size_t errlen)
{
    if (c->terminal && !a->console_socket)
        return errmsg(err, errlen, -1, "config.json: process.terminal is true but no "
                      "--console-socket was given to send the terminal to");
    if (!c->terminal && a->console_socket)
        return errmsg(err, errlen, -1, "--console-socket was given but process.terminal is false");
    return 0;
}

static int write_pid_file(const char *path, pid_t pid, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.mica-tmp", path) >= (int)sizeof tmp)
        return errmsg(err, errlen, -1, "--pid-file %s: too long", path);
    FILE *f = fopen(tmp, "we");
    int ok = f && fprintf(f, "%d", (int)pid) > 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return errmsg(err, errlen, -1, "--pid-file %s: cannot write it", path);
    }
    return 0;
}

static void now_rfc3339(char *out, size_t outlen)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t n = strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", gmtime_r(&ts.tv_sec, &tm));
    snprintf(out + n, outlen - n, ".%09ldZ", ts.tv_nsec);
}

static int record(const struct oci_runtime *rt, const struct create_args *a,
                  const struct oci_config *c, const char *bundle, pid_t pid, char *err,
                  size_t errlen)
{
    struct oci_state st = {.pid = pid, .mem_mib = c->mem_mib, .cpu_shares = c->cpu_shares,
                           .annotations = c->annotations};
    struct proc_info pi;
    if (proc_info_read(pid, &pi) == 0)
        st.pid_start = pi.start_ticks;
    snprintf(st.id, sizeof st.id, "%s", a->id);
    snprintf(st.bundle, sizeof st.bundle, "%s", bundle);
    snprintf(st.rootfs, sizeof st.rootfs, "%s", c->rootfs);
    static const char *const kinds[] = {[OCI_VM_PV] = "pv", [OCI_VM_LINUX] = "linux",
                                        [OCI_VM_NONE] = "sandbox"};
    snprintf(st.kind, sizeof st.kind, "%s", kinds[c->kind]);
    now_rfc3339(st.created, sizeof st.created);
    if (oci_state_save(rt->root, &st, err, errlen) < 0)
        return -1;
    return a->pid_file ? write_pid_file(a->pid_file, pid, err, errlen) : 0;
}

/* The state directory, its start gate, the terminal, the VM process. */
static int set_up(const struct oci_runtime *rt, const struct create_args *a,
                  const struct oci_config *c, const char *bundle, struct created *k, char *err,
                  size_t errlen)
{
    char fifo[OCI_PATH_MAX], ctl[OCI_PATH_MAX];
    if (oci_state_create_dir(rt->root, a->id, err, errlen) < 0)
        return -1;
    k->dir_made = 1;
    if (oci_state_path(rt->root, a->id, "start.fifo", fifo, sizeof fifo) < 0 ||
        oci_state_path(rt->root, a->id, "ctl.sock", ctl, sizeof ctl) < 0 || strlen(ctl) > 107)
        return errmsg(err, errlen, -1, "--root %s: too long for the VM's control socket "
                      "(use a shorter --root)", rt->root);
    if (mkfifo(fifo, 0600) < 0)
        return errmsg(err, errlen, -1, "cannot make %s: %s", fifo, strerror(errno));
    if (c->terminal && (k->tty = oci_console_send(a->console_socket, err, errlen)) < 0)
        return -1;
    struct oci_vm_launch l = {.rt = rt, .cfg = c, .id = a->id, .image = k->image,
                              .initrd = k->initrd_fd >= 0 ? k->initrd : NULL, .control = ctl,
                              .hold = fifo, .tty = k->tty};
    pid_t pid = oci_vm_spawn(&l, err, errlen);
    if (pid < 0)
        return -1;
    if (record(rt, a, c, bundle, pid, err, errlen) < 0) {
        kill(pid, SIGKILL);
        return -1;
    }
    return 0;
}

int oci_create(const struct oci_runtime *rt, int argc, char **argv)
{
    struct create_args a;
    struct oci_config c = {0};
    struct created k = {.image_fd = -1, .initrd_fd = -1, .tty = -1};
    char err[2048], bundle[PATH_MAX];
    int rc = parse(argc, argv, &a, err, sizeof err);
    if (rc == 0 && !realpath(a.bundle, bundle))
        rc = errmsg(err, sizeof err, -1, "bundle %s: %s", a.bundle, strerror(errno));
    if (rc == 0)
        rc = oci_config_load(bundle, &c, err, sizeof err);
    if (rc == 0)
        rc = check_console(&c, &a, err, sizeof err);
    if (rc == 0)
        rc = open_images(&c, &k, err, sizeof err);
    if (rc == 0)
        rc = set_up(rt, &a, &c, bundle, &k, err, sizeof err);
    if (rc < 0 && k.dir_made)
        oci_state_remove(rt->root, a.id, NULL, 0);
    close_fds((int[]){k.image_fd, k.initrd_fd, k.tty}, 3);
    oci_config_free(&c);
    return rc < 0 ? oci_fail(rt, "create: %s", err) : 0;
}
