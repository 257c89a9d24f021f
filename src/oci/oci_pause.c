/* pause and resume: the VM's run gate, through its control channel. */
#include <stdio.h>
#include <string.h>

#include "ctl/vm_control_client.h"
#include "oci/oci_runtime.h"
#include "oci/oci_state.h"

#define CONTROL_TIMEOUT_MS 5000

static int pause_or_resume(const struct oci_runtime *rt, int argc, char **argv, bool pause)
{
    char err[1024], sock[OCI_PATH_MAX];
    struct oci_state st;
    int i = oci_parse_args(argc, argv, NULL, NULL, NULL, 1, err, sizeof err);
    if (i < 0)
        return oci_fail(rt, "%s", err);
    if (oci_state_load(rt->root, argv[i], &st, err, sizeof err) < 0)
        return oci_fail(rt, "%s: %s", argv[0], err);
    enum oci_status s = oci_state_status(&st);
    int rc = 0;
    json_t *reply = NULL;
    struct cp_error e = {0};
    if (s != (pause ? OCI_RUNNING : OCI_PAUSED))
        rc = oci_fail(rt, "%s: container %s is %s, not %s", argv[0], st.id, oci_status_name(s),
                      pause ? "running" : "paused");
    else if (oci_state_path(rt->root, st.id, "ctl.sock", sock, sizeof sock) < 0 ||
             vmctl_request(sock, pause ? "pause" : "resume", CONTROL_TIMEOUT_MS, &reply, &e) < 0)
        rc = oci_fail(rt, "%s: container %s: %s", argv[0], st.id, e.message);
    if (rc == 0) {
        st.paused = pause;
        if (oci_state_save(rt->root, &st, err, sizeof err) < 0)
            rc = oci_fail(rt, "%s: %s", argv[0], err);
    }
    json_decref(reply);
    oci_state_free(&st);
    return rc;
}

int oci_pause(const struct oci_runtime *rt, int argc, char **argv)
{
    return pause_or_resume(rt, argc, argv, true);
}

int oci_resume(const struct oci_runtime *rt, int argc, char **argv)
{
    return pause_or_resume(rt, argc, argv, false);
}
