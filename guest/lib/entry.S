/* Guest entry: the hypervisor starts us at CPL3 with rsp = the stack top and
 * rdi = start_info. */
    .section .text.entry, "ax"
    .globl _start
_start:
    and $-16, %rsp
    xor %ebp, %ebp
    call mica_runtime_start
    ud2

    .text
/* Where the hypervisor bounces a fault to: rdi = the trap frame, a zero
 * return address on the stack. */
    .globl mica_trap_entry
mica_trap_entry:
    sub $8, %rsp
    mov %rdi, %rbx
    call mica_trap_dispatch
    mov $6, %edi            /* MICA_HC_TRAP_RETURN */
    mov %rbx, %rsi
    call mica_hypercall
    ud2

    .section .note.GNU-stack,"",@progbits
