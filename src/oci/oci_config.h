/*
 * An OCI bundle's config.json, as mica reads it: which guest to run and how
 * (docs/oci.md). The file is the caller's (a container engine, a user): it
 * is parsed with jansson, every field checked before it is used, and a bad
 * one refused with one line naming the field and the reason. What a VM
 * cannot honour is refused, not ignored; what its boundary replaces
 * (mounts, capabilities, seccomp, the user, devices) is ignored.
 */
#ifndef MICA_OCI_OCI_CONFIG_H
#define MICA_OCI_OCI_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OCI_CONFIG_MAX (1u << 20) /* bytes of config.json */
#define OCI_ARGS_MAX 256          /* process.args entries */
#define OCI_ENV_MAX 256           /* process.env entries (mica run --env's bound) */
#define OCI_PATH_MAX 4096

/* The annotations that choose the VM (anything else under "org.mica." is
 * refused, so a typo does not silently run a different VM). */
#define OCI_ANN_KIND "org.mica.kind"       /* "pv" (default) or "linux" */
#define OCI_ANN_KERNEL "org.mica.kernel"   /* linux: kernel path inside the rootfs */
#define OCI_ANN_INITRD "org.mica.initrd"   /* linux: initrd path inside the rootfs */
#define OCI_ANN_CMDLINE "org.mica.cmdline" /* linux: the kernel command line */

/* What Kubernetes' runtimes (containerd's CRI, CRI-O) mark a pod's
 * sandbox ("pause") container with: it gets no VM (see oci_vm_process.h). */
#define OCI_ANN_CRI_TYPE "io.kubernetes.cri.container-type"
#define OCI_ANN_CRIO_TYPE "io.kubernetes.cri-o.ContainerType"

enum oci_vm_kind { OCI_VM_PV, OCI_VM_LINUX, OCI_VM_NONE /* a pod sandbox */ };
enum oci_netns { OCI_NETNS_HOST, OCI_NETNS_NEW, OCI_NETNS_JOIN };

struct oci_config {
    json_t *doc;               /* the parsed file: the strings below point into it */
    char rootfs[OCI_PATH_MAX]; /* root.path, made absolute against the bundle */
    const char *args[OCI_ARGS_MAX];
    size_t argc;
    const char *env[OCI_ENV_MAX];
    size_t envc;
    bool terminal;             /* process.terminal */
    uint64_t mem_mib;          /* from linux.resources.memory.limit; 0: mica's default */
    uint64_t cpu_shares;       /* linux.resources.cpu.shares; 0: not given */
    enum oci_vm_kind kind;
    const char *kernel, *initrd, *cmdline; /* OCI_VM_LINUX; paths inside the rootfs */
    enum oci_netns netns;
    const char *netns_path;    /* OCI_NETNS_JOIN */
    json_t *annotations;       /* borrowed from doc; NULL when there are none */
};

/* Parses text[0..len) as the config.json of the bundle at `bundle` (an
 * absolute path). 0, or -1 with one line in err; c needs oci_config_free
 * either way. */
int oci_config_parse(const char *text, size_t len, const char *bundle, struct oci_config *c,
                     char *err, size_t errlen);

/* Reads and parses BUNDLE/config.json. */
int oci_config_load(const char *bundle, struct oci_config *c, char *err, size_t errlen);

void oci_config_free(struct oci_config *c);

#endif
