/*
 * mica paravirtual guest interface, version 1.
 *
 * Shared verbatim by the hypervisor and by guests built with the guest kit,
 * like Xen's public/ headers. Everything a guest may rely on is here: the
 * address-space layout, the start_info and shared_info pages, hypercall
 * numbers and errors, event ports, the trap frame and the console ring.
 * Guests never hard-code the special addresses: start_info names them.
 */
#ifndef MICA_ABI_H
#define MICA_ABI_H

#include <stdint.h>

#define MICA_ABI_VERSION 1u
#define MICA_START_MAGIC 0x313056504143494dull /* "MICAPV01" little-endian */
#define MICA_PAGE_SIZE 4096ull

/*
 * Guest address space at entry (guest-virtual == guest-physical for RAM):
 *   [0, 4K)                 unmapped: catches NULL dereferences
 *   [4K, MICA_IMAGE_BASE)   the initial stack, growing down from IMAGE_BASE
 *   [MICA_IMAGE_BASE, ...)  the guest ELF image, then the heap up to mem_bytes
 *   MICA_SPECIAL_VA         start_info, shared_info, hypercall page, console
 *                           ring and doorbell (addresses also in start_info)
 *   top of the address space: the hypervisor (supervisor-only)
 * RAM is mapped user read/write/execute; MICA_HC_MMU_UPDATE changes that for
 * any page below start_info.user_window_end.
 */
#define MICA_IMAGE_BASE 0x100000ull
#define MICA_SPECIAL_VA 0x00007f0000000000ull
#define MICA_MEM_MIN_MIB 2u
#define MICA_MEM_MAX_MIB 4096u

/* ---- hypercalls ------------------------------------------------------
 * Call the stub at start_info.hypercall_page + number * MICA_HC_STUB_SIZE.
 * Arguments in rdi, rsi, rdx; the result in rax (negative = -MICA_E*).
 * rcx, rdx, r11 and the flags are clobbered; everything else is kept.   */
#define MICA_HC_STUB_SIZE 32u
enum mica_hypercall {
    MICA_HC_CONSOLE_WRITE = 0,  /* (buf, len) -> bytes written            */
    MICA_HC_CONSOLE_READ = 1,   /* (buf, len) -> bytes read, 0 if none    */
    MICA_HC_BLOCK = 2,          /* (deadline_ns or 0, port mask or 0 = any) */
    MICA_HC_YIELD = 3,          /* () -> 0                                */
    MICA_HC_EXIT = 4,           /* (code 0..MICA_EXIT_CODE_MAX), no return */
    MICA_HC_SET_TRAP_TABLE = 5, /* (uint64_t handlers[32] or 0) -> 0      */
    MICA_HC_TRAP_RETURN = 6,    /* (struct mica_trap_frame *) resumes it  */
    MICA_HC_MMU_UPDATE = 7,     /* (va, frame number, MICA_MMU_*) -> 0    */
    MICA_HC_CLOCK = 8,          /* () -> monotonic ns, shared_info updated */
    MICA_HC_COUNT
};

/* Exit codes above this are reserved for mica's own statuses (timeout,
 * crash, errors), so a guest's code is never mistaken for them. */
#define MICA_EXIT_CODE_MAX 123

#define MICA_EPERM 1
#define MICA_EAGAIN 11
#define MICA_EFAULT 14
#define MICA_EINVAL 22
#define MICA_ENOSYS 38

/* MICA_HC_MMU_UPDATE flags: no MICA_MMU_PRESENT unmaps the page. */
#define MICA_MMU_PRESENT 0x1u
#define MICA_MMU_WRITE 0x2u
#define MICA_MMU_EXEC 0x4u

/* ---- events ----------------------------------------------------------- */
#define MICA_EVENT_PORTS 64
enum mica_event_port {
    MICA_EVT_CONSOLE = 0, /* console input arrived (or reached its end) */
    MICA_EVT_TIMER = 1,   /* a MICA_HC_BLOCK deadline passed            */
};

/* ---- start_info: read-only, its address arrives in rdi at entry ------- */
#define MICA_NAME_MAX 64
#define MICA_ARGS_MAX 3584
struct mica_start_info {
    uint64_t magic; /* MICA_START_MAGIC */
    uint32_t abi_version;
    uint32_t vcpus;
    uint64_t vm_id;
    uint64_t mem_bytes;
    uint64_t image_start, image_end;
    uint64_t heap_start, heap_end;
    uint64_t stack_top;
    uint64_t user_window_end; /* MMU_UPDATE may remap pages below this */
    uint64_t shared_info;
    uint64_t hypercall_page;
    uint64_t console_ring;
    uint64_t console_doorbell; /* write any value here to kick the host */
    char name[MICA_NAME_MAX];
    uint32_t argc;
    uint32_t args_len;        /* bytes used in args                  */
    char args[MICA_ARGS_MAX]; /* argc NUL-terminated strings, packed */
};

/* ---- shared_info: read/write, one page ---------------------------------
 * Time: read time_version (retry while odd or changed), then
 *   ns = monotonic_ns + pvclock(rdtsc - tsc_stamp)   if MICA_TIME_TSC
 * where pvclock(d) = ((shift < 0 ? d >> -shift : d << shift) * tsc_mul) >> 32.
 * Events: the host sets bits in evt_pending; the guest clears them with an
 * atomic and; masked ports never wake MICA_HC_BLOCK.                      */
#define MICA_TIME_TSC 0x1u
struct mica_shared_info {
    volatile uint32_t time_version;
    uint32_t time_flags;
    uint64_t monotonic_ns; /* host CLOCK_MONOTONIC at tsc_stamp          */
    uint64_t wall_ns;      /* host CLOCK_REALTIME at tsc_stamp           */
    uint64_t run_ns;       /* this VM's vCPU time at the last update      */
    uint64_t tsc_stamp;
    uint32_t tsc_mul;
    int32_t tsc_shift;
    volatile uint64_t evt_pending;
    volatile uint64_t evt_mask;
};

/* ---- traps --------------------------------------------------------------
 * With a handler registered for the vector, a fault at CPL3 resumes at the
 * handler with rdi = a mica_trap_frame pushed on the faulting stack (below
 * its 128-byte red zone) and a zero return address. MICA_HC_TRAP_RETURN
 * resumes the (possibly edited) frame.                                    */
#define MICA_TRAP_VECTORS 32
struct mica_trap_frame {
    uint64_t vector, error_code, fault_addr;
    uint64_t rip, rsp, rflags;
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* ---- console ring: guest -> host bytes in out[], host -> guest in in[] ----
 * Indices run freely and are masked on use. The guest kicks the doorbell
 * after producing output when out_event lies in (old prod, new prod]; the
 * host sets out_event = out_cons + 1 when it has drained everything.      */
#define MICA_CONS_OUT_SIZE 4096u
#define MICA_CONS_IN_SIZE 1024u
#define MICA_CONS_IN_EOF 0x1u /* in_flags: the host's input has ended */
struct mica_console_ring {
    volatile uint32_t out_prod, out_cons, out_event;
    volatile uint32_t in_prod, in_cons, in_flags;
    uint32_t reserved[10];
    char out[MICA_CONS_OUT_SIZE];
    char in[MICA_CONS_IN_SIZE];
};

#endif
