/* SPDX-License-Identifier: MIT */
/*
 * TLB shoot-downs: after page-table entries are cleared and before their
 * frames are reused, every CPU must drop its cached translations. The
 * initiator bumps a generation and sends an IPI to every busy CPU; each
 * flushes (in the IPI handler, or while it spins on a lock: see spinlock.h)
 * and records the generation it reached; the initiator waits for them.
 * Idle CPUs are skipped: they flush when they next run a thread.
 */
#include "clock.h"
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
	/* Idle CPUs run no app code and flush when they leave idle (see
	 * schedule), so only busy ones need an IPI. */
	for (uint32_t i = 0; i < MAX_CPUS; i++)
		if (cpus[i].online && &cpus[i] != me && !cpus[i].tlb_lazy)
			apic_send_ipi(cpus[i].apic_id, VEC_TLB);
	for (uint32_t i = 0; i < MAX_CPUS; i++) {
		uint64_t next = clock_uptime_ns() + 1000000;
		while (cpus[i].online && !cpus[i].tlb_lazy && cpus[i].tlb_seen < g) {
			cpu_relax();
			/* A halted CPU that misses the IPI (seen with QEMU's
			 * multi-threaded TCG) would stall us: knock again. */
			if (clock_uptime_ns() > next) {
				apic_send_ipi(cpus[i].apic_id, VEC_TLB);
				next = clock_uptime_ns() + 1000000;
			}
		}
	}
	spin_unlock(&lock);
}

void tlb_init_cpu(void)
{
	this_cpu()->tlb_seen = generation;
	if (this_cpu()->id == 0)
		irq_set_handler(VEC_TLB, tlb_ipi);
}
