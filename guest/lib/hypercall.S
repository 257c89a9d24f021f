/* The one way into the hypervisor: the stubs of the hypercall page. */
/* long mica_hypercall(nr, a, b, c): jumps to the stub in the hypercall page,
 * whose `ret` returns to our caller. */
    .text
    .globl mica_hypercall
mica_hypercall:
    mov %edi, %eax
    mov %rsi, %rdi
    mov %rdx, %rsi
    mov %rcx, %rdx
    mov %eax, %ecx
    shl $5, %rcx
    add mica_hypercall_page(%rip), %rcx
    jmp *%rcx

    .section .note.GNU-stack,"",@progbits
