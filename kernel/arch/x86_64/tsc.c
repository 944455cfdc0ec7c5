/* SPDX-License-Identifier: MIT */
/* The TSC clock. Invariant TSC is assumed, as on every CPU and hypervisor
 * of the last decade; the frequency comes from the boot path, from -freq,
 * from CPUID leaf 0x15, or from a 10 ms measurement against PIT channel 2. */
#include "clock.h"
#include "cpu.h"
#include "log.h"

#define PIT_HZ 1193182u

static uint64_t tsc_khz, tsc_boot, boot_epoch_ns;

/* Count TSC ticks over 10 ms of PIT channel 2 (mode 0, gated by port 0x61). */
static uint64_t calibrate_pit(void)
{
	uint16_t count = PIT_HZ / 100;
	uint64_t t0, t1;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0); /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		cpu_relax();
	t1 = rdtsc();
	return (t1 - t0) / 10;
}

static uint64_t cpuid_khz(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
}

void clock_init(const struct boot_info *bi, uint64_t freq_mhz)
{
	const char *src;

	tsc_boot = bi->boot_tsc ? bi->boot_tsc : rdtsc();
	if (freq_mhz) {
		tsc_khz = freq_mhz * 1000;
		src = "the -freq option";
	} else if (bi->tsc_khz) {
		tsc_khz = bi->tsc_khz;
		src = "the boot path";
	} else if ((tsc_khz = cpuid_khz())) {
		src = "CPUID";
	} else {
		tsc_khz = calibrate_pit();
		src = "PIT calibration";
	}
	if (!tsc_khz)
		panic("clock: the TSC does not tick");
	boot_epoch_ns = bi->boot_time_ns ? bi->boot_time_ns - clock_uptime_ns()
					 : (rtc_read_epoch() * 1000000000ull) - clock_uptime_ns();
	pr_debug("clock: TSC at %lu kHz (from %s)", (unsigned long)tsc_khz, src);
}

uint64_t clock_uptime_ns(void)
{
	uint64_t d;

	if (!tsc_khz)
		return 0;
	d = rdtsc() - tsc_boot;
	/* d * 1e6 / khz without overflowing for ~years of uptime. */
	return d / tsc_khz * 1000000 + d % tsc_khz * 1000000 / tsc_khz;
}

uint64_t clock_ns_to_tsc(uint64_t ns)
{
	return tsc_boot + ns / 1000000 * tsc_khz + ns % 1000000 * tsc_khz / 1000000;
}

uint64_t clock_realtime_ns(void)
{
	return boot_epoch_ns + clock_uptime_ns();
}

uint64_t clock_tsc_khz(void)
{
	return tsc_khz;
}

void clock_spin_until(uint64_t deadline_ns)
{
	while (clock_uptime_ns() < deadline_ns)
		cpu_relax();
}
