/*
 * The host CPU profile a snapshot records: the CPUID vendor, signature
 * (family/model/stepping) and the feature words a guest may have seen and
 * used (KVM passes a subset of these through). A snapshot is restored only
 * where every feature it recorded is present and the vendor is the same:
 * a guest that used AVX-512 must not wake on a CPU without it.
 */
#ifndef MICA_SNAP_CPU_PROFILE_H
#define MICA_SNAP_CPU_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define CPU_PROFILE_WORDS 8

struct cpu_profile {
    char vendor[12];
    uint32_t signature;               /* CPUID.1:EAX            */
    uint32_t words[CPU_PROFILE_WORDS]; /* feature words, below   */
};

/* The names of the feature words, for messages. */
extern const char *const cpu_profile_word_names[CPU_PROFILE_WORDS];

/* This host's profile. */
void cpu_profile_host(struct cpu_profile *p);

/* 0 when a guest saved on `saved` may run on `here`; else -1 with one line
 * (the vendor, or the first missing feature word and bits) in err. */
int cpu_profile_check(const struct cpu_profile *saved, const struct cpu_profile *here, char *err,
                      size_t errlen);

#endif
