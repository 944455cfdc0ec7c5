/* SPDX-License-Identifier: MIT */
/*
 * TLB shoot-downs: after page-table entries are cleared and before their
 * frames are reused, every CPU must drop its cached translations. The
 * initiator bumps a generation and sends an IPI; each CPU flushes (in the
 * IPI handler, or while it spins on a lock: see spinlock.h) and records the
 * generation it reached; the initiator waits for all of them.
 */
#include "cpu.h"
#include "irq.h"
#include "mm.h"

static struct spinlock lock;
static volatile uint64_t generation;

static void flush_local(void)
{
	write_cr3(read_cr3());
}

void tlb_poll(void)
{
	struct cpu *c;
	uint64_t g = generation;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	if (c && c->tlb_seen < g) {
		flush_local();
		c->tlb_seen = g;
	}
}

static void tlb_ipi(uint8_t vector)
{
	(void)vector;
	tlb_poll();
	apic_eoi();
}

void tlb_shootdown(void)
{
	struct cpu *me = this_cpu();
	uint64_t g;

	if (ncpus == 1) {
		flush_local();
		return;
	}
	spin_lock(&lock);
	g = ++generation;
	flush_local();
	me->tlb_seen = g;
	apic_send_ipi_others(VEC_TLB);
	for (uint32_t i = 0; i < ncpus; i++)
		while (cpus[i].online && cpus[i].tlb_seen < g)
			cpu_relax();
	spin_unlock(&lock);
}

void tlb_init_cpu(void)
{
	this_cpu()->tlb_seen = generation;
	if (this_cpu()->id == 0)
		irq_set_handler(VEC_TLB, tlb_ipi);
}
