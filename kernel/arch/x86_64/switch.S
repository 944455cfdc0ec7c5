/* SPDX-License-Identifier: MIT */
/*
 * switch_to(prev, &prev->ctx, next_ctx): save the callee-saved registers on
 * this stack, park its RSP in *prev_ctx, resume the stack saved in next_ctx.
 * Returns (on the resumed stack) the thread that was switched away from on
 * this CPU, so the resumed side can finish the switch (sched_finish_switch).
 */
	.section .text
	.global switch_to
	.type switch_to, @function
switch_to:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rsi)
	mov %rdx, %rsp
	mov %rdi, %rax
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size switch_to, . - switch_to

/* A clone child's first code: its stack holds a copy of the parent's system
 * call frame; it returns from that call with 0. */
	.global clone_child_start
	.type clone_child_start, @function
clone_child_start:
	mov %rax, %rdi
	call sched_finish_switch
	xor %eax, %eax
	jmp syscall_exit
	.size clone_child_start, . - clone_child_start

/* An idle thread's first code. */
	.global thread_first_start
	.type thread_first_start, @function
thread_first_start:
	mov %rax, %rdi
	call sched_finish_switch
	call sched_idle
	.size thread_first_start, . - thread_first_start

/* A kernel thread's first code: fn in r12, its argument in r13. */
	.global kthread_start
	.type kthread_start, @function
kthread_start:
	mov %rax, %rdi
	call sched_finish_switch
	mov %r13, %rdi
	call *%r12
	ud2
	.size kthread_start, . - kthread_start

	.section .note.GNU-stack, "", @progbits
