/* SPDX-License-Identifier: MIT */
/* Wait queues, waiters and sleeping locks (see waitq.h for the protocol). */
#include <errno.h>
#include "clock.h"
#include "sched.h"
#include "waitq.h"

/* A zeroed waitq's list becomes circular here (wq->lock held). */
static void ensure_init(struct waitq *wq)
{
	if (!wq->entries.next)
		list_init(&wq->entries);
}

void waitq_add(struct waitq *wq, struct waitq_entry *e)
{
	spin_lock(&wq->lock);
	ensure_init(wq);
	e->wq = wq;
	list_add_tail(&e->link, &wq->entries);
	spin_unlock(&wq->lock);
}

void waitq_remove(struct waitq_entry *e)
{
	struct waitq *wq = e->wq;

	if (!wq)
		return;
	spin_lock(&wq->lock);
	list_del_init(&e->link);
	e->wq = NULL;
	spin_unlock(&wq->lock);
}

void waitq_wake_all(struct waitq *wq)
{
	spin_lock(&wq->lock);
	ensure_init(wq);
	list_for_each(p, &wq->entries) {
		struct waitq_entry *e = list_entry(p, struct waitq_entry, link);
		e->wake(e);
	}
	spin_unlock(&wq->lock);
}

void waiter_init(struct waiter *w)
{
	*w = (struct waiter){ .thread = thread_current() };
}

static void wake_waiter(struct waitq_entry *e)
{
	waiter_wake(e->priv);
}

void waitq_add_waiter(struct waitq *wq, struct waitq_entry *e, struct waiter *w)
{
	e->wake = wake_waiter;
	e->priv = w;
	waitq_add(wq, e);
}

/* The flag is set under w->lock, and the sleeper tests it and marks itself
 * blocked under the same lock (sched_block drops it only once blocked), so
 * a wake-up either is seen by the test or finds the thread blocked. */
void waiter_wake(struct waiter *w)
{
	spin_lock(&w->lock);
	w->woken = true;
	sched_wakeup(w->thread, 0);
	spin_unlock(&w->lock);
}

static bool past(uint64_t deadline)
{
	return deadline && clock_uptime_ns() >= deadline;
}

int waiter_sleep(struct waiter *w, uint64_t deadline)
{
	spin_lock(&w->lock);
	if (!w->woken && !past(deadline)) {
		sched_block(&w->lock, deadline);
		spin_lock(&w->lock);
	}
	w->woken = false;
	spin_unlock(&w->lock);
	/* The clock decides, not sched_block's result: a timer that fired
	 * late for an earlier block can wake the thread early. */
	return past(deadline) ? -ETIMEDOUT : 0;
}

int waitq_wait_locked(struct waitq *wq, struct spinlock *held, uint64_t deadline)
{
	struct waiter w;
	struct waitq_entry e;
	int r;

	waiter_init(&w);
	waitq_add_waiter(wq, &e, &w);
	spin_unlock(held);
	r = waiter_sleep(&w, deadline);
	waitq_remove(&e);
	spin_lock(held);
	return r;
}

void kmutex_lock(struct kmutex *m)
{
	spin_lock(&m->lock);
	while (m->held)
		waitq_wait_locked(&m->wq, &m->lock, 0);
	m->held = true;
	spin_unlock(&m->lock);
}

void kmutex_unlock(struct kmutex *m)
{
	spin_lock(&m->lock);
	m->held = false;
	spin_unlock(&m->lock);
	waitq_wake_all(&m->wq);
}
