/* SPDX-License-Identifier: MIT */
/*
 * Wait queues: how a thread (or an epoll set) waits for something to happen
 * to an object, such as data arriving in a pipe or a socket.
 *
 * The object owns a struct waitq (all zeroes is a valid, empty one: no init
 * call needed). Whoever changes the object's state so that a waiter may
 * proceed FIRST changes the state, THEN calls waitq_wake_all(wq). A waiter
 * FIRST registers an entry on the waitq, THEN checks the state, and blocks
 * only if nothing woke it since it registered. That order is what makes a
 * wake-up impossible to lose; the helpers below keep it:
 *
 *   - waitq_wait_locked(): the state is protected by a spinlock the caller
 *     holds (pipes, the tty, eventfd);
 *   - WAITQ_WAIT_EVENT(): the state is read without a lock (sockets);
 *   - struct waiter + waitq_add_waiter() + waiter_sleep(): one thread
 *     waiting on several waitqs at once (poll, select, epoll_wait).
 *
 * waitq_wake_all() may be called from any CPU and any context: a system
 * call, a kernel thread, an interrupt handler (kernel code runs with
 * interrupts off, so a lock is never re-entered by an interrupt), with or
 * without the object's own lock held. It wakes every entry; entries stay
 * queued until their owner removes them. It only takes spinlocks (the
 * waitq's, then whatever the entries' wake functions take: an epoll set's,
 * the scheduler's), so it never sleeps.
 *
 * Lock order: an object's lock, then its waitq's lock, then a waiter's or
 * an epoll set's lock, then the scheduler's. Never take an object's lock
 * inside a wake function.
 */
#ifndef KERNEL_WAITQ_H
#define KERNEL_WAITQ_H

#include <stdbool.h>
#include <stdint.h>
#include "list.h"
#include "spinlock.h"

struct thread;

struct waitq {
	struct spinlock lock;
	struct list entries; /* all zeroes: empty (made circular on first use) */
};

struct waitq_entry {
	struct list link;
	struct waitq *wq; /* where it is queued; NULL when on none */
	/* Called by waitq_wake_all with wq->lock held; must not sleep, nor
	 * add or remove entries of that waitq. */
	void (*wake)(struct waitq_entry *e);
	void *priv; /* for wake: the struct waiter, an epoll item, ... */
};

/* One blocked thread; its entries on any number of waitqs point at it. */
struct waiter {
	struct spinlock lock;
	struct thread *thread;
	bool woken; /* a wake-up arrived since the last waiter_sleep */
};

/* Queue e on wq; e->wake and e->priv are set by the caller. */
void waitq_add(struct waitq *wq, struct waitq_entry *e);
/* Take e off its waitq (nothing if it is on none). Once this returns, e's
 * wake function is not running and will not run: e may be freed. */
void waitq_remove(struct waitq_entry *e);
/* Call the wake function of every entry on wq (see above). */
void waitq_wake_all(struct waitq *wq);

/* A waiter for the current thread. */
void waiter_init(struct waiter *w);
/* Queue e on wq so that waitq_wake_all(wq) wakes w. */
void waitq_add_waiter(struct waitq *wq, struct waitq_entry *e, struct waiter *w);
/* Mark w woken and make its thread runnable; any context. */
void waiter_wake(struct waiter *w);
/* Block until w is woken (returns at once if it was since the last call)
 * or the deadline (monotonic ns, 0: none) has passed; then clear woken.
 * Returns 0, or -ETIMEDOUT once the deadline has passed. A return is not a
 * promise that anything happened: callers re-check their condition. */
int waiter_sleep(struct waiter *w, uint64_t deadline);

/* Block on wq with `held` locked: the caller checked its condition under
 * held and found it false. Registers, drops held, blocks until a wake-up or
 * the deadline (0: none), deregisters, and returns with held locked again;
 * 0 or -ETIMEDOUT (deadline passed). Call it in a loop that re-checks the
 * condition, as a wake-up may be for someone else. */
int waitq_wait_locked(struct waitq *wq, struct spinlock *held, uint64_t deadline);

/* Wait until the expression cond holds (it is re-evaluated after each
 * wake-up, without any lock) or the deadline passes; 0 or -ETIMEDOUT. The
 * side that makes cond true must then call waitq_wake_all(wq). */
#define WAITQ_WAIT_EVENT(wq, cond, deadline)                                                      \
	({                                                                                         \
		struct waiter w_;                                                                  \
		struct waitq_entry e_;                                                             \
		int r_ = 0;                                                                        \
		waiter_init(&w_);                                                                  \
		waitq_add_waiter((wq), &e_, &w_);                                                  \
		while (!(cond)) {                                                                  \
			if (waiter_sleep(&w_, (deadline))) {                                       \
				r_ = (cond) ? 0 : -ETIMEDOUT;                                      \
				break;                                                             \
			}                                                                          \
		}                                                                                  \
		waitq_remove(&e_);                                                                 \
		r_;                                                                                \
	})

/* A sleeping lock, for sections that may block or run long (an epoll
 * set's control and harvest). Thread context only; never inside a
 * spinlock. */
struct kmutex {
	struct spinlock lock;
	bool held;
	struct waitq wq;
};

void kmutex_lock(struct kmutex *m);
void kmutex_unlock(struct kmutex *m);

#endif
