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
    .globl pv_tramp_pte_batch
    .globl pv_tramp_vectors, pv_tramp_hc_stub, pv_tramp_hc_stub_end
    .globl pv_tramp_sv_stub, pv_tramp_sv_stub_end
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

/* The same for many entries (a balloon call): rcx points at r11 (> 0)
 * struct pv_pte_write in the PTE batch pages; then one CR3 reload flushes
 * the TLB. rax (the hypercall's result) is kept on the CPL0 stack, below
 * the iret frame; rdx is clobbered, as the hypercall ABI allows. */
pv_tramp_pte_batch:
    push %rax
1:  mov (%rcx), %rdx
    mov 8(%rcx), %rax
    mov %rax, (%rdx)
    add $16, %rcx
    dec %r11
    jnz 1b
    mov %cr3, %rax
    mov %rax, %cr3
    pop %rax
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

    .balign 16
pv_tramp_end:

/* The template of one hypercall-page stub (CPL3): the immediate of the mov
 * is patched with the hypercall number. */
pv_tramp_hc_stub:
    mov $0x7fffffff, %eax
    ud2
    ret
pv_tramp_hc_stub_end:

/* The stub with the in-guest supervisor (src/pv/supervisor/): a ring
 * transition instead of an exception. */
pv_tramp_sv_stub:
    mov $0x7fffffff, %eax
    syscall
    ret
pv_tramp_sv_stub_end:

    .section .note.GNU-stack,"",@progbits
