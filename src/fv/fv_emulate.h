/*
 * KVM_EXIT_INTERNAL_ERROR: the host's instruction emulator gave up (on pvm
 * hosts it runs all guest CPL0 code; see docs/fullvirt.md). mica completes
 * the few instructions where that is simple and exact -- int3 becomes an
 * injected #BP, clac/stac clear/set RFLAGS.AC, fwait with no x87 exception
 * pending is a no-op -- and counts them; anything
 * else ends the VM with one report: RIP, bytes, mnemonic, what to try.
 */
#ifndef MICA_FV_FV_EMULATE_H
#define MICA_FV_FV_EMULATE_H

#include <stddef.h>
#include <stdint.h>

struct fv_machine;
struct vcpu;

/* 0 when handled (the vCPU may run on), -1 with a report otherwise. */
int fv_emulate_internal_error(struct fv_machine *m, struct vcpu *cpu, unsigned index, char *report,
                              size_t len);

/* What the bytes at RIP are, for reports: "popcnt", ... or NULL. Pure. */
const char *fv_insn_mnemonic(const uint8_t *b, size_t n);
/* A hint for the user about that instruction. Never NULL. */
const char *fv_insn_hint(const char *mnemonic);

enum fv_insn_fix { FV_FIX_NONE, FV_FIX_INT3, FV_FIX_CLAC, FV_FIX_STAC, FV_FIX_FWAIT };
/* Which simple completion applies to these bytes; *len gets the length. */
enum fv_insn_fix fv_insn_fix_for(const uint8_t *b, size_t n, unsigned *len);

#endif
