/* SPDX-License-Identifier: MIT */
/*
 * The loader test image's entry and its hermit-c note (ABI TEST_ABI). With
 * TEST_BIG it also carries 4 MiB of patterned data, which makes the module
 * overlap its own load address so that the loader must move it first.
 */
#include <hermit/image.h>

	.section .note.hermit, "a", @note
	.balign 4
	.long HERMIT_NOTE_NAMESZ, 4, HERMIT_NOTE_ABI
	.asciz HERMIT_NOTE_NAME
	.balign 4
	.long TEST_ABI

	.text
	.globl _start
_start:
	/* Keep what the entry contract promises, for test_main() to check. */
	mov %rsp, entry_rsp(%rip)
	mov %rsi, entry_rsi(%rip)
	call test_main
1:	cli
	hlt
	jmp 1b

#ifdef TEST_BIG
	.data
	.balign 4096
	.globl big_data, big_data_end
big_data:
	.set i, 0
	.rept 0x100000
	.long (i * 0x9e3779b1) & 0xffffffff
	.set i, i + 1
	.endr
big_data_end:
#endif

	.section .note.GNU-stack, "", @progbits
