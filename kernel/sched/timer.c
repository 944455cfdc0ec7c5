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

/* The self-test behind env=HERMIT_SELFTEST=timers: n timers armed at once
 * with scattered deadlines within 50 ms must each fire at or after its
 * deadline, in deadline order. Prints one line saying whether they did. */
struct probe {
	struct timer timer;
	uint64_t fired;
	unsigned seq;
};

static unsigned fired_count;

static void probe_fire(struct timer *t)
{
	struct probe *p = (struct probe *)t;

	p->fired = clock_uptime_ns();
	p->seq = fired_count++;
}

void timer_selftest(unsigned n)
{
	static struct probe probes[256];
	uint64_t start = clock_uptime_ns(), x = start | 1;
	unsigned late = 0, order = 0, early = 0;

	n = MIN(n, ARRAY_SIZE(probes));
	fired_count = 0;
	for (unsigned i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: scattered order */
		probes[i] = (struct probe){ .fired = 0 };
		timer_start(&probes[i].timer, start + 1000000 + x % 50000000, probe_fire);
	}
	while (fired_count < n)
		irq_wait();
	for (unsigned i = 0; i < n; i++) {
		early += probes[i].fired < probes[i].timer.deadline;
		for (unsigned j = 0; j < n; j++)
			order += probes[i].timer.deadline < probes[j].timer.deadline &&
				 probes[i].seq > probes[j].seq;
		late = MAX(late, (unsigned)((probes[i].fired - probes[i].timer.deadline) / 1000));
	}
	kprintf("[hermit] selftest timers: %u timers, %u fired early, %u out of order, "
		"latest %u us after its deadline: %s\n",
		n, early, order, late, early || order ? "FAILED" : "passed");
}

void timer_init(void)
{
	irq_set_handler(VEC_TIMER, timer_interrupt);
	pr_debug("timer: tickless queue on the APIC timer (%s)", apic_mode());
}
