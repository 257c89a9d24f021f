/* mica save / snapshot / restore / clone: through the daemon. The CLI runs
 * as the user, so it creates the snapshot file itself (the daemon opens it
 * with the user's rights and hands it to the VM as a descriptor). */
#include "cli/cp_client.h"
#include "cli/cp_commands.h"
#include "snap/pv_snap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* save NAME FILE (the VM ends) and snapshot NAME FILE (it runs on). */
static int save_to(int argc, char **argv, const char *done)
{
    cp_client_take_socket_option(&argc, argv);
    if (argc >= 2 && strncmp(argv[1], "--", 2) == 0)
        return cp_bad_option(argv[0], argv[1]);
    if (argc != 3)
        return cp_usage(argv[0], "give a VM NAME and a FILE");
    bool created = access(argv[2], F_OK) != 0;
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    char abs[PATH_MAX];
    if (fd < 0 || !realpath(argv[2], abs)) {
        fprintf(stderr, "mica: %s %s: cannot create %s: %s\n", argv[0], argv[1], argv[2],
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    close(fd);
    char suffix[16];
    snprintf(suffix, sizeof suffix, "/%s", argv[0]);
    json_t *body = json_pack("{s:s}", "file", abs);
    char *path = cp_vm_path(argv[1], suffix);
    int rc = path ? cp_call(argv[0], "POST", path, body, NULL) : 1;
    free(path);
    json_decref(body);
    if (rc == 0)
        printf("%s %s %s\n", argv[1], done, abs);
    else if (created)
        unlink(abs); /* no half-made snapshot left behind */
    return rc;
}

int cmd_save(int argc, char **argv) { return save_to(argc, argv, "saved to"); }
int cmd_snapshot(int argc, char **argv) { return save_to(argc, argv, "snapshot saved to"); }

/* Defines and starts one VM from the snapshot; on a failed start the
 * definition is removed again: no half-made VM. */
static int start_from(const char *verb, const char *name, const char *kind, const char *abs)
{
    json_t *spec = json_pack("{s:s,s:s,s:s}", "name", name, "kind", kind, "snapshot", abs);
    char what[160];
    snprintf(what, sizeof what, "%s %s", verb, name);
    int rc = cp_call(what, "POST", "/v1/vms", spec, NULL);
    json_decref(spec);
    if (rc)
        return rc;
    if ((rc = cp_call_vm(verb, "POST", name, "/start", NULL)) != 0)
        cp_call_vm(verb, "DELETE", name, "", NULL);
    return rc;
}

/* The snapshot's absolute path, and the name it saved (checked on the way). */
static int open_snapshot(const char *cmd, const char *file, char *abs, struct pv_snap_info *info)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    char err[512];
    if (fd < 0 || !realpath(file, abs)) {
        fprintf(stderr, "mica: %s: snapshot %s: %s\n", cmd, file, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    int rc = pv_snap_describe(fd, file, info, err, sizeof err);
    close(fd);
    if (rc < 0)
        fprintf(stderr, "mica: %s: %s\n", cmd, err);
    return rc < 0 ? 1 : 0;
}

int cmd_restore(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    const char *name = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (strncmp(argv[i], "--", 2) == 0)
            return cp_bad_option(argv[0], argv[i]);
        else if (!file)
            file = argv[i];
        else
            return cp_usage(argv[0], "one snapshot FILE only");
    }
    if (!file)
        return cp_usage(argv[0], "which snapshot FILE?");
    char abs[PATH_MAX];
    struct pv_snap_info info;
    if (open_snapshot(argv[0], file, abs, &info))
        return 1;
    if (!name)
        name = info.name;
    int rc = start_from("restore", name, "restore", abs);
    if (rc == 0)
        printf("%s restored from %s\n", name, abs);
    return rc;
}

int cmd_clone(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    if (argc >= 2 && strncmp(argv[1], "--", 2) == 0)
        return cp_bad_option(argv[0], argv[1]);
    if (argc < 3)
        return cp_usage(argv[0], "give a snapshot FILE and one or more NEW names");
    char abs[PATH_MAX];
    struct pv_snap_info info;
    if (open_snapshot(argv[0], argv[1], abs, &info))
        return 1;
    for (int i = 2; i < argc; i++) {
        int rc = start_from("clone", argv[i], "clone", abs);
        if (rc)
            return rc;
        printf("%s cloned from %s\n", argv[i], abs);
    }
    return 0;
}
