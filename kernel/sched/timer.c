/* SPDX-License-Identifier: MIT */
/*
 * The tickless timer queues, one per CPU with its own lock. Callers run with
 * interrupts off (system calls and interrupt handlers do).
 */
#include "arch.h"
#include "cpu.h"
#include "clock.h"
#include "irq.h"
#include "log.h"
#include "timer.h"

/* Arm this CPU's APIC timer for the head of its queue (lock held). */
static void rearm(struct cpu *c)
{
	apic_timer_arm(c->timers ? MAX(c->timers->deadline, 1) : 0);
}

void timer_start(struct timer *t, uint64_t deadline, void (*fn)(struct timer *t))
{
	struct cpu *c = this_cpu();
	struct timer **pp = &c->timers;

	if (t->armed)
		timer_stop(t);
	spin_lock(&c->timer_lock);
	t->deadline = deadline;
	t->fn = fn;
	t->cpu = c->id;
	t->armed = true;
	while (*pp && (*pp)->deadline <= deadline)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	if (c->timers == t)
		rearm(c);
	spin_unlock(&c->timer_lock);
}

/* When timer_stop returns, t's callback is not running and will not run:
 * one taken off its queue by another CPU's interrupt is waited for (else a
 * late timed_out could wake its thread in a later, unrelated wait). On the
 * timer's own CPU the callback cannot be running underneath us, unless we
 * are that callback. */
void timer_stop(struct timer *t)
{
	struct cpu *c = &cpus[t->cpu];

	spin_lock(&c->timer_lock);
	for (struct timer **pp = &c->timers; t->armed && *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			t->armed = false;
			/* Another CPU's APIC timer may fire early; its handler
			 * just re-arms for its real head. */
			if (pp == &c->timers && c == this_cpu())
				rearm(c);
			break;
		}
	}
	spin_unlock(&c->timer_lock);
	/* Taken by the interrupt (under the lock, so not missed here): wait
	 * for its callback to return. */
	if (c != this_cpu())
		while (c->timer_running == t)
			cpu_relax();
}

/* Run every timer that is due, in deadline order, then arm the next. The
 * callbacks run without the queue lock, so they may start timers. */
static void timer_interrupt(uint8_t vector)
{
	struct cpu *c = this_cpu();

	(void)vector;
	apic_eoi();
	spin_lock(&c->timer_lock);
	while (c->timers && c->timers->deadline <= clock_uptime_ns()) {
		struct timer *t = c->timers;
		c->timers = t->next;
		t->armed = false;
		c->timer_running = t;
		spin_unlock(&c->timer_lock);
		t->fn(t);
		spin_lock(&c->timer_lock);
		c->timer_running = NULL;
	}
	rearm(c);
	spin_unlock(&c->timer_lock);
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
	pr_debug("timer: tickless queues on the APIC timers (%s)", apic_mode());
}
