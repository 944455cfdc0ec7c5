/*
 * thr_futex: the futex system call as pthreads use it, with Linux's
 * results and errors. WAIT (EAGAIN on a changed value, ETIMEDOUT after a
 * relative timeout, EINVAL on a bad timeout or address, ENOSYS for an
 * unknown command), WAKE counts, WAIT_BITSET with absolute MONOTONIC and
 * REALTIME deadlines, WAKE_BITSET that wakes only matching waiters,
 * REQUEUE and CMP_REQUEUE (EAGAIN, and requeued waiters woken from the
 * second word), WAKE_OP's operations and its conditional wake; with and
 * without FUTEX_PRIVATE_FLAG. Waiters that might not be asleep yet when a
 * wake comes are tolerated: the counts checked are those that hold anyway.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr.h"

#include <limits.h>
#include <stdint.h>
#include <sys/syscall.h>

/* From Linux's uapi linux/futex.h (musl-gcc has no kernel headers). */
#define FUTEX_WAIT		  0
#define FUTEX_WAKE		  1
#define FUTEX_REQUEUE		  3
#define FUTEX_CMP_REQUEUE	  4
#define FUTEX_WAKE_OP		  5
#define FUTEX_WAIT_BITSET	  9
#define FUTEX_WAKE_BITSET	  10
#define FUTEX_PRIVATE_FLAG	  128
#define FUTEX_CLOCK_REALTIME	  256
#define FUTEX_WAIT_PRIVATE	  (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE	  (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE	  (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE	  (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY	  (-1)
#define FUTEX_OP_SET		  0
#define FUTEX_OP_ADD		  1
#define FUTEX_OP_OR		  2
#define FUTEX_OP_ANDN		  3
#define FUTEX_OP_XOR		  4
#define FUTEX_OP_OPARG_SHIFT	  8 /* in the op field: oparg is a shift count */
#define FUTEX_OP_CMP_EQ		  0
#define FUTEX_OP_CMP_NE		  1

#define WAIT_MS	   50
#define NWAITERS   3
#define GIVE_UP_NS (30 * 1000000000LL)

static long futex(int *uaddr, int op, int val, const void *timeout, int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

/* ERR: the futex call fails with errno E. */
#define ERR(call, e, ...)                                                                          \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (call);                                                                  \
		check(r_ == -1 && errno == (e), r_ == -1 ? errno : r_, e, __VA_ARGS__);            \
	} while (0)

static int word_a, word_b;

static void errors(void)
{
	struct timespec bad = {0, 1000000000}, neg = {-1, 0};
	char raw[8] __attribute__((aligned(4)));

	word_a = 1;
	ERR(futex(&word_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EAGAIN,
	    "FUTEX_WAIT on a changed value is EAGAIN");
	ERR(futex(&word_a, FUTEX_WAIT, 0, NULL, NULL, 0), EAGAIN,
	    "FUTEX_WAIT (not private) on a changed value is EAGAIN");
	ERR(futex(&word_a, FUTEX_WAIT_PRIVATE, 1, &bad, NULL, 0), EINVAL,
	    "FUTEX_WAIT with tv_nsec = 1e9 is EINVAL");
	ERR(futex(&word_a, FUTEX_WAIT_PRIVATE, 1, &neg, NULL, 0), EINVAL,
	    "FUTEX_WAIT with tv_sec = -1 is EINVAL");
	ERR(futex((int *)(raw + 1), FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), EINVAL,
	    "FUTEX_WAKE on an unaligned address is EINVAL");
	ERR(futex(&word_a, 99 | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0), ENOSYS,
	    "an unknown futex command is ENOSYS");
	ERR(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, 0), EINVAL,
	    "FUTEX_WAIT_BITSET with bitset 0 is EINVAL");
	ERR(futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)(long)INT_MAX, &word_b, 0), EAGAIN,
	    "FUTEX_CMP_REQUEUE with a changed value is EAGAIN");
	EQ(futex(&word_a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0,
	   "FUTEX_WAKE with nobody waiting wakes 0");
	EQ(futex(&word_a, FUTEX_WAKE, 1, NULL, NULL, 0), 0,
	   "FUTEX_WAKE (not private) with nobody waiting wakes 0");
}

static void timeouts(void)
{
	struct timespec rel = {0, WAIT_MS * 1000000L}, abs;
	long long t0;

	word_a = 0;
	t0 = mono_ns();
	ERR(futex(&word_a, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0), ETIMEDOUT,
	    "FUTEX_WAIT with a %d ms timeout is ETIMEDOUT", WAIT_MS);
	check(mono_ns() - t0 >= WAIT_MS * 1000000LL, (long)((mono_ns() - t0) / 1000),
	      WAIT_MS * 1000, "... not before %d ms (MONOTONIC, us)", WAIT_MS);

	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += WAIT_MS * 1000000L;
	if (abs.tv_nsec >= 1000000000L) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000L;
	}
	ERR(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY),
	    ETIMEDOUT, "FUTEX_WAIT_BITSET with an absolute MONOTONIC deadline is ETIMEDOUT");
	check(clock_ns(CLOCK_MONOTONIC) >= abs.tv_sec * 1000000000LL + abs.tv_nsec, 0, 1,
	      "... not before the deadline");

	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += WAIT_MS * 1000000L;
	if (abs.tv_nsec >= 1000000000L) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000L;
	}
	ERR(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, NULL,
		  FUTEX_BITSET_MATCH_ANY),
	    ETIMEDOUT, "FUTEX_WAIT_BITSET with an absolute REALTIME deadline is ETIMEDOUT");
	check(clock_ns(CLOCK_REALTIME) >= abs.tv_sec * 1000000000LL + abs.tv_nsec, 0, 1,
	      "... not before the deadline");
}

/* A waiter: on WORD (expected value 0) with BITSET; counts how it ended. */
struct waiter {
	int *word;
	int op;
	int bitset;
	long ret;
	int err;
};

static int ready, done;

static void *wait_on(void *arg)
{
	struct waiter *w = arg;

	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	errno = 0;
	w->ret = futex(w->word, w->op, 0, NULL, NULL, w->bitset);
	w->err = errno;
	__atomic_add_fetch(&done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* start_waiters: N waiters on WORD; returns once all have started and had
 * time to fall asleep (not guaranteed; the checks allow for stragglers). */
static void start_waiters(pthread_t *t, struct waiter *w, int n, int *word, int op, int bitset)
{
	ready = done = 0;
	*word = 0;
	for (int i = 0; i < n; i++) {
		w[i] = (struct waiter){word, op, bitset, -2, 0};
		t[i] = spawn(wait_on, &w[i]);
	}
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < n)
		sleep_us(1000);
	sleep_us(50000);
}

/* wake_until: wakes WORD (N at a time, OP) until DONE reaches WANT; the
 * number woken; *OVER counts wakes that reported more than N. */
static long wake_until(int *word, int op, int n, int bitset, int want, int *over)
{
	long total = 0, r;
	long long give_up = mono_ns() + GIVE_UP_NS;

	while (__atomic_load_n(&done, __ATOMIC_SEQ_CST) < want && mono_ns() < give_up) {
		r = futex(word, op, n, NULL, NULL, bitset);
		if (r > n || r < 0)
			++*over;
		if (r > 0)
			total += r;
		else
			sleep_us(1000);
	}
	return total;
}

static int all_woken(struct waiter *w, int n)
{
	int good = 0;

	for (int i = 0; i < n; i++)
		good += w[i].ret == 0;
	return good;
}

static void wake_counts(void)
{
	pthread_t t[NWAITERS];
	struct waiter w[NWAITERS];
	int over = 0;
	long woken;

	start_waiters(t, w, NWAITERS, &word_a, FUTEX_WAIT_PRIVATE, 0);
	woken = wake_until(&word_a, FUTEX_WAKE_PRIVATE, 1, 0, NWAITERS, &over);
	for (int i = 0; i < NWAITERS; i++)
		join(t[i]);
	EQ(over, 0, "FUTEX_WAKE(1) never wakes more than 1");
	EQ(woken, NWAITERS, "the wakes add up to the %d waiters", NWAITERS);
	EQ(all_woken(w, NWAITERS), NWAITERS, "every waiter's FUTEX_WAIT returned 0");

	start_waiters(t, w, NWAITERS, &word_a, FUTEX_WAIT, 0);
	woken = wake_until(&word_a, FUTEX_WAKE, INT_MAX, 0, NWAITERS, &over);
	for (int i = 0; i < NWAITERS; i++)
		join(t[i]);
	EQ(woken, NWAITERS, "FUTEX_WAKE(INT_MAX), not private, wakes all %d", NWAITERS);
	EQ(all_woken(w, NWAITERS), NWAITERS, "every waiter's FUTEX_WAIT returned 0");
}

static void bitsets(void)
{
	pthread_t t;
	struct waiter w;
	int over = 0;
	long woken;

	start_waiters(&t, &w, 1, &word_a, FUTEX_WAIT_BITSET_PRIVATE, 0x1);
	EQ(futex(&word_a, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x2), 0,
	   "FUTEX_WAKE_BITSET 0x2 does not wake a waiter on bitset 0x1");
	EQ(done, 0, "... which is still waiting");
	woken = wake_until(&word_a, FUTEX_WAKE_BITSET_PRIVATE, 1, 0x3, 1, &over);
	join(t);
	EQ(woken, 1, "FUTEX_WAKE_BITSET 0x3 wakes it");
	EQ(w.ret, 0, "its FUTEX_WAIT_BITSET returned 0");

	start_waiters(&t, &w, 1, &word_a, FUTEX_WAIT_BITSET_PRIVATE, 0x4);
	woken = wake_until(&word_a, FUTEX_WAKE_PRIVATE, 1, 0, 1, &over);
	join(t);
	EQ(woken, 1, "plain FUTEX_WAKE wakes a bitset waiter");
}

static void requeue(int cmp)
{
	pthread_t t[NWAITERS];
	struct waiter w[NWAITERS];
	int op = cmp ? FUTEX_CMP_REQUEUE_PRIVATE : FUTEX_REQUEUE_PRIVATE;
	const char *name = cmp ? "FUTEX_CMP_REQUEUE" : "FUTEX_REQUEUE";
	long r, from_b = 0, from_a = 0;
	long long give_up;

	word_b = 0;
	start_waiters(t, w, NWAITERS, &word_a, FUTEX_WAIT_PRIVATE, 0);
	r = futex(&word_a, op, 1, (void *)(long)INT_MAX, &word_b, 0);
	check(r >= 0 && r <= NWAITERS, r, NWAITERS,
	      "%s(wake 1, requeue all) returns woken + "
	      "requeued",
	      name);
	give_up = mono_ns() + GIVE_UP_NS;
	while (__atomic_load_n(&done, __ATOMIC_SEQ_CST) < NWAITERS && mono_ns() < give_up) {
		long k = futex(&word_b, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);

		from_b += k > 0 ? k : 0;
		k = futex(&word_a, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		from_a += k > 0 ? k : 0;
		sleep_us(1000);
	}
	for (int i = 0; i < NWAITERS; i++)
		join(t[i]);
	info("%s returned %ld; then %ld woken from the second word, %ld stragglers", name, r,
	     from_b, from_a);
	EQ(from_b, r > 0 ? r - 1 : 0, "%s: the requeued waiters are woken from the second word",
	   name);
	EQ((r > 0) + from_b + from_a, NWAITERS, "%s: every waiter woken once", name);
	EQ(all_woken(w, NWAITERS), NWAITERS, "%s: every waiter's FUTEX_WAIT returned 0", name);
}

#define OP(op, oparg, cmp, cmparg)                                                                 \
	((((op)&0xf) << 28) | (((cmp)&0xf) << 24) | (((oparg)&0xfff) << 12) | ((cmparg)&0xfff))

static void wake_op(void)
{
	static const struct {
		int op, oparg, before, after;
		const char *name;
	} ops[] = {
	    {FUTEX_OP_SET, 5, 1, 5, "SET"},
	    {FUTEX_OP_ADD, 3, 5, 8, "ADD"},
	    {FUTEX_OP_OR, 6, 9, 15, "OR"},
	    {FUTEX_OP_ANDN, 6, 15, 9, "ANDN"},
	    {FUTEX_OP_XOR, 5, 9, 12, "XOR"},
	    {FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 4, 0, 16, "SET with OPARG_SHIFT"},
	};
	pthread_t t;
	struct waiter w;
	int over = 0;
	long r, woken;

	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		word_b = ops[i].before;
		r = futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word_b,
			  OP(ops[i].op, ops[i].oparg, FUTEX_OP_CMP_EQ, 0));
		check(r == 0 && word_b == ops[i].after, r == 0 ? word_b : r, ops[i].after,
		      "FUTEX_WAKE_OP %s %d on %d", ops[i].name, ops[i].oparg, ops[i].before);
	}

	/* Waiter on word_b (expecting 0): woken when the old value was 0. */
	start_waiters(&t, &w, 1, &word_b, FUTEX_WAIT_PRIVATE, 0);
	word_a = 0;
	r = futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word_b,
		  OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0));
	woken = r > 0 ? r : 0;
	if (!woken)
		woken = wake_until(&word_b, FUTEX_WAKE_PRIVATE, 1, 0, 1, &over);
	join(t);
	check(r == 0 || r == 1, r, 1,
	      "FUTEX_WAKE_OP with a true condition wakes the waiter on "
	      "the second word");
	EQ(word_b, 1, "... after setting it");
	/* A waiter that was not asleep yet finds the new value: EAGAIN. */
	EQ(woken + (w.ret == -1 && w.err == EAGAIN), 1, "... once");

	/* A false condition wakes nobody on the second word. */
	start_waiters(&t, &w, 1, &word_b, FUTEX_WAIT_PRIVATE, 0);
	r = futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word_b,
		  OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_NE, 0));
	EQ(r, 0, "FUTEX_WAKE_OP with a false condition wakes nobody");
	woken = wake_until(&word_b, FUTEX_WAKE_PRIVATE, 1, 0, 1, &over);
	join(t);
	EQ(woken, 1, "... and the waiter is still there to be woken");
}

int main(void)
{
	start();
	errors();
	timeouts();
	wake_counts();
	bitsets();
	requeue(0);
	requeue(1);
	wake_op();
	return finish();
}
