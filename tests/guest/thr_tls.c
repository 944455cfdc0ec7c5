/*
 * thr_tls: thread-local storage across migrations. Threads start with the
 * initial values of their __thread variables (not the main thread's), keep
 * their own values and addresses, their pthread keys and their alignment
 * while they yield and sleep many times (on several CPUs they move between
 * them: the CPUs seen are counted); key destructors run once per thread
 * with the thread's value, again when a destructor sets the key anew, and
 * not for NULL values; a deleted key's destructor does not run.
 * usage: thr_tls [threads]   (default 8)
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr.h"

#include <sched.h>
#include <stdint.h>

#define MAXT  32
#define ITERS 300
#define WORDS 16

static __thread long tls_init = 4242;
static __thread long tls_zero;
static __thread uint64_t tls_words[WORDS];
static __thread _Alignas(64) unsigned char tls_aligned[64];

static int nthreads = 8;
static pthread_key_t key, key_again, key_deleted;

struct slot {
	int index;
	long bad;
	int first_init_ok;
	unsigned long cpus_seen; /* bit c: ran on CPU c (c < 64) */
	int moves;
	void *addr_init, *addr_words;
	long destructed;
};

static struct slot slots[MAXT];
static int destructor_calls, destructor_wrong, again_calls, deleted_calls;

static void destroy(void *v)
{
	struct slot *s = v;

	__atomic_add_fetch(&destructor_calls, 1, __ATOMIC_SEQ_CST);
	if (s < slots || s >= slots + MAXT)
		__atomic_add_fetch(&destructor_wrong, 1, __ATOMIC_SEQ_CST);
	else
		s->destructed++;
}

/* destroy_again: sets its key once more the first time: it must run twice. */
static void destroy_again(void *v)
{
	__atomic_add_fetch(&again_calls, 1, __ATOMIC_SEQ_CST);
	if ((intptr_t)v == 1)
		pthread_setspecific(key_again, (void *)2);
}

static void destroy_deleted(void *v)
{
	(void)v;
	__atomic_add_fetch(&deleted_calls, 1, __ATOMIC_SEQ_CST);
}

static uint64_t word(int index, int i, int iter)
{
	return ((uint64_t)index << 48) ^ ((uint64_t)i << 32) ^ (uint64_t)iter * 2654435761u;
}

static void fill(int index, int iter)
{
	tls_init = index * 1000003L + iter;
	for (int i = 0; i < WORDS; i++)
		tls_words[i] = word(index, i, iter);
	for (int i = 0; i < 64; i++)
		tls_aligned[i] = (unsigned char)(index + i + iter);
}

static long verify(struct slot *s, int iter)
{
	long bad = 0;

	bad += tls_init != s->index * 1000003L + iter;
	for (int i = 0; i < WORDS; i++)
		bad += tls_words[i] != word(s->index, i, iter);
	for (int i = 0; i < 64; i++)
		bad += tls_aligned[i] != (unsigned char)(s->index + i + iter);
	bad += pthread_getspecific(key) != s;
	bad += (void *)&tls_init != s->addr_init;
	bad += (void *)tls_words != s->addr_words;
	bad += ((uintptr_t)tls_aligned & 63) != 0;
	return bad;
}

static void note_cpu(struct slot *s, int *last)
{
	int c = sched_getcpu();

	if (c >= 0 && c < 64)
		s->cpus_seen |= 1UL << c;
	if (*last >= 0 && c != *last)
		s->moves++;
	*last = c;
}

static void *worker(void *arg)
{
	struct slot *s = arg;
	int last = -1;

	s->first_init_ok = tls_init == 4242 && tls_zero == 0 && pthread_getspecific(key) == NULL;
	s->addr_init = (void *)&tls_init;
	s->addr_words = (void *)tls_words;
	pthread_setspecific(key, s);
	pthread_setspecific(key_deleted, s);
	if (s->index == 1)
		pthread_setspecific(key_again, (void *)1);
	for (int iter = 0; iter < ITERS; iter++) {
		fill(s->index, iter);
		if (iter % 3 == 2)
			sleep_us(100 + 50 * (s->index % 4));
		else
			sched_yield();
		/* Some arithmetic on the words between switches. */
		for (int k = 0; k < 200; k++)
			tls_zero += tls_words[k % WORDS] & 1;
		s->bad += verify(s, iter);
		note_cpu(s, &last);
	}
	return NULL;
}

static void main_tls(void)
{
	tls_init = -1;
	tls_zero = -2;
	EQ(((uintptr_t)tls_aligned & 63), 0, "main thread: the 64-byte aligned __thread array");
}

int main(int argc, char **argv)
{
	pthread_t t[MAXT];
	int init_ok = 0, distinct = 1, once = 0, cpus = 0;
	long bad = 0, moves = 0;
	unsigned long all_cpus = 0;

	if (argc > 1)
		nthreads = atoi(argv[1]);
	if (nthreads < 1 || nthreads > MAXT)
		nthreads = 8;
	start();
	main_tls();
	EQ(pthread_key_create(&key, destroy), 0, "pthread_key_create with a destructor");
	EQ(pthread_key_create(&key_again, destroy_again), 0, "pthread_key_create (re-setting)");
	EQ(pthread_key_create(&key_deleted, destroy_deleted), 0, "pthread_key_create (deleted)");
	EQ(pthread_getspecific(key) == NULL, 1, "a new key is NULL in the main thread");
	for (int i = 0; i < nthreads; i++) {
		slots[i].index = i + 1;
		t[i] = spawn(worker, &slots[i]);
	}
	/* Deleted while the threads hold values: its destructor must not run. */
	EQ(pthread_key_delete(key_deleted), 0, "pthread_key_delete while threads use it");
	for (int i = 0; i < nthreads; i++)
		join(t[i]);
	for (int i = 0; i < nthreads; i++) {
		init_ok += slots[i].first_init_ok;
		bad += slots[i].bad;
		once += slots[i].destructed == 1;
		moves += slots[i].moves;
		all_cpus |= slots[i].cpus_seen;
		for (int j = 0; j < i; j++)
			distinct &= slots[i].addr_init != slots[j].addr_init;
	}
	for (int c = 0; c < 64; c++)
		cpus += (all_cpus >> c) & 1;
	info("%d threads x %d switches; they ran on %d CPUs and changed CPU %ld times", nthreads,
	     ITERS, cpus, moves);
	EQ(init_ok, nthreads, "new threads see __thread initial values and NULL keys");
	EQ(distinct, 1, "each thread has its own __thread addresses");
	EQ(bad, 0, "__thread values, addresses, alignment and keys held across %d switches",
	   nthreads * ITERS);
	EQ(destructor_calls, nthreads, "the key destructor ran once per thread");
	EQ(once, nthreads, "... each time with that thread's own value");
	EQ(destructor_wrong, 0, "... and never with another value");
	EQ(again_calls, 2, "a destructor that sets its key again runs again");
	EQ(deleted_calls, 0, "a deleted key's destructor does not run");
	EQ(tls_init, -1, "the main thread's __thread value is its own");
	EQ(tls_zero, -2, "... and so is its zero-initialised one");
	return finish();
}
