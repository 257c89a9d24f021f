/* `start ID`: lets the created VM process past its start gate. */
#include <string.h>
#include <unistd.h>

#include "oci/oci_runtime.h"
#include "oci/oci_state.h"
#include "run/start_hold.h"

#define START_TIMEOUT_MS 10000 /* create returned once the process was set up: it is near */

int oci_start(const struct oci_runtime *rt, int argc, char **argv)
{
    char err[1024], fifo[OCI_PATH_MAX];
    int i = oci_parse_args(argc, argv, NULL, NULL, NULL, 1, err, sizeof err);
    if (i < 0)
        return oci_fail(rt, "%s", err);
    struct oci_state st;
    if (oci_state_load(rt->root, argv[i], &st, err, sizeof err) < 0)
        return oci_fail(rt, "start: %s", err);
    enum oci_status s = oci_state_status(&st);
    int rc = 0;
    if (s != OCI_CREATED)
        rc = errmsg(err, sizeof err, -1, "container %s is %s: only a created container can be "
                    "started", st.id, oci_status_name(s));
    else if (oci_state_path(rt->root, st.id, "start.fifo", fifo, sizeof fifo) < 0 ||
             start_hold_release(fifo, st.pid, START_TIMEOUT_MS, err, sizeof err) < 0)
        rc = -1;
    if (rc == 0) {
        unlink(fifo); /* a second start finds no gate */
        st.started = true;
        rc = oci_state_save(rt->root, &st, err, sizeof err);
    }
    oci_state_free(&st);
    return rc < 0 ? oci_fail(rt, "start: %s", err) : 0;
}
