#include "cp/daemon.h"

#include "cp/api.h"
#include "cp/cp_log.h"
#include "cp/cp_paths.h"
#include "cp/mem_policy.h"
#include "cp/vm_manager.h"
#include "ctl/unix_socket.h"
#include "util/errmsg.h"
#include "util/file.h"
#include "util/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define KSM_RUN_PATH "/sys/kernel/mm/ksm/run"

struct daemon_parts {
    struct registry *reg;
    struct vm_backend *backend;
    struct vm_manager *manager;
    struct api_server *api;
    int listen_fd, signal_fd, epoll_fd, instance_fd, state_fd;
};

static void teardown(struct daemon_parts *d, const char *socket_path)
{
    api_server_stop(d->api);
    if (d->listen_fd >= 0) {
        close(d->listen_fd);
        unlink(socket_path);
    }
    vm_manager_free(d->manager);
    if (d->backend)
        d->backend->close(d->backend);
    registry_close(d->reg);
    int fds[] = {d->signal_fd, d->epoll_fd, d->instance_fd, d->state_fd};
    close_fds(fds, sizeof fds / sizeof fds[0]);
}

static int open_state(struct daemon_parts *d, const struct daemon_options *opt)
{
    char db[PATH_MAX];
    struct cp_error err;
    snprintf(db, sizeof db, "%s/registry.db", opt->state_dir);
    d->reg = registry_open(db, &err);
    if (!d->reg) {
        cp_log("%s", err.message);
        return -1;
    }
    d->backend = vm_backend_process_new(opt->vmm, opt->state_dir);
    if (d->backend && opt->log_max_bytes)
        vm_backend_process_limit_logs(d->backend, opt->log_max_bytes);
    d->manager = d->backend ? vm_manager_new(d->reg, d->backend) : NULL;
    if (d->manager && (opt->overcommit > 0 || opt->host_mem_mib)) {
        struct mem_policy p = {
            .host_mib = opt->host_mem_mib ? opt->host_mem_mib : mem_host_total_mib(),
            .ratio = opt->overcommit > 0 ? opt->overcommit : MEM_OVERCOMMIT_DEFAULT,
        };
        vm_manager_set_memory_policy(d->manager, &p);
    }
    return d->manager ? 0 : -1;
}

/* --ksm: the kernel's same-page merging runs (it is off by default);
 * only root may switch it, so others get one line saying so. */
static void start_ksm(void)
{
    int fd = open(KSM_RUN_PATH, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "1", 1) != 1)
        cp_log("KSM: cannot turn it on (%s: %s); VMs offer their memory anyway, and it merges "
               "once root writes 1 there", KSM_RUN_PATH, strerror(errno));
    else
        cp_log("KSM: turned on (%s = 1)", KSM_RUN_PATH);
    if (fd >= 0)
        close(fd);
}

/* Opens path and takes an exclusive flock on it.  A VM monitor the daemon
 * had just forked holds a copy of its descriptors until it closes what it
 * inherited, so a lock left by a killed daemon can seem held for an
 * instant: hence the short wait.  fd, or -1 with errno (EWOULDBLOCK: held). */
static int lock_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    for (int waited = 0; fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 10) {
        if (errno != EWOULDBLOCK || waited >= 3000) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        usleep(10000);
    }
    return fd;
}

/* One daemon per socket: an exclusive flock on SOCKET.lock, held while it
 * runs (connecting to the socket cannot tell, for the reason above). */
static int lock_instance(const char *socket_path)
{
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s.lock", socket_path);
    int fd = lock_file(path);
    if (fd < 0)
        cp_log("%s: %s", path,
               errno == EWOULDBLOCK ? "another daemon serves this socket" : strerror(errno));
    return fd;
}

/* One daemon per state directory, whatever its socket: an exclusive flock
 * on STATE/daemon.lock, which names the holder ("PID SOCKET"). */
static int lock_state(const struct daemon_options *opt)
{
    char path[PATH_MAX + 16], holder[PATH_MAX + 32] = "";
    snprintf(path, sizeof path, "%s/daemon.lock", opt->state_dir);
    int fd = lock_file(path);
    if (fd >= 0) {
        if (ftruncate(fd, 0) == 0)
            dprintf(fd, "%d %s\n", (int)getpid(), opt->socket_path);
        return fd;
    }
    if (errno != EWOULDBLOCK) {
        cp_log("cannot lock %s: %s", path, strerror(errno));
        return -1;
    }
    int pid = 0;
    char sock[PATH_MAX] = "?";
    FILE *f = fopen(path, "r");
    if (f && fgets(holder, sizeof holder, f))
        sscanf(holder, "%d %4095s", &pid, sock);
    if (f)
        fclose(f);
    cp_log("the state directory %s is in use by another daemon (pid %d, socket %s): "
           "one daemon per state directory",
           opt->state_dir, pid, sock);
    return -1;
}

int daemon_check_options(const struct daemon_options *opt, char *err, size_t errlen)
{
    size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
    if (!opt->socket_path[0] || !opt->state_dir[0])
        return errmsg(err, errlen, -1, "the %s path is empty",
                      opt->socket_path[0] ? "state directory" : "socket");
    if (strlen(opt->socket_path) > max)
        return errmsg(err, errlen, -1,
                      "the socket path %s is %zu bytes long: a Unix socket's path has at most %zu",
                      opt->socket_path, strlen(opt->socket_path), max);
    return 0;
}

/* Before the state is touched: two daemons must not reconcile it at once. */
static int claim_socket(struct daemon_parts *d, const struct daemon_options *opt)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", opt->socket_path);
    int rc = cp_mkdir_p(dirname(dir), 0750);
    if (rc < 0) {
        cp_log("cannot create the socket's directory for %s: %s", opt->socket_path,
               strerror(-rc));
        return -1;
    }
    d->instance_fd = lock_instance(opt->socket_path);
    return d->instance_fd < 0 ? -1 : 0;
}

/* ...nor two daemons on different sockets. */
static int claim_state(struct daemon_parts *d, const struct daemon_options *opt)
{
    int rc = cp_mkdir_p(opt->state_dir, 0750);
    if (rc < 0) {
        cp_log("cannot create the state directory %s: %s", opt->state_dir, strerror(-rc));
        return -1;
    }
    d->state_fd = lock_state(opt);
    return d->state_fd < 0 ? -1 : 0;
}

static int open_api(struct daemon_parts *d, const struct daemon_options *opt)
{
    char err[512];
    struct stat st;
    unlink(opt->socket_path); /* we hold the lock: whatever is there is left over */
    d->listen_fd = unix_listen(opt->socket_path, err, sizeof err);
    if (d->listen_fd < 0 || stat(opt->socket_path, &st) < 0) {
        cp_log("%s", err);
        return -1;
    }
    d->api = api_server_start(d->listen_fd, st.st_gid, d->manager, err, sizeof err);
    if (!d->api) {
        cp_log("%s", err);
        return -1;
    }
    return 0;
}

static int open_events(struct daemon_parts *d)
{
    /* Blocked before any thread starts, so every thread inherits it. */
    d->signal_fd = signals_block_to_fd((const int[]){SIGTERM, SIGINT, SIGCHLD, 0});
    d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    return d->signal_fd < 0 || d->epoll_fd < 0 ? -1 : 0;
}

static int watch(int epoll_fd, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* Our children are VM monitors; they end with their VM. */
static void reap_children(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

/* True when a termination signal arrived. */
static bool drain_signals(int signal_fd)
{
    struct signalfd_siginfo si;
    bool stop = false;
    while (read(signal_fd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            cp_log("signal %u: stopping (VMs keep running)", si.ssi_signo);
            stop = true;
        }
    }
    reap_children();
    return stop;
}

static void serve(struct daemon_parts *d)
{
    int watch_fd = vm_manager_watch_fd(d->manager);
    if (watch(d->epoll_fd, d->signal_fd) < 0 || watch(d->epoll_fd, watch_fd) < 0)
        return;
    for (;;) {
        struct epoll_event events[8];
        int n = epoll_wait(d->epoll_fd, events, 8, -1);
        if (n < 0 && errno != EINTR)
            return;
        for (int i = 0; i < n; i++) {
            if (events[i].data.fd == d->signal_fd && drain_signals(d->signal_fd))
                return;
            if (events[i].data.fd == watch_fd)
                vm_manager_on_vm_ended(d->manager);
        }
    }
}

int daemon_run(const struct daemon_options *opt)
{
    struct daemon_parts d = {.listen_fd = -1, .signal_fd = -1, .epoll_fd = -1,
                             .instance_fd = -1, .state_fd = -1};
    int status = 1;
    char err[PATH_MAX + 128];
    if (daemon_check_options(opt, err, sizeof err) < 0) {
        cp_log("%s", err);
        return status;
    }
    if (open_events(&d) == 0 && claim_socket(&d, opt) == 0 && claim_state(&d, opt) == 0 &&
        open_state(&d, opt) == 0) {
        vm_manager_reconcile(d.manager);
        if (opt->ksm)
            start_ksm();
        if (open_api(&d, opt) == 0) {
            cp_log("serving on %s (state in %s, VMM %s, pid %d)", opt->socket_path,
                   opt->state_dir, opt->vmm, (int)getpid());
            vm_manager_autostart(d.manager); /* the API already answers meanwhile */
            serve(&d);
            status = 0;
        }
    }
    teardown(&d, opt->socket_path);
    return status;
}
