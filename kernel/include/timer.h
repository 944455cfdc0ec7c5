/* SPDX-License-Identifier: MIT */
/* The tickless timer queues, one per CPU: one-shot timers kept in deadline
 * order; each local APIC timer is armed for its queue's earliest only. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdint.h>
#include <stdbool.h>

struct timer {
	uint64_t deadline; /* monotonic ns */
	void (*fn)(struct timer *t);
	struct timer *next;
	uint32_t cpu; /* whose queue it is on */
	volatile bool armed;
};

void timer_init(void);
/* Call fn(t) from this CPU's timer interrupt once the clock reaches
 * deadline. A timer may be stopped from any CPU. */
void timer_start(struct timer *t, uint64_t deadline, void (*fn)(struct timer *t));
void timer_stop(struct timer *t);
/* Boot-time self-test (env=HERMIT_SELFTEST=timers). */
void timer_selftest(unsigned n);

#endif
