/* SPDX-License-Identifier: MIT */
/* GDT and TSS. The TSS is here only for its IST stacks: every vector has
 * one (see idt.c), each with a guard page below it. */
#include "arch.h"
#include "cpu.h"

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x18

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* IST slots, one per kind of entry that may strike while another runs. */
static const char *const ist_names[7] = {
	"IST1 (interrupts)", "IST2 (#DF)", "IST3 (NMI)", "IST4 (#MC)",
	"IST5 (#PF)",	     "IST6 (#GP)", "IST7 (#SS)",
};

static GUARDED_STACK(ist_stacks[7], KSTACK_SIZE);
static struct tss tss;
static uint64_t gdt[5];

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

static void tss_init(void)
{
	for (int i = 0; i < 7; i++) {
		uint64_t base = (uint64_t)ist_stacks[i].stack;
		tss.ist[i] = base + KSTACK_SIZE;
		stack_register(ist_names[i], (uint64_t)ist_stacks[i].guard, base, tss.ist[i]);
	}
	tss.iomap_base = sizeof(tss);
}

/* Load the GDT, reload the segment registers, load the TSS, set GS. */
void gdt_init(struct cpu *cpu)
{
	uint64_t t = (uint64_t)&tss;
	struct dtr d = { sizeof(gdt) - 1, (uint64_t)gdt };

	tss_init();
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, present, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* data, present, DPL 0 */
	gdt[3] = (sizeof(tss) - 1) | ((t & 0xffffff) << 16) | (0x89ull << 40) |
		 (((t >> 24) & 0xff) << 56);
	gdt[4] = t >> 32;
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
