/*
 * thr_basic: thread life cycles. Arguments and results through create and
 * join, pthread_exit, thread ids, 200 threads alive at once, stacks of a
 * chosen size and a stack of our own, 10,000 short threads created and
 * joined with free memory (sysinfo) back to its value afterwards, and
 * detached threads that all run to the end.
 * usage: thr_basic [nomem]   (nomem: print the memory figures, do not check
 * them; for a native run, where other processes move freeram)
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr.h"

#include <stdint.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>

#define NRESULT	    8
#define NALIVE	    200
#define NSHORT	    10000
#define NWARM	    1000
#define BATCH	    8
#define SHORT_TOUCH (16 << 10)
#define NDETACHED   500
#define BIG_STACK   (1 << 20)
#define BIG_TOUCH   (900 << 10)
#define OWN_STACK   (256 << 10)
#define SLACK	    (64L << 10)

static long tid(void)
{
	return syscall(SYS_gettid);
}

static void *triple(void *arg)
{
	return (void *)((intptr_t)arg * 3);
}

static void *exit_early(void *arg)
{
	pthread_exit((void *)((intptr_t)arg + 1000));
	return NULL;
}

struct ids {
	pthread_t self;
	long tid, pid;
};

static void *who(void *arg)
{
	struct ids *id = arg;

	id->self = pthread_self();
	id->tid = tid();
	id->pid = getpid();
	return NULL;
}

static void results(void)
{
	pthread_t t[NRESULT];
	struct ids id[NRESULT];
	int good = 0, distinct = 1, samepid = 1;

	for (intptr_t i = 0; i < NRESULT; i++)
		t[i] = spawn(triple, (void *)(i + 1));
	for (intptr_t i = 0; i < NRESULT; i++)
		good += (intptr_t)join(t[i]) == (i + 1) * 3;
	EQ(good, NRESULT, "%d threads return their argument times 3 through join", NRESULT);
	EQ((intptr_t)join(spawn(exit_early, (void *)7)), 1007,
	   "pthread_exit's value arrives through join");

	for (int i = 0; i < NRESULT; i++)
		t[i] = spawn(who, &id[i]);
	for (int i = 0; i < NRESULT; i++)
		join(t[i]);
	for (int i = 0; i < NRESULT; i++) {
		samepid &= id[i].pid == getpid();
		distinct &= id[i].tid != tid() && id[i].tid > 0 && pthread_equal(id[i].self, t[i]);
		for (int j = 0; j < i; j++)
			distinct &= id[i].tid != id[j].tid;
	}
	EQ(samepid, 1, "every thread has the process's pid");
	EQ(distinct, 1, "threads have distinct tids, and pthread_self is the created handle");
	EQ(tid(), getpid(), "the main thread's tid is the pid");
	EQ(pthread_equal(pthread_self(), pthread_self()) != 0, 1, "pthread_equal(self, self)");
}

/* Threads that all stay alive until the last has started. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_arrived, gate_open, gate_max_seen;

static void *gate_wait(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate_lock);
	gate_arrived++;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	if (gate_arrived > gate_max_seen)
		gate_max_seen = gate_arrived;
	pthread_mutex_unlock(&gate_lock);
	return (void *)1;
}

static void alive(void)
{
	static pthread_t t[NALIVE];
	long back = 0;

	for (int i = 0; i < NALIVE; i++)
		t[i] = spawn(gate_wait, NULL);
	pthread_mutex_lock(&gate_lock);
	while (gate_arrived < NALIVE)
		pthread_cond_wait(&gate_cond, &gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	for (int i = 0; i < NALIVE; i++)
		back += (intptr_t)join(t[i]);
	EQ(back, NALIVE, "%d threads alive at once, all released and joined", NALIVE);
	EQ(gate_max_seen, NALIVE, "all %d were waiting together", NALIVE);
}

/* touch_stack: writes and reads back N bytes of this thread's stack. */
static long touch_stack(size_t n)
{
	volatile unsigned char *buf = __builtin_alloca(n);
	long bad = 0;

	for (size_t i = 0; i < n; i += 512)
		buf[i] = (unsigned char)(i >> 9);
	for (size_t i = 0; i < n; i += 512)
		bad += buf[i] != (unsigned char)(i >> 9);
	return bad;
}

static void *big_stack(void *arg)
{
	(void)arg;
	return (void *)touch_stack(BIG_TOUCH);
}

/* where: the address of this thread's stack frame. */
static void *where(void *arg)
{
	(void)arg;
	return __builtin_frame_address(0);
}

static void stacks(void)
{
	pthread_attr_t a;
	pthread_t t;
	size_t got = 0;
	void *p;
	char *own;

	pthread_attr_init(&a);
	EQ(pthread_attr_setstacksize(&a, BIG_STACK), 0, "pthread_attr_setstacksize(1 MiB)");
	pthread_attr_getstacksize(&a, &got);
	EQ(got, BIG_STACK, "pthread_attr_getstacksize gives it back");
	EQ(pthread_create(&t, &a, big_stack, NULL), 0, "a thread with a 1 MiB stack starts");
	EQ((intptr_t)join(t), 0, "it uses 900 KiB of its stack");
	pthread_attr_destroy(&a);

	own = malloc(OWN_STACK);
	pthread_attr_init(&a);
	EQ(pthread_attr_setstack(&a, own, OWN_STACK), 0, "pthread_attr_setstack(256 KiB of ours)");
	EQ(pthread_create(&t, &a, where, NULL), 0, "a thread on our own stack starts");
	p = join(t);
	EQ((char *)p >= own && (char *)p < own + OWN_STACK, 1,
	   "it runs on that stack (a local at %p, stack %p+%d)", p, (void *)own, OWN_STACK);
	pthread_attr_destroy(&a);
	free(own);
}

static void *short_one(void *arg)
{
	return (void *)((intptr_t)arg + 1 + touch_stack(SHORT_TOUCH));
}

/* short_round: N short threads, BATCH at a time; the sum of their results. */
static long short_round(int n, int *errors)
{
	pthread_t t[BATCH];
	long sum = 0;

	for (int i = 0; i < n; i += BATCH) {
		int k = 0, e;

		for (; k < BATCH && i + k < n; k++) {
			e = pthread_create(&t[k], NULL, short_one, (void *)(intptr_t)(i + k));
			if (e) {
				++*errors;
				break;
			}
		}
		for (int j = 0; j < k; j++) {
			void *r;

			if (pthread_join(t[j], &r) == 0)
				sum += (intptr_t)r;
			else
				++*errors;
		}
	}
	return sum;
}

static long freeram(unsigned *unit)
{
	struct sysinfo si;

	if (sysinfo(&si) != 0)
		return -1;
	*unit = si.mem_unit;
	return (long)si.freeram * si.mem_unit;
}

static void short_threads(int check_memory)
{
	long before, after, sum, t0;
	int errors = 0;
	unsigned unit = 0;

	short_round(NWARM, &errors);
	before = freeram(&unit);
	t0 = mono_ns();
	sum = short_round(NSHORT, &errors);
	info("%d threads created and joined in %lld ms", NSHORT, (mono_ns() - t0) / 1000000);
	after = freeram(&unit);
	EQ(errors, 0, "%d short threads created and joined without an error", NSHORT + NWARM);
	EQ(sum, (long)NSHORT * (NSHORT + 1) / 2, "each of them returned its own result");
	EQ(unit, 1, "sysinfo's mem_unit");
	info("freeram after a warm-up of %d threads %ld, after %d more %ld, difference %ld", NWARM,
	     before, NSHORT, after, after - before);
	if (check_memory)
		check(before - after <= SLACK, before - after, 0,
		      "free memory is back to its value after %d threads (within 64 KiB)", NSHORT);
}

/* Detached threads: they count themselves; main waits for the count. */
static int detached_done, detached_running, detached_max;

static void *detached(void *arg)
{
	int now = __atomic_add_fetch(&detached_running, 1, __ATOMIC_SEQ_CST);
	int max = __atomic_load_n(&detached_max, __ATOMIC_SEQ_CST);

	while (now > max && !__atomic_compare_exchange_n(&detached_max, &max, now, 0,
							 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	if ((intptr_t)arg % 10 == 0)
		sleep_us(1000);
	__atomic_sub_fetch(&detached_running, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&detached_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void detached_threads(void)
{
	pthread_attr_t a;
	pthread_t t;
	int errors = 0, ds = -1;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_getdetachstate(&a, &ds);
	EQ(ds, PTHREAD_CREATE_DETACHED, "the detached attribute is kept");
	for (intptr_t i = 0; i < NDETACHED; i++) {
		if (i % 2) {
			errors += pthread_create(&t, &a, detached, (void *)i) != 0;
		} else {
			errors += pthread_create(&t, NULL, detached, (void *)i) != 0;
			errors += pthread_detach(t) != 0;
		}
	}
	pthread_attr_destroy(&a);
	EQ(errors, 0,
	   "%d threads started detached (half by attribute, half by "
	   "pthread_detach)",
	   NDETACHED);
	while (__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST) < NDETACHED - errors)
		sleep_us(1000);
	EQ(detached_done, NDETACHED, "all %d detached threads ran to the end", NDETACHED);
	info("at most %d detached threads were running at once", detached_max);
}

int main(int argc, char **argv)
{
	int check_memory = !(argc > 1 && strcmp(argv[1], "nomem") == 0);

	start();
	results();
	alive();
	stacks();
	short_threads(check_memory);
	detached_threads();
	return finish();
}
