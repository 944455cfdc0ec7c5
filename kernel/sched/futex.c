/* SPDX-License-Identifier: MIT */
/*
 * The futex system call: WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP,
 * WAIT_BITSET, WAKE_BITSET, with timeouts, as Linux defines them. One
 * address space, so a futex is its virtual address; waiters queue in one
 * of 64 hashed buckets, each with a lock.
 */
#include <errno.h>
#include <time.h>
#include "clock.h"
#include "futex.h"
#include "sched.h"
#include "syscall.h"

#define BUCKETS 64

struct waiter {
	uint64_t addr;
	uint32_t bitset;
	bool queued;
	struct thread *t;
	struct waiter *next;
};

static struct bucket {
	struct spinlock lock;
	struct waiter *head;
} buckets[BUCKETS];

static struct bucket *bucket_of(uint64_t addr)
{
	return &buckets[(addr >> 2) * 0x9e3779b97f4a7c15ull >> 58];
}

static void enqueue(struct bucket *b, struct waiter *w)
{
	struct waiter **pp = &b->head;

	while (*pp)
		pp = &(*pp)->next;
	w->next = NULL;
	*pp = w;
}

static void dequeue(struct bucket *b, struct waiter *w)
{
	for (struct waiter **pp = &b->head; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return;
		}
	}
}

/* Wake up to n waiters of addr in b (lock held). */
static int wake_locked(struct bucket *b, uint64_t addr, int n, uint32_t bitset)
{
	int woken = 0;

	for (struct waiter **pp = &b->head; *pp && woken < n;) {
		struct waiter *w = *pp;
		if (w->addr != addr || !(w->bitset & bitset)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		struct thread *t = w->t;
		w->queued = false; /* w may vanish once the lock is dropped */
		sched_wakeup(t, 0);
		woken++;
	}
	return woken;
}

int futex_wake(uint64_t addr, int n, uint32_t bitset)
{
	struct bucket *b = bucket_of(addr);
	int woken;

	spin_lock(&b->lock);
	woken = wake_locked(b, addr, n, bitset);
	spin_unlock(&b->lock);
	return woken;
}

static long futex_wait(uint64_t addr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	struct bucket *b = bucket_of(addr);
	struct waiter w = { .addr = addr, .bitset = bitset, .queued = true };
	int r;

	if (!bitset)
		return -EINVAL;
	if (!vm_user_ok(addr, 4, false))
		return -EFAULT;
	w.t = thread_current();
	spin_lock(&b->lock);
	if (__atomic_load_n((volatile uint32_t *)addr, __ATOMIC_SEQ_CST) != val) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	enqueue(b, &w);
	r = sched_block(&b->lock, deadline);
	spin_lock(&b->lock);
	if (w.queued) {
		dequeue(b, &w);
		r = r ? r : -EINTR;
	} else {
		r = 0;
	}
	spin_unlock(&b->lock);
	return r;
}

static void lock_two(struct bucket *a, struct bucket *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

static void unlock_two(struct bucket *a, struct bucket *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

static long futex_requeue(uint64_t addr, int nwake, int nmove, uint64_t addr2, bool cmp,
			  uint32_t val3)
{
	struct bucket *b1 = bucket_of(addr), *b2 = bucket_of(addr2);
	int done;

	if (nwake < 0 || nmove < 0)
		return -EINVAL;
	if (!vm_user_ok(addr, 4, false) || !vm_user_ok(addr2, 4, false))
		return -EFAULT;
	lock_two(b1, b2);
	if (cmp && __atomic_load_n((volatile uint32_t *)addr, __ATOMIC_SEQ_CST) != val3) {
		unlock_two(b1, b2);
		return -EAGAIN;
	}
	done = wake_locked(b1, addr, nwake, FUTEX_BITSET_MATCH_ANY);
	for (struct waiter **pp = &b1->head; *pp && nmove > 0;) {
		struct waiter *w = *pp;
		if (w->addr != addr) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		w->addr = addr2;
		enqueue(b2, w);
		nmove--;
		done++;
	}
	unlock_two(b1, b2);
	return done;
}

static int32_t sext12(uint32_t v)
{
	return (int32_t)(v << 20) >> 20;
}

static long futex_wake_op(uint64_t addr, int n, uint64_t addr2, int n2, uint32_t op)
{
	struct bucket *b1 = bucket_of(addr), *b2 = bucket_of(addr2);
	uint32_t kind = (op >> 28) & 7, cmpop = (op >> 24) & 15;
	int32_t oparg = sext12(op >> 12), cmparg = sext12(op), old, new;
	volatile int32_t *p = (volatile int32_t *)addr2;
	bool hit;
	int woken;

	if ((op >> 28) & FUTEX_OP_OPARG_SHIFT)
		oparg = 1 << (oparg & 31);
	if (!vm_user_ok(addr2, 4, true) || !vm_user_ok(addr, 4, false))
		return -EFAULT;
	if (kind > FUTEX_OP_XOR || cmpop > FUTEX_OP_CMP_GE)
		return -ENOSYS;
	lock_two(b1, b2);
	old = *p;
	do {
		switch (kind) {
		case FUTEX_OP_SET: new = oparg; break;
		case FUTEX_OP_ADD: new = old + oparg; break;
		case FUTEX_OP_OR: new = old | oparg; break;
		case FUTEX_OP_ANDN: new = old & ~oparg; break;
		default: new = old ^ oparg; break;
		}
	} while (!__atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	switch (cmpop) {
	case FUTEX_OP_CMP_EQ: hit = old == cmparg; break;
	case FUTEX_OP_CMP_NE: hit = old != cmparg; break;
	case FUTEX_OP_CMP_LT: hit = old < cmparg; break;
	case FUTEX_OP_CMP_LE: hit = old <= cmparg; break;
	case FUTEX_OP_CMP_GT: hit = old > cmparg; break;
	default: hit = old >= cmparg; break;
	}
	woken = wake_locked(b1, addr, n, FUTEX_BITSET_MATCH_ANY);
	if (hit)
		woken += wake_locked(b2, addr2, n2, FUTEX_BITSET_MATCH_ANY);
	unlock_two(b1, b2);
	return woken;
}

/* The monotonic deadline of a futex timeout: relative for WAIT, absolute
 * (on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME) for WAIT_BITSET. */
static long deadline_of(uint64_t uts, bool absolute, bool realtime, uint64_t *deadline)
{
	struct timespec ts;
	uint64_t ns, now = clock_uptime_ns();

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	if (!absolute)
		*deadline = now + ns;
	else if (realtime)
		*deadline = now + (ns > clock_realtime_ns() ? ns - clock_realtime_ns() : 0);
	else
		*deadline = ns;
	*deadline = MAX(*deadline, 1);
	return 0;
}

SYSCALL(futex)
{
	uint64_t addr = arg[0], deadline;
	int op = arg[1] & FUTEX_CMD_MASK;
	bool realtime = arg[1] & FUTEX_CLOCK_REALTIME;
	long r;

	if (addr & 3)
		return -EINVAL;
	if (realtime && op != FUTEX_WAIT_BITSET && op != FUTEX_WAIT)
		return -ENOSYS;
	switch (op) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		r = deadline_of(arg[3], op == FUTEX_WAIT_BITSET, realtime, &deadline);
		if (r)
			return r;
		return futex_wait(addr, (uint32_t)arg[2], deadline,
				  op == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : (uint32_t)arg[5]);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (op == FUTEX_WAKE_BITSET && !(uint32_t)arg[5])
			return -EINVAL;
		return futex_wake(addr, (int)MIN(arg[2], (uint64_t)INT32_MAX),
				  op == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : (uint32_t)arg[5]);
	case FUTEX_REQUEUE:
		return futex_requeue(addr, (int)arg[2], (int)arg[3], arg[4], false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(addr, (int)arg[2], (int)arg[3], arg[4], true, (uint32_t)arg[5]);
	case FUTEX_WAKE_OP:
		return futex_wake_op(addr, (int)arg[2], arg[4], (int)arg[3], (uint32_t)arg[5]);
	default:
		return -ENOSYS;
	}
}
