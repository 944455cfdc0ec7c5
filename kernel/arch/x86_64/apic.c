/* SPDX-License-Identifier: MIT */
/*
 * The local APIC, in x2APIC mode (MSRs) where the CPU has it, else through
 * its MMIO window; its timer in one-shot mode, TSC-deadline where present,
 * otherwise counting at a rate calibrated against the TSC.
 */
#include "clock.h"
#include "cpu.h"
#include "irq.h"
#include "log.h"
#include "platform.h"

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_EN (1u << 11)
#define APIC_BASE_EXTD (1u << 10)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

enum {
	LAPIC_ID = 0x20,
	LAPIC_TPR = 0x80,
	LAPIC_EOI = 0xb0,
	LAPIC_SVR = 0xf0,
	LAPIC_ICR_LO = 0x300,
	LAPIC_ICR_HI = 0x310,
	LAPIC_LVT_TIMER = 0x320,
	LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360,
	LAPIC_TIMER_INIT = 0x380,
	LAPIC_TIMER_CUR = 0x390,
	LAPIC_TIMER_DIV = 0x3e0,
};

#define LVT_MASKED (1u << 16)
#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_TSC_DEADLINE (2u << 17)

static bool x2apic, tsc_deadline;
static volatile uint32_t *mmio;
static uint64_t apic_khz; /* timer ticks per ms, one-shot mode */

static uint32_t lapic_read(uint32_t reg)
{
	return x2apic ? (uint32_t)rdmsr(0x800 + reg / 16) : mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(0x800 + reg / 16, v);
	else
		mmio[reg / 4] = v;
}

void apic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint32_t apic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return x2apic ? id : id >> 24;
}

/* Count APIC timer ticks (divide by 1) over 1 ms of the TSC clock. */
static uint64_t calibrate(void)
{
	uint64_t t0 = clock_uptime_ns();

	lapic_write(LAPIC_TIMER_DIV, 0xb);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	clock_spin_until(t0 + 1000000);
	uint32_t left = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	return 0xffffffffull - left;
}

void apic_timer_arm(uint64_t deadline_ns)
{
	uint64_t now, ticks;

	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline_ns ? clock_ns_to_tsc(deadline_ns) : 0);
		return;
	}
	if (!deadline_ns) {
		lapic_write(LAPIC_TIMER_INIT, 0);
		return;
	}
	now = clock_uptime_ns();
	ticks = deadline_ns > now ? (deadline_ns - now) * apic_khz / 1000000 : 0;
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)MAX(1, MIN(ticks, 0xffffffffull)));
}

#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)

static void icr_write(uint32_t apic_id, uint32_t lo)
{
	if (x2apic) {
		wrmsr(0x830, (uint64_t)apic_id << 32 | lo);
		return;
	}
	mmio[LAPIC_ICR_HI / 4] = apic_id << 24;
	mmio[LAPIC_ICR_LO / 4] = lo;
	while (mmio[LAPIC_ICR_LO / 4] & ICR_PENDING)
		cpu_relax();
}

void apic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	icr_write(apic_id, ICR_ASSERT | vector);
}

void apic_send_ipi_others(uint8_t vector)
{
	icr_write(0, ICR_ASSERT | ICR_ALL_BUT_SELF | vector);
}

void apic_start_ap(uint32_t apic_id, uint8_t page)
{
	uint64_t t = clock_uptime_ns();

	icr_write(apic_id, ICR_INIT | ICR_ASSERT);
	clock_spin_until(t + 10000000); /* 10 ms, as the MP spec asks */
	for (int i = 0; i < 2; i++) {
		icr_write(apic_id, ICR_STARTUP | page);
		clock_spin_until(clock_uptime_ns() + 200000);
	}
}

const char *apic_mode(void)
{
	return tsc_deadline ? "TSC-deadline" : "one-shot";
}

void apic_init(void)
{
	static bool calibrated;
	struct cpuid_regs r = cpuid(1, 0);
	uint64_t base = rdmsr(MSR_APIC_BASE);

	x2apic = r.ecx & CPUID1_ECX_X2APIC;
	tsc_deadline = r.ecx & CPUID1_ECX_TSC_DEADLINE;
	if (x2apic) {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	} else {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
		mmio = (volatile uint32_t *)platform.lapic_base;
	}
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	/* LINT1 is the PC's NMI line (and QEMU's monitor `nmi` arrives
	 * there): a host's NMI gets the hang report of trap.c. */
	lapic_write(LAPIC_LVT_LINT1, LVT_DELIVERY_NMI);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	if (tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
	} else {
		if (!calibrated)
			apic_khz = calibrate();
		calibrated = true;
		lapic_write(LAPIC_TIMER_DIV, 0xb);
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot */
	}
	pr_debug("apic: %s, id %u, timer %s%s", x2apic ? "x2APIC" : "xAPIC", apic_id(),
		 apic_mode(), tsc_deadline ? "" : " (calibrated)");
	if (!tsc_deadline)
		pr_debug("apic: timer at %lu kHz", (unsigned long)apic_khz);
}
