/* SPDX-License-Identifier: MIT */
/*
 * The probe guest of `uhyve --check` (probe.c), copied to 0x400000 and
 * entered in 64-bit mode like a kernel. Position-independent, no stack.
 * Three stages, each reported with a 32-bit out to its own port:
 *   PROBE_PORT_LONG   it runs in 64-bit mode and can do port I/O
 *   PROBE_PORT_SPEED  after PROBE_LOOPS iterations of a 2-instruction loop
 *   PROBE_PORT_SSE    the result of 6.0 * 7.0 computed with SSE2 (42)
 */
#include "probe.h"

	.section .rodata
	.globl probe_code, probe_code_end
	.code64
probe_code:
	mov $PROBE_PORT_LONG, %dx
	mov $1, %eax
	out %eax, %dx

	mov $PROBE_LOOPS, %ecx
1:	dec %ecx
	jnz 1b
	mov $PROBE_PORT_SPEED, %dx
	out %eax, %dx

	mov $6, %eax
	cvtsi2sd %eax, %xmm0
	mov $7, %eax
	cvtsi2sd %eax, %xmm1
	mulsd %xmm1, %xmm0
	cvttsd2si %xmm0, %eax
	mov $PROBE_PORT_SSE, %dx
	out %eax, %dx
2:	hlt
	jmp 2b
probe_code_end:

	.section .note.GNU-stack, "", @progbits
