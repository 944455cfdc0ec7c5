/* SPDX-License-Identifier: MIT */
/*
 * Application processors (feature `smp`). Under QEMU they start through
 * INIT/SIPI with the trampoline, one after the other; under uhyve every
 * vCPU enters hermit_entry itself and waits in entry.S for smp_release.
 * Each AP gets IST stacks, a kernel stack, its GDT/TSS, its local APIC and
 * an idle thread, then enters the scheduler.
 */
#include "clock.h"
#include "cpu.h"
#include "irq.h"
#include "log.h"
#include "mm.h"
#include "platform.h"
#include "sched.h"
#include "uhyve.h"

#define TRAMPOLINE_ADDR 0x8000

extern const char ap_trampoline[], ap_trampoline_end[], ap_trampoline_data[];

/* Read by entry.S on uhyve: the APs wait for the release, then take their
 * stack from ap_stacks[index] after loading ap_cr3. */
volatile uint64_t smp_release;
uint64_t ap_cr3;
uint64_t ap_stacks[MAX_CPUS];

static uint64_t ap_ist[MAX_CPUS][7];

static bool prepare(uint32_t idx)
{
	uint64_t top = kstack_alloc();

	if (!top)
		return false;
	for (int i = 0; i < 7; i++)
		if (!(ap_ist[idx][i] = kstack_alloc()))
			return false;
	ap_stacks[idx] = top;
	cpus[idx].id = idx;
	cpus[idx].apic_id = platform.apic_ids[idx];
	return true;
}

/* The first C code of an AP, on its kernel stack. */
noreturn void ap_start(uint64_t idx)
{
	struct cpu *c = &cpus[idx];
	struct thread *idle;

	cpu_init_ap(c, ap_ist[idx]);
	apic_init();
	tlb_init_cpu();
	idle = sched_make_idle(c, true);
	idle->kstack_top = ap_stacks[idx];
	c->current = idle;
	c->kstack_top = idle->kstack_top;
	__atomic_fetch_add(&ncpus, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
	sched_idle();
}

static bool wait_online(uint32_t idx)
{
	uint64_t deadline = clock_uptime_ns() + 1000000000ull;

	while (!__atomic_load_n(&cpus[idx].online, __ATOMIC_ACQUIRE))
		if (clock_uptime_ns() > deadline)
			return false;
	return true;
}

static void start_sipi(uint32_t idx)
{
	uint64_t *data = (uint64_t *)(TRAMPOLINE_ADDR + (ap_trampoline_data - ap_trampoline));

	data[0] = read_cr3();
	data[1] = ap_stacks[idx];
	data[2] = idx;
	data[3] = (uint64_t)ap_start;
	apic_start_ap(cpus[idx].apic_id, TRAMPOLINE_ADDR >> 12);
}

void smp_init(void)
{
	uint32_t want = MIN((uint32_t)platform.ncpus, MAX_CPUS), up = 1;

#ifndef HERMIT_FEATURE_SMP
	if (want > 1)
		pr_info("smp: feature off; running on 1 of %u CPUs", want);
	return;
#endif
	if (want <= 1)
		return;
	if (!uhyve_present()) {
		kmemcpy((void *)TRAMPOLINE_ADDR, ap_trampoline, ap_trampoline_end - ap_trampoline);
		paging_protect(TRAMPOLINE_ADDR, PTE_W); /* executable while APs start */
	}
	ap_cr3 = read_cr3();
	for (uint32_t i = 1; i < want; i++) {
		if (platform.apic_ids[i] == this_cpu()->apic_id)
			continue;
		if (!prepare(i)) {
			pr_warn("smp: out of memory for CPU %u", i);
			break;
		}
		if (uhyve_present())
			__atomic_store_n(&smp_release, i, __ATOMIC_RELEASE);
		else
			start_sipi(i);
		if (wait_online(i))
			up++;
		else
			pr_warn("smp: CPU %u (APIC id %u) did not come up", i, cpus[i].apic_id);
	}
	if (!uhyve_present())
		paging_protect(TRAMPOLINE_ADDR, PTE_W | PTE_NX);
	pr_info("smp: %u CPUs online", up);
}
