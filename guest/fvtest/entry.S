/*
 * fvtest's entry and interrupt stubs. mica's Linux boot path enters here in
 * 64-bit mode with the boot page tables (identity map of 4 GiB), __BOOT_CS,
 * interrupts off and RSI = the zero page, as it would enter a vmlinux.
 * Every instruction here runs emulated on pvm hosts (~1 us each): keep the
 * stubs short.
 */
    .section .text.entry, "ax"
    .globl _start
    .code64
_start:
    lea     stack_top(%rip), %rsp
    mov     %rsi, %rdi
    call    fvtest_main
1:  cli
    hlt
    jmp     1b

/* #BP: record the return RIP from the frame (a trap: after the int3). */
    .globl isr_bp
isr_bp:
    push    %rax
    mov     8(%rsp), %rax
    mov     %rax, bp_rip(%rip)
    incl    bp_count(%rip)
    pop     %rax
    iretq

/* IRQ 0 (PIT) and IRQ 5 (first virtio device) through the 8259. */
    .globl isr_timer
isr_timer:
    push    %rax
    incl    timer_ticks(%rip)
    mov     $0x20, %al
    out     %al, $0x20          /* EOI to the master 8259 */
    pop     %rax
    iretq

/* IRQ 4: the UART's receive interrupt (data is read by the main loop). */
    .globl isr_serial
isr_serial:
    push    %rax
    incl    serial_irqs(%rip)
    mov     $0x20, %al
    out     %al, $0x20
    pop     %rax
    iretq

    .globl isr_virtio
isr_virtio:
    push    %rax
    incl    virtio_irqs(%rip)
    mov     $0x20, %al
    out     %al, $0x20
    pop     %rax
    iretq

/* #UD: stac/clac on a CPU without SMAP (hardware virtualization hosts):
 * note it and step over the 3-byte instruction. Anything else is fatal. */
    .globl isr_ud
isr_ud:
    push    %rax
    mov     8(%rsp), %rax
    cmpw    $0x010f, (%rax)
    jne     2f
    addq    $3, 8(%rsp)
    incl    ud_count(%rip)
    pop     %rax
    iretq
2:  pop     %rax
    mov     $6, %edi
    jmp     fault

    .globl isr_gp, isr_pf, isr_df
isr_gp: mov $13, %edi
    jmp     fault
isr_pf: mov $14, %edi
    jmp     fault
isr_df: mov $8, %edi
fault:
    mov     (%rsp), %rsi         /* error code or RIP, for the message */
    lea     stack_top(%rip), %rsp
    call    fvtest_fault
    jmp     1b

    .section .bss
    .balign 16
    .space  16384
stack_top:
