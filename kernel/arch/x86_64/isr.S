/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt entry. Every vector enters on an IST stack (the
 * IDT says which), so the CPU never pushes onto the interrupted stack: in
 * ring 0 that would overwrite the app's red zone (DESIGN.md D2).
 * An interrupted app's frame is then moved to its thread's kernel stack
 * (trap_enter), where the handler may switch threads (preemption) while
 * the IST stack is free for the next interrupt.
 * Each stub is 16 bytes: it pushes a zero error code where the CPU pushes
 * none, then the vector, and joins isr_common.
 */
	.section .text
	.balign 16
	.global isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	.if vec < 128
	.byte 0x6a, vec /* push imm8 */
	.else
	pushq $vec
	.endif
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
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
	cld
	mov %rsp, %rdi
	call trap_enter /* off the IST stack when the app was interrupted */
	mov %rax, %rsp
	mov %rsp, %rdi
	call trap_dispatch
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
	add $16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
