/* SPDX-License-Identifier: MIT */
/*
 * lwIP's operating-system layer: counting semaphores (mutexes are
 * semaphores of one), bounded mailboxes, kernel threads, the clock, and
 * the lightweight protection of lwIP's pools.
 *
 * Waiters queue in FIFO order and are woken while the object's lock is
 * held, so a waiter that times out takes itself off the queue under the
 * same lock and no late wake-up can reach a thread that has moved on.
 * Every wait re-checks its condition after waking.
 */
#include <errno.h>
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "clock.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "random.h"
#include "sched.h"
#include "smp.h"

/* A waiting thread's entry: on its own stack while it blocks (not
 * thread.next, which the run queues own once a timeout wakes it). */
struct waiter {
	struct thread *t;
	struct waiter *next;
};

struct waiters {
	struct waiter *head, **tail;
};

struct sys_sem {
	struct spinlock lock;
	unsigned count;
	struct waiters q;
};

struct sys_mbox {
	struct spinlock lock;
	unsigned size, head, count; /* a ring of size messages */
	struct waiters readers, writers;
	void *msgs[];
};

static void wq_init(struct waiters *q)
{
	q->head = NULL;
	q->tail = &q->head;
}

static void wq_remove(struct waiters *q, struct waiter *w)
{
	for (struct waiter **pp = &q->head; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			if (!*pp)
				q->tail = pp;
			return;
		}
	}
}

/* Wake the first waiter (lock held). */
static void wq_wake_one(struct waiters *q)
{
	struct waiter *w = q->head;

	if (!w)
		return;
	q->head = w->next;
	if (!q->head)
		q->tail = &q->head;
	sched_wakeup(w->t, 0);
}

/* Block on q until woken or the deadline (0: none) passed; lock is held on
 * entry and on return. False when the deadline has passed. */
static bool wq_wait(struct waiters *q, struct spinlock *lock, uint64_t deadline)
{
	struct waiter w = {thread_current(), NULL};

	if (deadline && clock_uptime_ns() >= deadline)
		return false;
	*q->tail = &w;
	q->tail = &w.next;
	sched_block(lock, deadline);
	spin_lock(lock);
	wq_remove(q, &w);
	return true;
}

static uint64_t deadline_of(u32_t timeout_ms)
{
	return timeout_ms ? clock_uptime_ns() + (uint64_t)timeout_ms * 1000000 : 0;
}

static u32_t elapsed_ms(uint64_t start)
{
	return (u32_t)((clock_uptime_ns() - start) / 1000000);
}

void sys_init(void)
{
}

u32_t sys_now(void)
{
	return (u32_t)(clock_uptime_ns() / 1000000);
}

u32_t sys_jiffies(void)
{
	return sys_now();
}

uint32_t lwip_port_rand(void)
{
	uint32_t r;

	random_fill(&r, sizeof(r));
	return r;
}

void *lwip_port_calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kzalloc(n * size);
}

/* Semaphores and mutexes ------------------------------------------------- */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	struct sys_sem *s = kzalloc(sizeof(*s));

	if (!s)
		return ERR_MEM;
	s->count = count;
	wq_init(&s->q);
	*sem = s;
	return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem)
{
	kfree(*sem);
	*sem = NULL;
}

void sys_sem_signal(sys_sem_t *sem)
{
	struct sys_sem *s = *sem;

	spin_lock(&s->lock);
	s->count++;
	wq_wake_one(&s->q);
	spin_unlock(&s->lock);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	struct sys_sem *s = *sem;
	uint64_t start = clock_uptime_ns(), deadline = deadline_of(timeout);

	spin_lock(&s->lock);
	while (!s->count) {
		if (!wq_wait(&s->q, &s->lock, deadline)) {
			spin_unlock(&s->lock);
			return SYS_ARCH_TIMEOUT;
		}
	}
	s->count--;
	spin_unlock(&s->lock);
	return elapsed_ms(start);
}

err_t sys_mutex_new(sys_mutex_t *mutex)
{
	return sys_sem_new(mutex, 1);
}

void sys_mutex_free(sys_mutex_t *mutex)
{
	sys_sem_free(mutex);
}

void sys_mutex_lock(sys_mutex_t *mutex)
{
	sys_arch_sem_wait(mutex, 0);
}

void sys_mutex_unlock(sys_mutex_t *mutex)
{
	sys_sem_signal(mutex);
}

/* Mailboxes ---------------------------------------------------------------- */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	struct sys_mbox *m;

	if (size <= 0)
		size = 128;
	if (!(m = kzalloc(sizeof(*m) + (size_t)size * sizeof(void *))))
		return ERR_MEM;
	m->size = (unsigned)size;
	wq_init(&m->readers);
	wq_init(&m->writers);
	*mbox = m;
	return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
	struct sys_mbox *m = *mbox;

	if (m && m->count)
		pr_warn("lwIP: a mailbox freed with %u messages in it", m->count);
	kfree(m);
	*mbox = NULL;
}

unsigned sys_mbox_count(sys_mbox_t *mbox)
{
	return *mbox ? __atomic_load_n(&(*mbox)->count, __ATOMIC_RELAXED) : 0;
}

/* Put msg in (lock held, room checked). */
static void mbox_put(struct sys_mbox *m, void *msg)
{
	m->msgs[(m->head + m->count) % m->size] = msg;
	m->count++;
	wq_wake_one(&m->readers);
}

static void *mbox_take(struct sys_mbox *m)
{
	void *msg = m->msgs[m->head];

	m->head = (m->head + 1) % m->size;
	m->count--;
	wq_wake_one(&m->writers);
	return msg;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	struct sys_mbox *m = *mbox;

	spin_lock(&m->lock);
	while (m->count == m->size)
		wq_wait(&m->writers, &m->lock, 0);
	mbox_put(m, msg);
	spin_unlock(&m->lock);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	struct sys_mbox *m = *mbox;
	err_t err = ERR_MEM;

	spin_lock(&m->lock);
	if (m->count < m->size) {
		mbox_put(m, msg);
		err = ERR_OK;
	}
	spin_unlock(&m->lock);
	return err;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
	struct sys_mbox *m = *mbox;
	uint64_t start = clock_uptime_ns(), deadline = deadline_of(timeout);
	void *got;

	spin_lock(&m->lock);
	while (!m->count) {
		if (!wq_wait(&m->readers, &m->lock, deadline)) {
			spin_unlock(&m->lock);
			return SYS_ARCH_TIMEOUT;
		}
	}
	got = mbox_take(m);
	spin_unlock(&m->lock);
	if (msg)
		*msg = got;
	return elapsed_ms(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	struct sys_mbox *m = *mbox;
	void *got;

	spin_lock(&m->lock);
	if (!m->count) {
		spin_unlock(&m->lock);
		return SYS_MBOX_EMPTY;
	}
	got = mbox_take(m);
	spin_unlock(&m->lock);
	if (msg)
		*msg = got;
	return 0;
}

/* Threads and protection ---------------------------------------------------- */

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize,
			    int prio)
{
	struct thread *t = kthread_create(name, fn, arg);

	(void)stacksize, (void)prio;
	if (!t)
		panic("lwIP: no memory for thread %s", name);
	return t;
}

/* lwIP's pools and pbuf reference counts: a lock that the CPU holding it
 * may take again (kernel code runs with interrupts off, so only other CPUs
 * contend). */
static struct spinlock prot_lock = SPINLOCK_INIT;
static volatile int prot_owner = -1;
static int prot_depth;

sys_prot_t sys_arch_protect(void)
{
	int me = (int)this_cpu()->id;

	if (prot_owner == me) {
		prot_depth++;
		return 0;
	}
	spin_lock(&prot_lock);
	prot_owner = me;
	prot_depth = 1;
	return 0;
}

void sys_arch_unprotect(sys_prot_t pval)
{
	(void)pval;
	if (--prot_depth == 0) {
		prot_owner = -1;
		spin_unlock(&prot_lock);
	}
}
