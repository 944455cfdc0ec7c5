/* SPDX-License-Identifier: MIT */
/*
 * The tickless timer queue. Callers run with interrupts off (system calls
 * and interrupt handlers do), which is what keeps the list consistent on
 * one CPU; the scheduler issue adds a lock for several.
 */
#include "clock.h"
#include "irq.h"
#include "log.h"
#include "timer.h"

static struct timer *queue;

static void rearm(void)
{
	apic_timer_arm(queue ? MAX(queue->deadline, 1) : 0);
}

void timer_start(struct timer *t, uint64_t deadline, void (*fn)(struct timer *t))
{
	struct timer **pp = &queue;

	if (t->armed)
		timer_stop(t);
	t->deadline = deadline;
	t->fn = fn;
	t->armed = true;
	while (*pp && (*pp)->deadline <= deadline)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	if (queue == t)
		rearm();
}

void timer_stop(struct timer *t)
{
	for (struct timer **pp = &queue; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			t->armed = false;
			if (pp == &queue)
				rearm();
			return;
		}
	}
}

/* Run every timer that is due, in deadline order, then arm the next. */
static void timer_interrupt(uint8_t vector)
{
	uint64_t now = clock_uptime_ns();

	(void)vector;
	apic_eoi();
	while (queue && queue->deadline <= now) {
		struct timer *t = queue;
		queue = t->next;
		t->armed = false;
		t->fn(t);
		now = clock_uptime_ns();
	}
	rearm();
}

struct sleeper {
	struct timer timer;
	volatile bool done;
};

static void wake(struct timer *t)
{
	((struct sleeper *)t)->done = true;
}

void timer_sleep_until(uint64_t deadline)
{
	struct sleeper s = { .done = false };

	if (deadline <= clock_uptime_ns())
		return;
	timer_start(&s.timer, deadline, wake);
	while (!s.done)
		irq_wait();
}

void timer_init(void)
{
	irq_set_handler(VEC_TIMER, timer_interrupt);
	pr_debug("timer: tickless queue on the APIC timer (%s)", apic_mode());
}
