/* SPDX-License-Identifier: MIT */
/*
 * The LSTAR system-call entry (DESIGN.md D2). `syscall` in ring 0 switches
 * neither stack nor privilege, so we move to the thread's kernel stack
 * ourselves (SFMASK has cleared IF, so nothing runs in between), save every
 * register the Linux ABI preserves (all but rax, rcx, r11), and return with
 * popfq + jmp: sysret would drop to ring 3. The user RSP is restored from
 * the kernel stack, never pushed to the user stack (its red zone is live).
 */
	.section .text
	.global syscall_entry
	.type syscall_entry, @function
syscall_entry:
	mov %rsp, %gs:16
	mov %gs:8, %rsp
	pushq %gs:16 /* user rsp */
	push %r11    /* user rflags */
	push %rcx    /* user rip */
	push %rdi
	push %rsi
	push %rdx
	push %r10
	push %r8
	push %r9
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rax    /* the call number */
	mov %rsp, %rdi
	call syscall_dispatch
	.global syscall_exit
syscall_exit:
	add $8, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	pop %r9
	pop %r8
	pop %r10
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rcx
	popfq
	pop %rsp
	jmp *%rcx
	.size syscall_entry, . - syscall_entry

	.section .note.GNU-stack, "", @progbits
