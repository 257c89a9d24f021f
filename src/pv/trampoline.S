/*
 * The CPL0 trampoline of a PV domain, copied into a supervisor-only page.
 * On these hosts every CPL0 instruction is emulated (~1 us each), so each
 * path is as short as it can be: exit to mica with an `out`, let mica edit
 * registers and the iret frame, return. Guest registers are never touched
 * here, so mica sees them exactly as the guest left them.
 */
    .section .rodata
    .balign 16
    .globl pv_tramp_start, pv_tramp_end, pv_tramp_pte_write, pv_tramp_iret, pv_tramp_syscall
    .globl pv_tramp_vectors, pv_tramp_hc_stub, pv_tramp_hc_stub_end
    .globl pv_tramp_sv_entry, pv_tramp_sv_stub, pv_tramp_sv_stub_end
pv_tramp_start:

/* mica points rip here (and rsp at the iret frame) to make a page-table
 * write that KVM's shadow MMU sees: a write from the host's side would go
 * unnoticed by it. */
pv_tramp_pte_write:
    mov %r11, (%rcx)
    invlpg (%rdx)
/* ... and here to resume a context with every register chosen by mica. */
pv_tramp_iret:
    iretq

/* LSTAR: mica guests have no use for `syscall`. Where it enters CPL0 (hosts
 * with hardware virtualization, if EFER.SCE were set) this exits to mica;
 * on kvm_pvm it stays at CPL3 and faults fetching this supervisor page.
 * Either way the domain ends with a report naming it. */
pv_tramp_syscall:
    out %al, $0xe2

/* Every exception, hypercalls included: a hypercall is the `ud2` in a stub
 * of the hypercall page (on these hosts `int` and `syscall` do not reach
 * CPL0 from a guest's CPL3, but exceptions do). One 16-byte stub per vector,
 * in vector order: mica tells the vector from the stub's address, so the
 * stub pushes nothing and costs two or three emulated instructions. */
    .macro vec_stub v, has_error
    .balign 16
    out %al, $0xe1
    .if \has_error
    add $8, %rsp           /* drop the error code (mica read it) */
    .endif
    iretq
    .endm

    .balign 16
pv_tramp_vectors:
    vec_stub 0,0;  vec_stub 1,0;  vec_stub 2,0;  vec_stub 3,0
    vec_stub 4,0;  vec_stub 5,0;  vec_stub 6,0;  vec_stub 7,0
    vec_stub 8,1;  vec_stub 9,0;  vec_stub 10,1; vec_stub 11,1
    vec_stub 12,1; vec_stub 13,1; vec_stub 14,1; vec_stub 15,0
    vec_stub 16,0; vec_stub 17,1; vec_stub 18,0; vec_stub 19,0
    vec_stub 20,0; vec_stub 21,1; vec_stub 22,0; vec_stub 23,0
    vec_stub 24,0; vec_stub 25,0; vec_stub 26,0; vec_stub 27,0
    vec_stub 28,0; vec_stub 29,1; vec_stub 30,1; vec_stub 31,0

/* ---- the in-guest supervisor (issue 10), when the domain has it ----------
 * Hypercall stubs are `mov $nr, %eax; syscall; ret` and LSTAR points here,
 * with EFER.SCE on: a hypercall is a ring transition, and on hosts where
 * CPL0 runs natively (VT-x, AMD-V) the hypercalls that need no host service
 * are served here without leaving the VM. The rest leave with one `out`
 * to PV_PORT_SUPERVISOR, the same iret frame on the CPL0 stack as an
 * exception exit, so mica serves them exactly as through the `ud2` path.
 *
 * At entry: CPL0, IF/TF/DF/AC cleared by FMASK, rsp still the guest's (never
 * touched: it may point anywhere), rcx = return rip, r11 = rflags. The
 * hypercall ABI clobbers rcx, rdx and r11, so they are the only scratch
 * registers; arguments are in rdi, rsi, rdx. Guest-writable memory
 * (shared_info) is read here, never trusted beyond the guest's own result,
 * and every loop is bounded. */
#define SV_SHARED_INFO (0x00007f0000000000 + 1 * 4096) /* MICA_SPECIAL_VA + page 1 */
#define SV_CLOCK 8           /* MICA_HC_CLOCK */
#define SV_TIME_TSC 1        /* MICA_TIME_TSC */
#define SV_CLOCK_TRIES 4
#define SV_PORT 0xe3         /* PV_PORT_SUPERVISOR */

    .balign 16
pv_tramp_sv_entry:
    mov %rsp, sv_guest_rsp(%rip)
    lea (pv_tramp_start + 3 * 4096)(%rip), %rsp /* the CPL0 stack top (PV_PG_PML4) */
    pushq $0x1b                  /* ss: PV_SEL_UDATA */
    pushq sv_guest_rsp(%rip)     /* rsp              */
    push %r11                    /* rflags           */
    pushq $0x23                  /* cs: PV_SEL_UCODE */
    push %rcx                    /* rip              */
    cmp $SV_CLOCK, %eax
    je sv_clock
sv_to_mica:
    out %al, $SV_PORT
    iretq

/* MICA_HC_CLOCK: monotonic ns from shared_info's pvclock, as the guest kit
 * computes it (mica keeps it current at every exit). A version that stays
 * odd or keeps changing, or no TSC clock, goes to mica instead. */
sv_clock:
    mov $SV_CLOCK_TRIES, %ecx
    shl $8, %rcx                 /* tries in cl's upper neighbour: ch */
sv_clock_try:
    movabs $SV_SHARED_INFO, %rax
    mov (%rax), %r11d            /* time_version */
    test $1, %r11d
    jnz sv_clock_again
    testl $SV_TIME_TSC, 4(%rax)
    jz sv_clock_mica
    lfence
    rdtsc
    shl $32, %rdx
    or %rdx, %rax                /* rax = tsc */
    movabs $SV_SHARED_INFO, %rdx
    sub 32(%rdx), %rax           /* - tsc_stamp */
    mov 44(%rdx), %cl            /* tsc_shift (low byte; sign below) */
    cmpl $0, 44(%rdx)
    jl sv_clock_right
    shl %cl, %rax
    jmp sv_clock_scale
sv_clock_right:
    neg %cl
    shr %cl, %rax
sv_clock_scale:
    movl 40(%rdx), %edx          /* tsc_mul */
    mul %rdx                     /* rdx:rax = delta * mul */
    shrd $32, %rdx, %rax         /* >> 32 */
    movabs $SV_SHARED_INFO, %rdx
    add 8(%rdx), %rax            /* + monotonic_ns */
    cmp (%rdx), %r11d            /* time_version unchanged? */
    jne sv_clock_again
    iretq
sv_clock_again:
    sub $0x100, %ecx
    cmp $0x100, %ecx
    jae sv_clock_try
sv_clock_mica:
    mov $SV_CLOCK, %eax
    jmp sv_to_mica

    .balign 8
sv_guest_rsp:
    .quad 0

    .balign 16
pv_tramp_end:

/* The template of one hypercall-page stub (CPL3): the immediate of the mov
 * is patched with the hypercall number. */
pv_tramp_hc_stub:
    mov $0x7fffffff, %eax
    ud2
    ret
pv_tramp_hc_stub_end:

/* The stub with the supervisor: a ring transition instead of an exception. */
pv_tramp_sv_stub:
    mov $0x7fffffff, %eax
    syscall
    ret
pv_tramp_sv_stub_end:

    .section .note.GNU-stack,"",@progbits
