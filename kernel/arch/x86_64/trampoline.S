/* SPDX-License-Identifier: MIT */
/*
 * The application-processor trampoline (QEMU path). smp.c copies it to
 * physical TRAMPOLINE_ADDR and fills its data block; an AP woken by SIPI
 * starts here in real mode, goes through protected mode into long mode on
 * the kernel's page tables, loads its stack and jumps to ap_start(index).
 * Code runs at TRAMPOLINE_ADDR, so every address is TRAMPOLINE_ADDR plus an
 * offset from ap_trampoline.
 */
#define TRAMPOLINE_ADDR 0x8000
#define REL(x) (TRAMPOLINE_ADDR + (x) - ap_trampoline)

	.section .rodata
	.balign 16
	.global ap_trampoline, ap_trampoline_end, ap_trampoline_data
	.code16
ap_trampoline:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	lgdtl REL(gdtr)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $REL(pm)

	.code32
pm:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $0x20, %eax /* PAE */
	mov %eax, %cr4
	mov REL(ap_trampoline_data), %eax /* cr3 */
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $0x901, %eax /* SCE, LME, NXE */
	wrmsr
	mov %cr0, %eax
	or $0x80010000, %eax /* PG, WP */
	mov %eax, %cr0
	ljmp $0x18, $REL(lm)

	.code64
lm:
	mov REL(ap_trampoline_data) + 8, %rsp
	mov REL(ap_trampoline_data) + 16, %rdi
	mov REL(ap_trampoline_data) + 24, %rax
	jmp *%rax

	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
	.quad 0x00af9a000000ffff /* 0x18: 64-bit code */
gdtr:
	.word gdtr - gdt - 1
	.long REL(gdt)
	.balign 8
/* Filled by smp.c: CR3, stack top, CPU index, entry point. */
ap_trampoline_data:
	.quad 0, 0, 0, 0
ap_trampoline_end:

	.section .note.GNU-stack, "", @progbits
