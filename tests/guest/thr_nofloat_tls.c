/*
 * thr_nofloat_tls: thread-local storage without floating point or printf,
 * for uhyve on a KVM that emulates instructions (see thr_nofloat.h).
 * Threads see __thread initial values, keep their own __thread values,
 * addresses and pthread keys across yields and sleeps (and CPU changes,
 * counted), and each key destructor runs once with its thread's value.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr_nofloat.h"

#include <sched.h>
#include <stdint.h>

#define NTHREADS 4
#define ITERS	 100

static __thread long tls_value = 777;
static __thread long tls_array[8];

static pthread_key_t key;

struct slot {
	int index;
	int init_ok;
	long bad;
	int moves;
	void *addr;
	int destructed;
};

static struct slot slots[NTHREADS];
static int destructor_calls, destructor_wrong;

static void destroy(void *v)
{
	struct slot *s = v;

	__atomic_add_fetch(&destructor_calls, 1, __ATOMIC_SEQ_CST);
	if (s < slots || s >= slots + NTHREADS)
		__atomic_add_fetch(&destructor_wrong, 1, __ATOMIC_SEQ_CST);
	else
		s->destructed++;
}

static void *worker(void *arg)
{
	struct slot *s = arg;
	int last = -1;

	s->init_ok = tls_value == 777 && tls_array[7] == 0 && pthread_getspecific(key) == NULL;
	s->addr = (void *)&tls_value;
	pthread_setspecific(key, s);
	for (int i = 0; i < ITERS; i++) {
		int cpu;

		tls_value = s->index * 100000L + i;
		for (int k = 0; k < 8; k++)
			tls_array[k] = tls_value ^ k;
		if (i % 4 == 3)
			sleep_us(200);
		else
			sched_yield();
		s->bad += tls_value != s->index * 100000L + i;
		for (int k = 0; k < 8; k++)
			s->bad += tls_array[k] != (tls_value ^ k);
		s->bad += pthread_getspecific(key) != s;
		s->bad += (void *)&tls_value != s->addr;
		cpu = sched_getcpu();
		if (last >= 0 && cpu != last)
			s->moves++;
		last = cpu;
	}
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	long init_ok = 0, bad = 0, moves = 0, once = 0, distinct = 1;

	tls_value = -5;
	check_eq(pthread_key_create(&key, destroy), 0, "pthread_key_create with a destructor");
	for (int i = 0; i < NTHREADS; i++) {
		slots[i].index = i + 1;
		pthread_create(&t[i], NULL, worker, &slots[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NTHREADS; i++) {
		init_ok += slots[i].init_ok;
		bad += slots[i].bad;
		moves += slots[i].moves;
		once += slots[i].destructed == 1;
		for (int j = 0; j < i; j++)
			distinct &= slots[i].addr != slots[j].addr;
	}
	note("CPU changes seen:", moves);
	check_eq(init_ok, NTHREADS, "new threads see __thread initial values and NULL keys");
	check_eq(distinct, 1, "each thread has its own __thread address");
	check_eq(bad, 0, "__thread values and keys held across 4 x 100 yields and sleeps");
	check_eq(destructor_calls, NTHREADS, "the key destructor ran once per thread");
	check_eq(once, NTHREADS, "... with that thread's own value");
	check_eq(destructor_wrong, 0, "... and never another");
	check_eq(tls_value, -5, "the main thread's __thread value is its own");
	return finish();
}
