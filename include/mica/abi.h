/*
 * mica paravirtual guest interface, version 1: the core.
 *
 * Shared verbatim by the hypervisor and by guests built with the guest kit,
 * like Xen's public/ headers. This header holds what every guest relies on:
 * the address-space layout, the start_info and shared_info pages, hypercall
 * numbers and errors, event ports and the trap frame. Each other contract
 * has its own header: mica/event.h (event channels), mica/grant.h (grant
 * tables), mica/memory.h (balloon reservations), mica/ring.h (the byte-ring
 * protocol), mica/io/ring.h (the request/response rings), mica/io/device.h
 * (connecting a device) and one per PV device under mica/io/ (console.h,
 * blkif.h, netif.h). Guests never hard-code the
 * special addresses: start_info names them.
 *
 * Every structure here is shared memory between the two sides, so its
 * layout is part of the ABI: the _Static_asserts below pin every size and
 * offset, and a change that moves one does not compile.
 */
#ifndef MICA_ABI_H
#define MICA_ABI_H

#include <stddef.h>
#include <stdint.h>

#define MICA_ABI_VERSION 1u
#define MICA_START_MAGIC 0x313056504143494dull /* "MICAPV01" little-endian */
#define MICA_PAGE_SIZE 4096ull

/* ---- types -------------------------------------------------------------
 * A guest-virtual address, a guest-physical address and an event port
 * number. RAM is identity-mapped at entry (gva == gpa), but the two are
 * different spaces once MICA_HC_MMU_UPDATE remaps pages.                   */
typedef uint64_t mica_gva_t;
typedef uint64_t mica_gpa_t;
typedef uint32_t mica_port_t;

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
    MICA_HC_SET_TRAP_TABLE = 5, /* (mica_gva_t handlers[32] or 0) -> 0    */
    MICA_HC_TRAP_RETURN = 6,    /* (struct mica_trap_frame *) resumes it  */
    MICA_HC_MMU_UPDATE = 7,     /* (va, frame number, MICA_MMU_*) -> 0    */
    MICA_HC_CLOCK = 8,          /* () -> monotonic ns, shared_info updated */
    MICA_HC_EVENT_OP = 9,       /* (MICA_EVTCHNOP_*, struct *) mica/event.h */
    MICA_HC_GRANT_OP = 10,      /* (MICA_GNTTABOP_*, struct *) mica/grant.h */
    MICA_HC_DEVICE_OP = 11,     /* (MICA_DEVOP_*, struct *) mica/io/device.h */
    MICA_HC_MEMORY_OP = 12,     /* (MICA_MEMOP_*, struct *) mica/memory.h  */
    MICA_HC_COUNT
};

/* Exit codes above this are reserved for mica's own statuses (timeout,
 * crash, errors), so a guest's code is never mistaken for them. */
#define MICA_EXIT_CODE_MAX 123

#define MICA_EPERM 1
#define MICA_ESRCH 3   /* no such domain (or it is going away)          */
#define MICA_EIO 5     /* a back end could not serve a device            */
#define MICA_EAGAIN 11
#define MICA_EFAULT 14
#define MICA_EBUSY 16  /* a grant in use: revoke refused                */
#define MICA_EEXIST 17 /* a virtual IRQ already bound                   */
#define MICA_EINVAL 22
#define MICA_ENOSPC 28 /* every event port or grant reference is in use */
#define MICA_ENOSYS 38

/* MICA_HC_MMU_UPDATE flags: no MICA_MMU_PRESENT unmaps the page. */
#define MICA_MMU_PRESENT 0x1u
#define MICA_MMU_WRITE 0x2u
#define MICA_MMU_EXEC 0x4u

/* ---- events -----------------------------------------------------------
 * A port is a bit of shared_info's pending and mask words: ports 0-63 in
 * evt_pending/evt_mask (as in the first layout), ports 64 .. 1023 in
 * evt_pending_more/evt_mask_more (see mica/event.h for the channels and
 * mica_evtchn_word()). MICA_HC_BLOCK takes a mask of ports 0-63
 * (MICA_PORT_BIT), or 0 for any of the 1,024.
 * Ports 0 and 1 start bound to the console's and the timer's virtual IRQs
 * (mica/event.h); a guest may close them and bind the IRQs elsewhere.   */
#define MICA_EVENT_PORTS 64 /* ports in one word, and in a BLOCK mask */
#define MICA_EVTCHN_PORTS 1024
#define MICA_EVTCHN_WORDS (MICA_EVTCHN_PORTS / MICA_EVENT_PORTS)
#define MICA_PORT_BIT(port) (1ull << ((port) % MICA_EVENT_PORTS))
enum mica_event_port {
    MICA_EVT_CONSOLE = 0, /* console input arrived (or reached its end) */
    MICA_EVT_TIMER = 1,   /* a MICA_HC_BLOCK deadline passed            */
};

/* ---- devices ------------------------------------------------------------
 * The PV devices a domain has besides its console, described by mica in
 * start_info.devices[0 .. device_count); a front end connects to one with
 * MICA_HC_DEVICE_OP (mica/io/device.h), its protocol in mica/io/.       */
#define MICA_DEVICES_MAX 8
enum mica_device_type {
    MICA_DEVICE_NONE = 0,
    MICA_DEVICE_BLOCK = 1, /* mica/io/blkif.h */
    MICA_DEVICE_NET = 2,   /* mica/io/netif.h */
};
#define MICA_DEVICE_READONLY 0x1u /* mica_device_info.flags: a read-only disk */
struct mica_device_info {
    uint16_t type;  /* enum mica_device_type */
    uint16_t flags; /* MICA_DEVICE_*         */
    uint32_t reserved;
    uint64_t info[3]; /* per type, see its header */
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
    mica_gva_t image_start, image_end;
    mica_gva_t heap_start, heap_end;
    mica_gva_t stack_top;
    mica_gva_t user_window_end; /* MMU_UPDATE may remap pages below this */
    mica_gva_t shared_info;     /* struct mica_shared_info               */
    mica_gva_t hypercall_page;
    mica_gva_t console_ring;     /* struct mica_console_ring (mica/io/console.h) */
    mica_gva_t console_doorbell; /* write any value here to kick the host */
    char name[MICA_NAME_MAX];
    uint32_t argc;
    uint32_t args_len;        /* bytes used in args                  */
    char args[MICA_ARGS_MAX]; /* argc NUL-terminated strings, packed */
    /* Added compatibly (older guests never read past args): */
    uint32_t device_count;
    uint32_t reserved_devices;
    struct mica_device_info devices[MICA_DEVICES_MAX];
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
    volatile uint64_t evt_pending; /* MICA_PORT_BIT(port) per pending port */
    volatile uint64_t evt_mask;    /* ports 0-63                           */
    /* Added compatibly (a guest that knows only the words above sees ports
     * 0-63 exactly as before): word w-1 holds ports 64*w .. 64*w+63.     */
    volatile uint64_t evt_pending_more[MICA_EVTCHN_WORDS - 1];
    volatile uint64_t evt_mask_more[MICA_EVTCHN_WORDS - 1];
    /* Added compatibly: the balloon (mica/memory.h). Written by mica only,
     * never read back by it; pages of 4 KiB. The target moves on
     * `mica mem-set` and MICA_VIRQ_BALLOON says so.                      */
    volatile uint64_t balloon_target_pages;  /* what the guest should hold */
    volatile uint64_t balloon_current_pages; /* what it holds              */
    volatile uint64_t balloon_max_pages;     /* start_info.mem_bytes / 4K  */
};

/* ---- traps --------------------------------------------------------------
 * With a handler registered for the vector, a fault at CPL3 resumes at the
 * handler with rdi = a mica_trap_frame pushed on the faulting stack (below
 * its 128-byte red zone) and a zero return address. MICA_HC_TRAP_RETURN
 * resumes the (possibly edited) frame.                                    */
#define MICA_TRAP_VECTORS 32
struct mica_trap_frame {
    uint64_t vector, error_code;
    mica_gva_t fault_addr;
    mica_gva_t rip, rsp;
    uint64_t rflags;
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* ---- the layouts, pinned ---------------------------------------------- */
_Static_assert(sizeof(mica_gva_t) == 8 && sizeof(mica_gpa_t) == 8 && sizeof(mica_port_t) == 4,
               "mica ABI: address and port types");
_Static_assert(MICA_EVT_TIMER < MICA_EVENT_PORTS, "mica ABI: event ports fit the mask");

_Static_assert(offsetof(struct mica_start_info, magic) == 0, "start_info.magic");
_Static_assert(offsetof(struct mica_start_info, abi_version) == 8, "start_info.abi_version");
_Static_assert(offsetof(struct mica_start_info, vcpus) == 12, "start_info.vcpus");
_Static_assert(offsetof(struct mica_start_info, vm_id) == 16, "start_info.vm_id");
_Static_assert(offsetof(struct mica_start_info, mem_bytes) == 24, "start_info.mem_bytes");
_Static_assert(offsetof(struct mica_start_info, image_start) == 32, "start_info.image_start");
_Static_assert(offsetof(struct mica_start_info, image_end) == 40, "start_info.image_end");
_Static_assert(offsetof(struct mica_start_info, heap_start) == 48, "start_info.heap_start");
_Static_assert(offsetof(struct mica_start_info, heap_end) == 56, "start_info.heap_end");
_Static_assert(offsetof(struct mica_start_info, stack_top) == 64, "start_info.stack_top");
_Static_assert(offsetof(struct mica_start_info, user_window_end) == 72, "start_info.user_window_end");
_Static_assert(offsetof(struct mica_start_info, shared_info) == 80, "start_info.shared_info");
_Static_assert(offsetof(struct mica_start_info, hypercall_page) == 88, "start_info.hypercall_page");
_Static_assert(offsetof(struct mica_start_info, console_ring) == 96, "start_info.console_ring");
_Static_assert(offsetof(struct mica_start_info, console_doorbell) == 104, "start_info.console_doorbell");
_Static_assert(offsetof(struct mica_start_info, name) == 112, "start_info.name");
_Static_assert(offsetof(struct mica_start_info, argc) == 176, "start_info.argc");
_Static_assert(offsetof(struct mica_start_info, args_len) == 180, "start_info.args_len");
_Static_assert(offsetof(struct mica_start_info, args) == 184, "start_info.args");
_Static_assert(offsetof(struct mica_start_info, device_count) == 3768, "start_info.device_count");
_Static_assert(offsetof(struct mica_start_info, devices) == 3776, "start_info.devices");
_Static_assert(sizeof(struct mica_device_info) == 32, "device_info size");
_Static_assert(sizeof(struct mica_start_info) == 4032, "start_info size");
_Static_assert(sizeof(struct mica_start_info) <= MICA_PAGE_SIZE, "start_info fits its page");

_Static_assert(offsetof(struct mica_shared_info, time_version) == 0, "shared_info.time_version");
_Static_assert(offsetof(struct mica_shared_info, time_flags) == 4, "shared_info.time_flags");
_Static_assert(offsetof(struct mica_shared_info, monotonic_ns) == 8, "shared_info.monotonic_ns");
_Static_assert(offsetof(struct mica_shared_info, wall_ns) == 16, "shared_info.wall_ns");
_Static_assert(offsetof(struct mica_shared_info, run_ns) == 24, "shared_info.run_ns");
_Static_assert(offsetof(struct mica_shared_info, tsc_stamp) == 32, "shared_info.tsc_stamp");
_Static_assert(offsetof(struct mica_shared_info, tsc_mul) == 40, "shared_info.tsc_mul");
_Static_assert(offsetof(struct mica_shared_info, tsc_shift) == 44, "shared_info.tsc_shift");
_Static_assert(offsetof(struct mica_shared_info, evt_pending) == 48, "shared_info.evt_pending");
_Static_assert(offsetof(struct mica_shared_info, evt_mask) == 56, "shared_info.evt_mask");
_Static_assert(offsetof(struct mica_shared_info, evt_pending_more) == 64, "shared_info.evt_pending_more");
_Static_assert(offsetof(struct mica_shared_info, evt_mask_more) == 184, "shared_info.evt_mask_more");
_Static_assert(offsetof(struct mica_shared_info, balloon_target_pages) == 304, "shared_info.balloon_target_pages");
_Static_assert(offsetof(struct mica_shared_info, balloon_current_pages) == 312, "shared_info.balloon_current_pages");
_Static_assert(offsetof(struct mica_shared_info, balloon_max_pages) == 320, "shared_info.balloon_max_pages");
_Static_assert(sizeof(struct mica_shared_info) == 328, "shared_info size");
_Static_assert(sizeof(struct mica_shared_info) <= MICA_PAGE_SIZE, "shared_info fits its page");
_Static_assert(MICA_EVTCHN_PORTS % MICA_EVENT_PORTS == 0, "mica ABI: whole words of ports");

_Static_assert(offsetof(struct mica_trap_frame, vector) == 0, "trap_frame.vector");
_Static_assert(offsetof(struct mica_trap_frame, error_code) == 8, "trap_frame.error_code");
_Static_assert(offsetof(struct mica_trap_frame, fault_addr) == 16, "trap_frame.fault_addr");
_Static_assert(offsetof(struct mica_trap_frame, rip) == 24, "trap_frame.rip");
_Static_assert(offsetof(struct mica_trap_frame, rsp) == 32, "trap_frame.rsp");
_Static_assert(offsetof(struct mica_trap_frame, rflags) == 40, "trap_frame.rflags");
_Static_assert(offsetof(struct mica_trap_frame, rax) == 48, "trap_frame.rax");
_Static_assert(offsetof(struct mica_trap_frame, rdi) == 88, "trap_frame.rdi");
_Static_assert(offsetof(struct mica_trap_frame, rbp) == 96, "trap_frame.rbp");
_Static_assert(offsetof(struct mica_trap_frame, r8) == 104, "trap_frame.r8");
_Static_assert(offsetof(struct mica_trap_frame, r15) == 160, "trap_frame.r15");
_Static_assert(sizeof(struct mica_trap_frame) == 168, "trap_frame size");

#endif
