/*
 * A virtual PC for an unmodified Linux kernel: one KVM VM with the in-kernel
 * irqchip (PIC, IOAPIC, LAPICs) and PIT, guest RAM below the 3 GiB MMIO
 * gap, the trap-and-emulate devices on port I/O (UART, RTC, i8042), virtio
 * devices on MMIO, and one thread per vCPU. fv_machine_run() boots it and
 * returns why it ended; the caller decides about --reboot.
 */
#ifndef MICA_FV_FV_MACHINE_H
#define MICA_FV_FV_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "fv/fv_console.h"
#include "fv/fv_options.h"
#include "fv/fv_stats.h"
#include "fv/fv_virtio.h"
#include "hw/cmos_rtc.h"
#include "hw/i8042.h"
#include "hw/uart8250.h"
#include "vmm/guest_mem.h"
#include "vmm/run_gate.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

enum fv_end {
    FV_RUNNING = 0,
    FV_END_RESET,       /* i8042 reset, triple fault, KVM system event */
    FV_END_POWEROFF,    /* KVM system event shutdown */
    FV_END_CRASHED,     /* machine->report says why */
    FV_END_TIMEOUT,
    FV_END_INTERRUPTED,
    FV_END_SHUTDOWN,    /* asked for by the control channel */
};

/* An extra descriptor for the I/O thread (the control channel): when it is
 * readable, on_ready(ctx) runs on the I/O thread. fd -1: none. */
struct fv_watch {
    int fd;
    void (*on_ready)(void *ctx);
    void *ctx;
};

struct fv_vcpu {
    struct fv_machine *m;
    unsigned index;
    struct vcpu cpu;
    struct run_gate gate; /* pause, park and the machine's end reach the thread here */
    bool gate_ready;
    pthread_t thread;
    bool started;
};

struct fv_machine {
    const struct fv_options *opt;
    struct vm vm;
    struct guest_mem mem;
    unsigned ncpus;
    struct fv_vcpu *vcpus;
    /* Port-I/O devices; each lock serialises vCPU threads and the I/O thread. */
    pthread_mutex_t uart_lock, rtc_lock, kbd_lock;
    struct uart8250 uart;
    struct cmos_rtc rtc;
    struct i8042 kbd;
    struct fv_virtio virtio;
    struct fv_console console;
    struct fv_stats stats;
    atomic_int end;          /* enum fv_end: the first reason wins */
    char report[2048];       /* for FV_END_CRASHED */
};

/* Builds the machine and loads the kernel. Its console reads in_fd (-1: no
 * input, as with --control) and writes out_fd; the caller owns both.
 * 0, or -1 with one line in err (bad input: a kernel that is not one, a
 * missing disk, ...). */
int fv_machine_create(struct fv_machine *m, const struct fv_options *o, int in_fd, int out_fd,
                      char *err, size_t errlen);
void fv_machine_destroy(struct fv_machine *m);

/* Runs every vCPU on its own thread until the machine ends. `deadline_ns`
 * (CLOCK_MONOTONIC, 0 for none) and `sig_fd` (a signalfd, or -1) are
 * watched by the I/O thread. */
enum fv_end fv_machine_run(struct fv_machine *m, uint64_t deadline_ns, int sig_fd,
                           const struct fv_watch *extra);

/* Stops every vCPU outside the guest and waits (at most timeout_ms) until
 * all have parked: 0, -ETIMEDOUT (the request is withdrawn) or -ESRCH (the
 * machine ended). Resume lets them run again. Any thread but a vCPU's. */
int fv_machine_pause(struct fv_machine *m, int timeout_ms);
int fv_machine_resume(struct fv_machine *m);
bool fv_machine_paused(struct fv_machine *m);
/* Guest time, summed over the vCPUs (relaxed reads). */
uint64_t fv_machine_run_ns(const struct fv_machine *m);

/* From any thread: ends the machine (first call wins) and takes every vCPU
 * out of the guest. A crash passes its report. */
void fv_machine_end(struct fv_machine *m, enum fv_end why, const char *report);

/* KVM_IRQ_LINE, as the devices' irq_line_fn (ctx is the machine). */
void fv_machine_set_irq(void *ctx, unsigned irq, int level);

#endif
