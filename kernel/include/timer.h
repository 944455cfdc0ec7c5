/* SPDX-License-Identifier: MIT */
/* The tickless timer queue: one-shot timers kept in deadline order; the
 * local APIC timer is armed for the earliest only. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdint.h>
#include <stdbool.h>

struct timer {
	uint64_t deadline; /* monotonic ns */
	void (*fn)(struct timer *t);
	struct timer *next;
	bool armed;
};

void timer_init(void);
/* Call fn(t) from the timer interrupt once the clock reaches deadline. */
void timer_start(struct timer *t, uint64_t deadline, void (*fn)(struct timer *t));
void timer_stop(struct timer *t);
/* Sleep (HLT, interrupts on) until the monotonic clock reaches deadline. */
void timer_sleep_until(uint64_t deadline);
/* Boot-time self-test (env=HERMIT_SELFTEST=timers). */
void timer_selftest(unsigned n);

#endif
