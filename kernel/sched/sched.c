/* SPDX-License-Identifier: MIT */
/* Threads and the scheduler (see sched.h for the model). */
#include <errno.h>
#include "clock.h"
#include "cpu.h"
#include "irq.h"
#include "log.h"
#include "mm.h"
#include "power.h"
#include "sched.h"
#include "trap.h"

#define SLICE_NS 10000000ull

static struct spinlock threads_lock;
static struct thread *all_threads;
static int next_tid = 1, live_threads;
static struct timer slice_timers[MAX_CPUS];

struct thread *thread_current(void)
{
	return this_cpu()->current;
}

static uint64_t online_mask(void)
{
	uint64_t m = 0;

	for (uint32_t i = 0; i < MAX_CPUS; i++)
		if (cpus[i].online)
			m |= 1ull << i;
	return m;
}

static const char *state_name(int s)
{
	static const char *const names[] = {"running", "runnable", "blocked", "waking", "exited"};

	return s >= 0 && s < (int)ARRAY_SIZE(names) ? names[s] : "?";
}

void sched_dump(void)
{
	uint64_t now = clock_uptime_ns();

	kprintf("  CPUs:\n");
	for (uint32_t i = 0; i < MAX_CPUS; i++) {
		struct cpu *c = &cpus[i];
		int queued = 0;

		if (!c->online)
			continue;
		for (struct thread *t = c->rq_head; t && queued < 1000; t = t->next)
			queued++;
		kprintf("    CPU %u: running %s%d, %d queued\n", i,
			c->current && c->current->idle ? "idle " : "thread ",
			c->current ? c->current->tid : -1, queued);
	}
	kprintf("  threads:\n");
	for (struct thread *t = all_threads; t; t = t->all_next) {
		kprintf("    thread %d%s%s: %s on CPU %u%s%s", t->tid, t->name ? " " : "",
			t->name ? t->name : "", state_name(t->state), t->cpu,
			t->on_cpu ? ", on its CPU" : "", t->queued ? ", queued" : "");
		if (t->timer.armed)
			kprintf(", timer in %ld ms", (long)(t->timer.deadline - now) / 1000000);
		if (t->clear_child_tid)
			kprintf(", clear_child_tid %p", (void *)t->clear_child_tid);
		kprintf("\n");
		/* A thread off its CPU stopped in switch_to: r15 r14 r13 r12 rbx
		 * rbp and the return address are on its stack at ctx. */
		if (!t->on_cpu && t->ctx && paging_mapped(t->ctx, 56, false)) {
			uint64_t *s = (uint64_t *)t->ctx;

			trap_backtrace(s[6], s[5], t->ctx + 56, "      ");
		}
	}
}

struct thread *thread_alloc(void)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	t->fpu_alloc = kzalloc(fpu_area_size() + 64);
	t->kstack_top = kstack_alloc();
	if (!t->fpu_alloc || !t->kstack_top) {
		if (t->kstack_top)
			kstack_free(t->kstack_top);
		kfree(t->fpu_alloc);
		kfree(t);
		return NULL;
	}
	t->fpu = (uint8_t *)ALIGN_UP((uint64_t)t->fpu_alloc, 64);
	t->own_kstack = true;
	t->affinity = ~0ull;
	spin_lock(&threads_lock);
	t->tid = next_tid++;
	t->all_next = all_threads;
	all_threads = t;
	live_threads++;
	spin_unlock(&threads_lock);
	return t;
}

void thread_free(struct thread *t)
{
	if (t->own_kstack)
		kstack_free(t->kstack_top);
	kfree(t->fpu_alloc);
	kfree(t);
}

struct thread *thread_find(int tid)
{
	struct thread *t;

	spin_lock(&threads_lock);
	for (t = all_threads; t && t->tid != tid; t = t->all_next)
		;
	spin_unlock(&threads_lock);
	return t;
}

int thread_count(void)
{
	return live_threads;
}

/* Run-queue helpers: the CPU's rq_lock is held. */
static void rq_push(struct cpu *c, struct thread *t)
{
	t->next = NULL;
	if (c->rq_tail)
		c->rq_tail->next = t;
	else
		c->rq_head = t;
	c->rq_tail = t;
	c->rq_len++;
}

static struct thread *rq_pop(struct cpu *c)
{
	struct thread *t = c->rq_head;

	if (t) {
		c->rq_head = t->next;
		if (!c->rq_head)
			c->rq_tail = NULL;
		c->rq_len--;
		__atomic_store_n(&t->queued, 0, __ATOMIC_SEQ_CST);
	}
	return t;
}

static void slice_expired(struct timer *t)
{
	(void)t;
	this_cpu()->need_resched = 1;
}

/* Tickless: a slice timer runs only while someone waits for this CPU. */
static void update_slice(struct cpu *c)
{
	struct timer *s = &slice_timers[c->id];

	if (c->rq_len && c->current != c->idle) {
		if (!s->armed)
			timer_start(s, clock_uptime_ns() + SLICE_NS, slice_expired);
	} else if (s->armed) {
		timer_stop(s);
	}
}

static void enqueue(struct thread *t);

/* Put a runnable thread on a run queue unless someone already did: a
 * thread woken while still leaving its CPU is queued by that CPU once it
 * is off (so no CPU ever waits for a thread another one is waiting for). */
static void try_enqueue(struct thread *t)
{
	int zero = 0;

	if (__atomic_compare_exchange_n(&t->queued, &zero, 1, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		enqueue(t);
}

void sched_finish_switch(struct thread *prev)
{
	__atomic_store_n(&prev->on_cpu, 0, __ATOMIC_SEQ_CST);
	if (prev->state == T_EXITED)
		thread_free(prev);
	else if (__atomic_load_n(&prev->state, __ATOMIC_SEQ_CST) == T_RUNNABLE)
		try_enqueue(prev);
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current, *next;

	spin_lock(&c->rq_lock);
	c->need_resched = 0;
	if (prev->state == T_RUNNING && !prev->idle) {
		/* Preempted or yielding: back on this CPU's own queue. */
		prev->state = T_RUNNABLE;
		prev->queued = 1;
		rq_push(c, prev);
	}
	next = rq_pop(c);
	if (!next)
		next = c->idle;
	next->state = T_RUNNING;
	next->cpu = c->id;
	if (next == prev) {
		spin_unlock(&c->rq_lock);
		update_slice(c);
		return;
	}
	c->current = next;
	c->kstack_top = next->kstack_top;
	spin_unlock(&c->rq_lock);
	update_slice(c);
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE)) {
		cpu_relax();
		tlb_poll();
	}
	next->on_cpu = 1;
	if (!prev->idle) {
		prev->fs_base = cpu_fs_base();
		fpu_switch_out(prev);
	}
	if (!next->idle) {
		__atomic_store_n(&c->tlb_lazy, 0, __ATOMIC_SEQ_CST);
		tlb_poll(); /* shoot-downs skipped this CPU while it idled */
		cpu_set_fs_base(next->fs_base);
		fpu_switch_in();
	}
	sched_finish_switch(switch_to(prev, &prev->ctx, next->ctx));
}

void sched_preempt_point(void)
{
	if (this_cpu()->need_resched)
		schedule();
}

/* Pick the CPU for a thread that becomes runnable: its last one while
 * nobody else waits there (its waker often blocks or exits next, as in
 * join and ping-pong; if not, enqueue_on kicks an idle CPU to steal it),
 * else the least loaded allowed one. */
static struct cpu *pick_cpu(struct thread *t)
{
	uint64_t allowed = t->affinity & online_mask();
	struct cpu *best = NULL;

	if (!allowed)
		allowed = online_mask();
	if ((allowed >> t->cpu) & 1) {
		best = &cpus[t->cpu];
		if (!best->rq_len)
			return best;
	}
	for (uint32_t i = 0; i < MAX_CPUS; i++) {
		struct cpu *c = &cpus[i];
		if (!((allowed >> i) & 1))
			continue;
		uint32_t load = c->rq_len + (c->current != c->idle);
		if (!best || load < best->rq_len + (best->current != best->idle))
			best = c;
	}
	return best;
}

/* Wake an idle CPU that may run t, so that it steals work. */
static void kick_idle(struct thread *t, struct cpu *busy)
{
	for (uint32_t i = 0; i < MAX_CPUS; i++) {
		struct cpu *c = &cpus[i];
		if (c != busy && c->online && c->halted && ((t->affinity >> i) & 1)) {
			apic_send_ipi(c->apic_id, VEC_RESCHED);
			return;
		}
	}
}

static void enqueue_on(struct cpu *c, struct thread *t)
{
	struct cpu *me = this_cpu();
	uint32_t waiting;

	spin_lock(&c->rq_lock);
	t->cpu = c->id;
	rq_push(c, t);
	waiting = c->rq_len;
	spin_unlock(&c->rq_lock);
	if (c != me)
		apic_send_ipi(c->apic_id, VEC_RESCHED);
	else if (c->current == c->idle)
		c->need_resched = 1;
	else
		update_slice(c);
	if (waiting >= 2 || (waiting == 1 && c->current != c->idle))
		kick_idle(t, c);
}

static void enqueue(struct thread *t)
{
	enqueue_on(pick_cpu(t), t);
}

void sched_wakeup(struct thread *t, int result)
{
	int blocked = T_BLOCKED;

	/* BLOCKED -> WAKING claims the wake-up; the result is in place before
	 * RUNNABLE lets anyone run the thread. */
	if (!__atomic_compare_exchange_n(&t->state, &blocked, T_WAKING, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return;
	t->wake_result = result;
	__atomic_store_n(&t->state, T_RUNNABLE, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&t->on_cpu, __ATOMIC_SEQ_CST))
		try_enqueue(t);
}

/* A new thread starts on its creator's CPU: thread churn (create, join)
 * then costs no IPI; when more wait there, an idle CPU is kicked to steal
 * (enqueue_on), which spreads parallel work. */
void sched_start(struct thread *t)
{
	struct cpu *me = this_cpu();

	t->state = T_RUNNABLE;
	t->queued = 1;
	if ((t->affinity >> me->id) & 1)
		enqueue_on(me, t);
	else
		enqueue(t);
}

static void timed_out(struct timer *tm)
{
	sched_wakeup((struct thread *)((char *)tm - __builtin_offsetof(struct thread, timer)),
		     -ETIMEDOUT);
}

int sched_block(struct spinlock *held, uint64_t deadline)
{
	struct thread *t = thread_current();

	t->wake_result = 0;
	t->state = T_BLOCKED;
	if (deadline)
		timer_start(&t->timer, deadline, timed_out);
	if (held)
		spin_unlock(held);
	schedule();
	if (deadline)
		timer_stop(&t->timer);
	return t->wake_result;
}

void sched_sleep_until(uint64_t deadline)
{
	if (deadline > clock_uptime_ns())
		sched_block(NULL, deadline);
}

void sched_migrate(void)
{
	/* Runnable but not queued: the CPU queues it on an allowed CPU once
	 * it has switched away (sched_finish_switch). */
	thread_current()->state = T_RUNNABLE;
	schedule();
}

noreturn void sched_exit_thread(int code)
{
	struct thread *t = thread_current();
	int left;

	spin_lock(&threads_lock);
	for (struct thread **pp = &all_threads; *pp; pp = &(*pp)->all_next) {
		if (*pp == t) {
			*pp = t->all_next;
			break;
		}
	}
	left = --live_threads;
	spin_unlock(&threads_lock);
	if (!left)
		power_exit(code);
	t->state = T_EXITED;
	schedule();
	panic("an exited thread was scheduled");
}

/* Move one runnable thread from the busiest other CPU to this one. */
static bool steal(struct cpu *me)
{
	struct cpu *victim = NULL;

	for (uint32_t i = 0; i < MAX_CPUS; i++)
		if (cpus[i].online && &cpus[i] != me &&
		    cpus[i].rq_len > (victim ? victim->rq_len : 0))
			victim = &cpus[i];
	if (!victim)
		return false;
	spin_lock(&victim->rq_lock);
	struct thread **pp = &victim->rq_head, *t = NULL, *prev = NULL;
	for (; *pp; prev = *pp, pp = &(*pp)->next) {
		if (((*pp)->affinity >> me->id) & 1) {
			t = *pp;
			*pp = t->next;
			if (victim->rq_tail == t)
				victim->rq_tail = prev;
			victim->rq_len--;
			break;
		}
	}
	spin_unlock(&victim->rq_lock);
	if (!t)
		return false;
	spin_lock(&me->rq_lock);
	t->cpu = me->id;
	rq_push(me, t);
	spin_unlock(&me->rq_lock);
	return true;
}

noreturn void sched_idle(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		__atomic_store_n(&c->tlb_lazy, 1, __ATOMIC_SEQ_CST);
		if (c->rq_len || steal(c)) {
			schedule();
			continue;
		}
		c->halted = 1;
		if (!c->rq_len && !c->need_resched)
			irq_wait();
		c->halted = 0;
		c->need_resched = 0;
	}
}

static void resched_ipi(uint8_t vector)
{
	struct cpu *c = this_cpu();

	(void)vector;
	apic_eoi();
	if (c->current == c->idle)
		c->need_resched = 1;
	else
		update_slice(c);
}

/* Make the boot context the main thread (tid 1) and give this CPU its
 * idle thread. */
void sched_init(void)
{
	struct thread *main = kzalloc(sizeof(*main));

	if (!main)
		panic("sched: out of memory");
	main->fpu_alloc = kzalloc(fpu_area_size() + 64);
	main->fpu = (uint8_t *)ALIGN_UP((uint64_t)main->fpu_alloc, 64);
	main->kstack_top = cpu_main_kstack_top();
	main->affinity = ~0ull;
	main->tid = next_tid++;
	main->state = T_RUNNING;
	main->on_cpu = 1;
	fpu_switch_in(); /* its FPU state loads on first use, like any thread's */
	all_threads = main;
	live_threads = 1;
	this_cpu()->current = main;
	sched_init_cpu(this_cpu());
	irq_set_handler(VEC_RESCHED, resched_ipi);
}

/* A kernel thread: runs fn(arg) on its own kernel stack, in kernel mode
 * with interrupts off like all kernel code, until it blocks; it does not
 * count as one of the program's threads (the program ends when its last
 * own thread does) and must never return. */
struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_alloc();
	uint64_t *sp;

	if (!t)
		return NULL;
	spin_lock(&threads_lock);
	live_threads--;
	spin_unlock(&threads_lock);
	t->kthread = true;
	t->name = name;
	sp = (uint64_t *)t->kstack_top;
	*--sp = (uint64_t)kthread_start; /* its ret leaves RSP 16-byte aligned */
	*--sp = (uint64_t)0;   /* rbp */
	*--sp = 0;	       /* rbx */
	*--sp = (uint64_t)fn;  /* r12 */
	*--sp = (uint64_t)arg; /* r13 */
	*--sp = 0;	       /* r14 */
	*--sp = 0;	       /* r15 */
	t->ctx = (uint64_t)sp;
	t->cpu = this_cpu()->id;
	sched_start(t);
	return t;
}

/* The idle thread of CPU c: runs sched_idle on a fresh kernel stack (the
 * boot CPU) or on the stack the CPU came up on (the others). */
struct thread *sched_make_idle(struct cpu *c, bool running)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t)
		panic("sched: out of memory for an idle thread");
	t->idle = true;
	t->tid = 0;
	t->cpu = c->id;
	t->affinity = 1ull << c->id;
	if (running) {
		t->state = T_RUNNING;
		t->on_cpu = 1;
	} else {
		uint64_t *sp;
		t->kstack_top = kstack_alloc();
		if (!t->kstack_top)
			panic("sched: out of memory for an idle stack");
		t->own_kstack = true;
		sp = (uint64_t *)t->kstack_top;
		*--sp = (uint64_t)thread_first_start;
		for (int i = 0; i < 6; i++)
			*--sp = 0;
		t->ctx = (uint64_t)sp;
		t->state = T_RUNNABLE;
	}
	c->idle = t;
	return t;
}

void sched_init_cpu(struct cpu *c)
{
	if (!c->idle)
		sched_make_idle(c, c->current == NULL);
	if (!c->current)
		c->current = c->idle;
}
