/* SPDX-License-Identifier: MIT */
/* The IDT: 256 interrupt gates into isr.S, each on an IST stack. Faults
 * that can strike while a handler is on IST1 have stacks of their own. */
#include "arch.h"

extern char isr_stubs[];

struct idt_gate {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off1;
	uint32_t off2;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_gate idt[256];

static uint8_t ist_for(int vec)
{
	switch (vec) {
	case 8: /* #DF */
		return 2;
	case 2: /* NMI */
		return 3;
	case 18: /* #MC */
		return 4;
	case 14: /* #PF */
		return 5;
	case 13: /* #GP */
		return 6;
	case 12: /* #SS */
		return 7;
	default:
		return 1;
	}
}

void idt_load(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} d = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(d));
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t h = (uint64_t)isr_stubs + 16 * v;
		idt[v] = (struct idt_gate){
			.off0 = h & 0xffff,
			.sel = 0x08,
			.ist = ist_for(v),
			.type = 0x8e, /* present, DPL 0, interrupt gate */
			.off1 = (h >> 16) & 0xffff,
			.off2 = h >> 32,
		};
	}
	idt_load();
}
