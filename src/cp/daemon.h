/* `mica daemon`: the control program's long-running server. */
#ifndef MICA_CP_DAEMON_H
#define MICA_CP_DAEMON_H

#include <stddef.h>
#include <stdint.h>

struct daemon_options {
    const char *socket_path;
    const char *state_dir;
    const char *vmm; /* the program run as `VMM run GUEST ...` for each VM */
    uint64_t log_max_bytes; /* per VM log file (and as much in log.1); 0: default */
    double overcommit;      /* cp/mem_policy.h; 0: MEM_OVERCOMMIT_DEFAULT */
    uint64_t host_mem_mib;  /* the memory to hand out; 0: MemTotal        */
    int ksm;                /* offer every VM's RAM to KSM and turn it on  */
};

/* Empty or over-long paths: -1 with a message in err, before anything is
 * created or opened (daemon_run checks again). */
int daemon_check_options(const struct daemon_options *opt, char *err, size_t errlen);

/* Serves until SIGTERM or SIGINT; running VMs are left running.
 * Returns the process exit status. */
int daemon_run(const struct daemon_options *opt);

#endif
