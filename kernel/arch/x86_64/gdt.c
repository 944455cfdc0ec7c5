/* SPDX-License-Identifier: MIT */
/* Per-CPU GDT and TSS. The TSS is here only for its IST stacks: every
 * vector has one (see idt.c), each with a guard page below it. */
#include "arch.h"
#include "cpu.h"

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x18

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

/* Load the GDT, reload the segment registers, load the TSS, set GS. */
void gdt_init(struct cpu *cpu, const uint64_t ist_tops[7])
{
	uint64_t t = (uint64_t)&cpu->tss;
	struct dtr d = { sizeof(cpu->gdt) - 1, (uint64_t)cpu->gdt };

	for (int i = 0; i < 7; i++)
		cpu->tss.ist[i] = ist_tops[i];
	cpu->tss.iomap_base = sizeof(cpu->tss);
	cpu->gdt[0] = 0;
	cpu->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, present, DPL 0 */
	cpu->gdt[2] = 0x00cf92000000ffffull; /* data, present, DPL 0 */
	cpu->gdt[3] = (sizeof(cpu->tss) - 1) | ((t & 0xffffff) << 16) | (0x89ull << 40) |
		      (((t >> 24) & 0xff) << 56);
	cpu->gdt[4] = t >> 32;
	__asm__ volatile("lgdt %0\n\t"
			 "mov %1, %%ds\n\t"
			 "mov %1, %%es\n\t"
			 "mov %1, %%ss\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%eax, %%fs\n\t"
			 "mov %%eax, %%gs\n\t"
			 "pushq %2\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "ltr %w3"
			 :
			 : "m"(d), "r"(SEL_KDATA), "i"(SEL_KCODE), "r"(SEL_TSS)
			 : "rax", "memory");
	cpu->self = cpu;
	wrmsr(MSR_GS_BASE, (uint64_t)cpu);
}
