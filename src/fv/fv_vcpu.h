/* One thread per vCPU: KVM_RUN and the exit loop, until the machine ends. */
#ifndef MICA_FV_FV_VCPU_H
#define MICA_FV_FV_VCPU_H

#include <stddef.h>

struct fv_machine;
struct fv_vcpu;

/* Creates vCPU `index` with its CPUID (template applied) and LAPIC wiring
 * (LINT0 ExtINT, LINT1 NMI, as a BIOS leaves them). 0 or -1 with err. */
int fv_vcpu_create(struct fv_machine *m, struct fv_vcpu *v, unsigned index, char *err, size_t errlen);
void fv_vcpu_destroy(struct fv_vcpu *v);

/* Starts the thread. 0 or -1. */
int fv_vcpu_start(struct fv_vcpu *v);
void fv_vcpu_join(struct fv_vcpu *v);

#endif
