/* SPDX-License-Identifier: MIT */
/*
 * hermit-loader's first and last instructions: the multiboot v1 header, the
 * 32-bit start that calls loader_main(), and the switch to long mode that
 * enters the image (include/hermit/boot_info.h has the entry contract).
 */
#define MB_HEADER_MAGIC 0x1badb002
#define MB_PAGE_ALIGN (1 << 0) /* modules on page boundaries */
#define MB_MEMORY_INFO (1 << 1) /* a memory map, please */
#define MB_FLAGS (MB_PAGE_ALIGN | MB_MEMORY_INFO)

#define SEL_CODE32 0x08
#define SEL_DATA 0x10
#define SEL_CODE64 0x18

#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080

#define STACK_SIZE 16384

	.section .multiboot, "a"
	.balign 4
	.long MB_HEADER_MAGIC, MB_FLAGS, -(MB_HEADER_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	/* EAX = multiboot magic, EBX = multiboot info; no stack, GDT unknown. */
	cli
	cld
	mov %eax, %esi
	rdtsc /* boot_info.boot_tsc: EDX and EBP keep it until the BSS is clear */
	mov %eax, %ebp

	lgdt gdt_desc
	ljmp $SEL_CODE32, $1f
1:	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov %eax, %ss

	/* The BSS holds the stack and the page tables: clear it, whoever loaded us. */
	mov $__bss_start, %edi
	mov $__loader_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov %ebp, entry_tsc
	mov %edx, entry_tsc + 4

	mov $stack_top - 8, %esp /* 16-byte aligned at the call, as the ABI wants */
	xor %ebp, %ebp
	push %ebx
	push %esi
	call loader_main
2:	cli
	hlt
	jmp 2b

/*
 * enter_long_mode(pml4, efer_bits, entry (64-bit), boot_info): paging on,
 * long mode on, then jump to the image with RDI = boot_info, RSI = 0 and a
 * fresh 16-byte-aligned stack (the loader's own, whose frames are done).
 */
	.globl enter_long_mode
enter_long_mode:
	mov 4(%esp), %eax
	mov %eax, %cr3
	mov 12(%esp), %ebx /* entry, low half */
	mov 16(%esp), %edx /* entry, high half */
	mov 20(%esp), %edi /* boot_info */
	mov 8(%esp), %esi  /* EFER bits */

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov %edx, %ebp
	mov $MSR_EFER, %ecx
	rdmsr
	or %esi, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
	ljmp $SEL_CODE64, $long_mode

	.code64
long_mode:
	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	/* The upper halves of registers are undefined after the switch. */
	mov %ebx, %eax
	mov %ebp, %ebp
	shl $32, %rbp
	or %rbp, %rax
	mov %edi, %edi
	xor %esi, %esi
	mov $stack_top, %esp
	xor %ebp, %ebp
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	jmp *%rax

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff /* SEL_CODE32: flat 32-bit code */
	.quad 0x00cf92000000ffff /* SEL_DATA: flat data */
	.quad 0x00af9a000000ffff /* SEL_CODE64: 64-bit code */
gdt_end:
	.balign 4
	.word 0
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.data
	.balign 8
	.globl entry_tsc
entry_tsc:
	.quad 0

	.bss
	.balign 16
stack:
	.skip STACK_SIZE
stack_top:

	.section .note.GNU-stack, "", @progbits
