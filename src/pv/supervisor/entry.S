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
/* The guest's general registers, r15 lowest (struct sv_regs, sv_fault). */
    .macro save_guest_registers
    push %rax; push %rbx; push %rcx; push %rdx; push %rsi; push %rdi; push %rbp
    push %r8;  push %r9;  push %r10; push %r11; push %r12; push %r13; push %r14; push %r15
    .endm
/* Their reverse; pops leave the flags alone, so a test before it holds. */
    .macro restore_guest_registers
    pop %r15; pop %r14; pop %r13; pop %r12; pop %r11; pop %r10; pop %r9; pop %r8
    pop %rbp; pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rbx; pop %rax
    .endm

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
    save_guest_registers
    mov %rsp, %rdi               /* struct sv_regs *; rsp is 16-byte aligned here */
    call sv_syscall
    test %eax, %eax
    restore_guest_registers
    jz 1f
    iretq                        /* served here */
1:  out %al, $0xe3               /* PV_PORT_SUPERVISOR: mica serves rax */
    iretq

/*
 * Exceptions (the IDT points here for every vector but NMI, #DF and #MC):
 * one 16-byte stub per vector at offset PV_SV_VECTORS_OFFSET pushes the
 * vector and joins sv_exception. The CPU has pushed the iret frame (and an
 * error code for some vectors) on the CPL0 stack.
 */
    .macro sv_vector v
    .org 0x100 + \v * 16
    pushq $\v
    jmp sv_exception
    .endm
    sv_vector 0;  sv_vector 1;  sv_vector 2;  sv_vector 3
    sv_vector 4;  sv_vector 5;  sv_vector 6;  sv_vector 7
    sv_vector 8;  sv_vector 9;  sv_vector 10; sv_vector 11
    sv_vector 12; sv_vector 13; sv_vector 14; sv_vector 15
    sv_vector 16; sv_vector 17; sv_vector 18; sv_vector 19
    sv_vector 20; sv_vector 21; sv_vector 22; sv_vector 23
    sv_vector 24; sv_vector 25; sv_vector 26; sv_vector 27
    sv_vector 28; sv_vector 29; sv_vector 30; sv_vector 31
    .org 0x300

/* sv_fault (C) returns 0: hand the fault to mica: it replaced the vector's
 * slot with the address of the trampoline's stub for it, so `ret` enters
 * that stub with the stack exactly as the CPU left it. 1: bounced to the
 * guest's handler (frame rewritten), no error code to drop; 2: the same,
 * with one. */
sv_exception:
    save_guest_registers
    mov %rsp, %rdi               /* struct sv_fault * */
    cld
    call sv_fault
    cmp $1, %eax
    restore_guest_registers
    jb 2f
    je 1f
    add $8, %rsp                 /* the error code */
1:  add $8, %rsp                 /* the vector     */
    iretq
2:  ret                          /* into the trampoline's stub: mica */

    .section .note.GNU-stack,"",@progbits
