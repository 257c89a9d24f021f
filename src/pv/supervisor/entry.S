/*
 * The in-guest supervisor's entry (LSTAR, with EFER.SCE on). Hypercall
 * stubs are `mov $nr, %eax; syscall; ret`.
 *
 * At entry: CPL0, IF/TF/DF/AC cleared by FMASK, rsp still the guest's. The
 * guest's rsp is never used as a pointer (it may point anywhere, the
 * supervisor's own pages included): it is parked in the state page and the
 * CPL0 stack is taken. The iret frame pushed is the one an exception exit
 * leaves, so what goes to mica (one `out`) is served exactly as through the
 * trap path; then every register, as sv_syscall left them, and `iretq`.
 */
    .section .text.entry, "ax"
    .globl sv_entry
sv_entry:
    mov %rsp, sv_state(%rip)     /* pv_sv_state.guest_rsp */
    lea sv_stack_top(%rip), %rsp
    pushq $0x1b                  /* ss: PV_SEL_UDATA */
    pushq sv_state(%rip)         /* rsp              */
    push %r11                    /* rflags (syscall) */
    pushq $0x23                  /* cs: PV_SEL_UCODE */
    push %rcx                    /* rip (syscall)    */
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi               /* struct sv_regs *; rsp is 16-byte aligned here */
    call sv_syscall
    test %eax, %eax
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    jz 1f
    iretq                        /* served here */
1:  out %al, $0xe3               /* PV_PORT_SUPERVISOR: mica serves rax */
    iretq

    .section .note.GNU-stack,"",@progbits
