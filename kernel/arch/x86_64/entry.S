/* SPDX-License-Identifier: MIT */
/*
 * The image's ELF entry (DESIGN.md D4): both boot paths jump here in 64-bit
 * mode with RDI = boot_info and RSI = CPU id, interrupts off.
 */
	.section .text
	.global hermit_entry
	.type hermit_entry, @function
hermit_entry:
	cli
	cld
	test %rsi, %rsi
	jnz uhyve_ap
	lea boot_stack_top(%rip), %rsp
	xor %ebp, %ebp
	call kernel_main
1:	hlt
	jmp 1b

/* uhyve starts every vCPU here at once. The others wait for the boot CPU
 * to release them one by one (smp.c), then move to the kernel's page
 * tables and their kernel stack. */
uhyve_ap:
	mov smp_release(%rip), %rax
	cmp %rsi, %rax
	je 2f
	pause
	jmp uhyve_ap
2:	mov ap_cr3(%rip), %rax
	mov %rax, %cr3
	lea ap_stacks(%rip), %rax
	mov (%rax,%rsi,8), %rsp
	xor %ebp, %ebp
	mov %rsi, %rdi
	call ap_start
3:	hlt
	jmp 3b
	.size hermit_entry, . - hermit_entry

/* arch_enter_app(entry, sp): start the app with the register state a Linux
 * process starts with: every register zero but RSP and RIP, DF clear. */
	.global arch_enter_app
	.type arch_enter_app, @function
arch_enter_app:
	mov %rdi, %rax
	mov %rsi, %rsp
	pushq $0x202 /* IF: the app runs with interrupts on (preemption) */
	popfq
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	jmp *%rax
	.size arch_enter_app, . - arch_enter_app

	.section .bss
	.balign 4096
	.global boot_stack_guard
boot_stack_guard:
	.skip 4096
	.global boot_stack
boot_stack:
	.skip 16384
	.global boot_stack_top
boot_stack_top:

/* The note that makes this image a hermit-c image (include/hermit/image.h);
 * it lives beside the entry so that every image links it. */
	.section .note.hermit, "a", @note
	.balign 4
	.long 9 /* namesz: "hermit-c" and its NUL */
	.long 4 /* descsz */
	.long 1 /* HERMIT_NOTE_ABI */
	.asciz "hermit-c"
	.balign 4
	.long 1 /* HERMIT_ABI_VERSION */

/* The kernel's build-time feature set, for uhyve -v and readelf -n. */
	.balign 4
	.long 9
	.long 2f - 1f
	.long 2 /* HERMIT_NOTE_FEATURES */
	.asciz "hermit-c"
	.balign 4
1:	.asciz HERMIT_FEATURES_STR
2:	.balign 4

	.section .note.GNU-stack, "", @progbits
