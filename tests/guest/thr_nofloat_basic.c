/*
 * thr_nofloat_basic: threads without floating point or printf, for uhyve on
 * a KVM that emulates instructions (see thr_nofloat.h). Create and join
 * with results, 200 short threads, detached threads counted to the end,
 * N threads x M increments under a mutex, and a condition-variable
 * hand-off of numbered items, each taken once.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr_nofloat.h"

#include <stdint.h>

#define NRESULT	  8
#define NSHORT	  200
#define BATCH	  8
#define NDETACHED 50
#define NINC	  4
#define INCS	  2000
#define ITEMS	  500

static void *triple(void *arg)
{
	return (void *)((intptr_t)arg * 3);
}

static void results(void)
{
	pthread_t t[NRESULT];
	long good = 0, errs = 0;

	for (intptr_t i = 0; i < NRESULT; i++)
		errs += pthread_create(&t[i], NULL, triple, (void *)(i + 1)) != 0;
	for (intptr_t i = 0; i < NRESULT; i++) {
		void *r = NULL;

		errs += pthread_join(t[i], &r) != 0;
		good += (intptr_t)r == (i + 1) * 3;
	}
	check_eq(errs, 0, "8 threads created and joined");
	check_eq(good, NRESULT, "each returned its argument times 3");
}

static void *plus_one(void *arg)
{
	return (void *)((intptr_t)arg + 1);
}

static void short_threads(void)
{
	pthread_t t[BATCH];
	long sum = 0, errs = 0;

	for (int i = 0; i < NSHORT; i += BATCH) {
		for (int k = 0; k < BATCH; k++)
			errs +=
			    pthread_create(&t[k], NULL, plus_one, (void *)(intptr_t)(i + k)) != 0;
		for (int k = 0; k < BATCH; k++) {
			void *r = NULL;

			errs += pthread_join(t[k], &r) != 0;
			sum += (intptr_t)r;
		}
	}
	check_eq(errs, 0, "200 short threads created and joined, 8 at a time");
	check_eq(sum, (long)NSHORT * (NSHORT + 1) / 2, "their results add up");
}

static int detached_done;

static void *detached(void *arg)
{
	if ((intptr_t)arg % 10 == 0)
		sleep_us(500);
	__atomic_add_fetch(&detached_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void detached_threads(void)
{
	pthread_attr_t a;
	pthread_t t;
	long errs = 0;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (intptr_t i = 0; i < NDETACHED; i++)
		errs += pthread_create(&t, &a, detached, (void *)i) != 0;
	check_eq(errs, 0, "50 detached threads started");
	while (__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST) < NDETACHED - errs)
		sleep_us(1000);
	check_eq(detached_done, NDETACHED, "all 50 detached threads ran to the end");
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *inc(void *arg)
{
	(void)arg;
	for (int i = 0; i < INCS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void mutex_counting(void)
{
	pthread_t t[NINC];

	for (int i = 0; i < NINC; i++)
		pthread_create(&t[i], NULL, inc, NULL);
	for (int i = 0; i < NINC; i++)
		pthread_join(t[i], NULL);
	check_eq(counter, (long)NINC * INCS, "mutex: 4 threads x 2000 increments");
}

/* One slot, handed from a producer to two consumers. */
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int slot_full, slot_item, finished;
static unsigned char taken[ITEMS];
static long twice;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (slot_full)
			pthread_cond_wait(&cond, &lock);
		slot_item = i;
		slot_full = 1;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	while (slot_full)
		pthread_cond_wait(&cond, &lock);
	finished = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!slot_full && !finished)
			pthread_cond_wait(&cond, &lock);
		if (!slot_full)
			break;
		if (taken[slot_item]++)
			twice++;
		slot_full = 0;
		pthread_cond_broadcast(&cond);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void handoff(void)
{
	pthread_t p, c1, c2;
	long once = 0;

	pthread_create(&c1, NULL, consumer, NULL);
	pthread_create(&c2, NULL, consumer, NULL);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c1, NULL);
	pthread_join(c2, NULL);
	for (int i = 0; i < ITEMS; i++)
		once += taken[i] == 1;
	check_eq(once, ITEMS, "condvar hand-off: 500 items, each taken exactly once");
	check_eq(twice, 0, "no item taken twice");
}

int main(void)
{
	results();
	short_threads();
	detached_threads();
	mutex_counting();
	handoff();
	return finish();
}
