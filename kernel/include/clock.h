/* SPDX-License-Identifier: MIT */
/* Time: the TSC as the clock source (frequency from boot_info, the -freq
 * option, CPUID, or calibrated against the PIT), the CMOS RTC for the wall
 * clock at boot. */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <stdint.h>
#include <hermit/boot_info.h>

/* freq_mhz: the -freq command-line option, 0 if not given. */
void clock_init(const struct boot_info *bi, uint64_t freq_mhz);
uint64_t clock_uptime_ns(void);	 /* monotonic, since boot */
uint64_t clock_realtime_ns(void); /* since the epoch */
uint64_t clock_tsc_khz(void);
/* The TSC value at which the monotonic clock reads ns. */
uint64_t clock_ns_to_tsc(uint64_t ns);
/* Spin until the monotonic clock reaches deadline_ns. */
void clock_spin_until(uint64_t deadline_ns);
/* Seconds since the epoch read from the CMOS RTC (drivers/rtc.c). */
uint64_t rtc_read_epoch(void);

#endif
