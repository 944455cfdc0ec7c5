/*
 * thr_sync: synchronisation under contention, with counted results.
 * Mutexes (normal, recursive, error-checking, trylock), a spinlock and
 * atomics (N threads x M increments = the exact total); a bounded buffer
 * with condition variables (every item consumed exactly once); broadcast;
 * barriers (one serial thread per round, nobody ahead of a round);
 * rwlocks (writers alone, readers never beside a writer); semaphores.
 * usage: thr_sync [threads]   (default 4)
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr.h"

#include <semaphore.h>
#include <stdint.h>

#define MAXT	16
#define INCS	20000
#define ITEMS	5000 /* per producer */
#define NPROD	2
#define NCONS	3
#define QSIZE	8
#define ROUNDS	200
#define RW_OPS	3000
#define SEM_OPS 5000

static int nthreads = 4;

/* run_all: NTHREADS threads of FN, each given its index; joins them. */
static void run_all(void *(*fn)(void *))
{
	pthread_t t[MAXT];

	for (intptr_t i = 0; i < nthreads; i++)
		t[i] = spawn(fn, (void *)i);
	for (int i = 0; i < nthreads; i++)
		join(t[i]);
}

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_spinlock_t count_spin;
static long counter, atomic_counter, trylock_busy;

static void *mutex_inc(void *arg)
{
	(void)arg;
	for (int i = 0; i < INCS; i++) {
		pthread_mutex_lock(&count_lock);
		counter++;
		pthread_mutex_unlock(&count_lock);
	}
	return NULL;
}

static void *trylock_inc(void *arg)
{
	(void)arg;
	for (int i = 0; i < INCS;) {
		if (pthread_mutex_trylock(&count_lock) == 0) {
			counter++;
			pthread_mutex_unlock(&count_lock);
			i++;
		} else {
			__atomic_add_fetch(&trylock_busy, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void *spin_inc(void *arg)
{
	(void)arg;
	for (int i = 0; i < INCS; i++) {
		pthread_spin_lock(&count_spin);
		counter++;
		pthread_spin_unlock(&count_spin);
	}
	return NULL;
}

static void *atomic_inc(void *arg)
{
	(void)arg;
	for (int i = 0; i < INCS; i++)
		__atomic_add_fetch(&atomic_counter, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void counting(void)
{
	long want = (long)nthreads * INCS;

	counter = 0;
	run_all(mutex_inc);
	EQ(counter, want, "mutex: %d threads x %d increments", nthreads, INCS);
	counter = 0;
	run_all(trylock_inc);
	EQ(counter, want, "mutex trylock: %d threads x %d increments", nthreads, INCS);
	info("trylock found the mutex busy %ld times", trylock_busy);
	pthread_spin_init(&count_spin, PTHREAD_PROCESS_PRIVATE);
	counter = 0;
	run_all(spin_inc);
	EQ(counter, want, "spinlock: %d threads x %d increments", nthreads, INCS);
	run_all(atomic_inc);
	EQ(atomic_counter, want, "atomic add: %d threads x %d increments", nthreads, INCS);
}

static pthread_mutex_t rec, errchk;

static void *try_other(void *arg)
{
	return (void *)(intptr_t)pthread_mutex_trylock(arg);
}

static void *unlock_other(void *arg)
{
	return (void *)(intptr_t)pthread_mutex_unlock(arg);
}

static void mutex_kinds(void)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rec, &a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&errchk, &a);
	pthread_mutexattr_destroy(&a);

	EQ(pthread_mutex_lock(&rec), 0, "recursive mutex: lock");
	EQ(pthread_mutex_lock(&rec), 0, "recursive mutex: lock again by its owner");
	EQ(pthread_mutex_trylock(&rec), 0, "recursive mutex: trylock by its owner");
	EQ((intptr_t)join(spawn(try_other, &rec)), EBUSY, "recursive mutex: trylock by another");
	EQ(pthread_mutex_unlock(&rec) | pthread_mutex_unlock(&rec), 0,
	   "recursive mutex: unlock x2");
	EQ((intptr_t)join(spawn(try_other, &rec)), EBUSY, "recursive mutex: still held once");
	EQ(pthread_mutex_unlock(&rec), 0, "recursive mutex: last unlock");
	EQ((intptr_t)join(spawn(try_other, &rec)), 0, "recursive mutex: free for another");

	EQ(pthread_mutex_lock(&errchk), 0, "error-checking mutex: lock");
	EQ(pthread_mutex_lock(&errchk), EDEADLK, "error-checking mutex: relock is EDEADLK");
	EQ((intptr_t)join(spawn(unlock_other, &errchk)), EPERM,
	   "error-checking mutex: unlock by another is EPERM");
	EQ(pthread_mutex_unlock(&errchk), 0, "error-checking mutex: unlock");
	EQ(pthread_mutex_unlock(&errchk), EPERM, "error-checking mutex: unlock when free is EPERM");
}

/* A bounded buffer: producers put unique items, consumers mark them. */
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_notfull = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_notempty = PTHREAD_COND_INITIALIZER;
static int q_buf[QSIZE], q_head, q_len, q_done_producers;
static unsigned char seen[NPROD * ITEMS];
static long consumed_sum, overflow;

static void *producer(void *arg)
{
	int base = (intptr_t)arg * ITEMS;

	for (int i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_len == QSIZE)
			pthread_cond_wait(&q_notfull, &q_lock);
		q_buf[(q_head + q_len++) % QSIZE] = base + i;
		pthread_cond_signal(&q_notempty);
		pthread_mutex_unlock(&q_lock);
	}
	pthread_mutex_lock(&q_lock);
	q_done_producers++;
	pthread_cond_broadcast(&q_notempty);
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

static void *consumer(void *arg)
{
	long mine = 0;

	(void)arg;
	for (;;) {
		int item;

		pthread_mutex_lock(&q_lock);
		while (q_len == 0 && q_done_producers < NPROD)
			pthread_cond_wait(&q_notempty, &q_lock);
		if (q_len == 0) {
			pthread_mutex_unlock(&q_lock);
			return (void *)mine;
		}
		item = q_buf[q_head];
		q_head = (q_head + 1) % QSIZE;
		q_len--;
		if (seen[item]++)
			overflow++;
		consumed_sum += item;
		pthread_cond_signal(&q_notfull);
		pthread_mutex_unlock(&q_lock);
		mine++;
	}
}

static void producer_consumer(void)
{
	pthread_t p[NPROD], c[NCONS];
	long total = 0, once = 0, n = (long)NPROD * ITEMS;

	for (intptr_t i = 0; i < NCONS; i++)
		c[i] = spawn(consumer, (void *)i);
	for (intptr_t i = 0; i < NPROD; i++)
		p[i] = spawn(producer, (void *)i);
	for (int i = 0; i < NPROD; i++)
		join(p[i]);
	for (int i = 0; i < NCONS; i++) {
		long k = (intptr_t)join(c[i]);

		info("consumer %d took %ld items", i, k);
		total += k;
	}
	for (long i = 0; i < n; i++)
		once += seen[i] == 1;
	EQ(total, n, "condvar queue: %d producers x %d items all consumed", NPROD, ITEMS);
	EQ(once, n, "every item consumed exactly once");
	EQ(overflow, 0, "no item consumed twice");
	EQ(consumed_sum, n * (n - 1) / 2, "the consumed items add up");
}

/* Broadcast: every waiter of one generation wakes. */
static pthread_mutex_t b_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t b_cond = PTHREAD_COND_INITIALIZER;
static int b_waiting, b_generation, b_woken;

static void *bcast_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&b_lock);
	int gen = b_generation;

	b_waiting++;
	while (b_generation == gen)
		pthread_cond_wait(&b_cond, &b_lock);
	b_woken++;
	pthread_mutex_unlock(&b_lock);
	return NULL;
}

static void broadcast(void)
{
	pthread_t t[MAXT];

	for (int i = 0; i < nthreads; i++)
		t[i] = spawn(bcast_waiter, NULL);
	for (;;) {
		pthread_mutex_lock(&b_lock);
		if (b_waiting == nthreads)
			break;
		pthread_mutex_unlock(&b_lock);
		sleep_us(1000);
	}
	b_generation++;
	pthread_cond_broadcast(&b_cond);
	pthread_mutex_unlock(&b_lock);
	for (int i = 0; i < nthreads; i++)
		join(t[i]);
	EQ(b_woken, nthreads, "pthread_cond_broadcast wakes all %d waiters", nthreads);
}

static pthread_barrier_t barrier;
static int bar_arrivals, bar_serials, bar_early;

static void *barrier_rounds(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		__atomic_add_fetch(&bar_arrivals, 1, __ATOMIC_SEQ_CST);
		int ret = pthread_barrier_wait(&barrier);

		if (ret == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&bar_serials, 1, __ATOMIC_SEQ_CST);
		else if (ret != 0)
			__atomic_add_fetch(&bar_early, 1000, __ATOMIC_SEQ_CST);
		/* Everyone has arrived for this round, and nobody for the next
		 * until this thread has, so the count is within one round. */
		int seen_now = __atomic_load_n(&bar_arrivals, __ATOMIC_SEQ_CST);

		if (seen_now < (r + 1) * nthreads)
			__atomic_add_fetch(&bar_early, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void barriers(void)
{
	EQ(pthread_barrier_init(&barrier, NULL, nthreads), 0, "pthread_barrier_init(%d)", nthreads);
	run_all(barrier_rounds);
	EQ(bar_serials, ROUNDS, "barrier: one serial thread in each of %d rounds", ROUNDS);
	EQ(bar_early, 0, "barrier: nobody passed before all %d had arrived", nthreads);
	EQ(bar_arrivals, ROUNDS * nthreads, "barrier: all arrivals counted");
	pthread_barrier_destroy(&barrier);
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int rw_readers, rw_writers, rw_bad, rw_max_readers;
static long rw_data, rw_writes;

static void *rw_worker(void *arg)
{
	int writer = (intptr_t)arg % 2 == 0;

	for (int i = 0; i < RW_OPS; i++) {
		if (writer && i % 4 == 0) {
			pthread_rwlock_wrlock(&rw);
			int w = __atomic_add_fetch(&rw_writers, 1, __ATOMIC_SEQ_CST);

			if (w != 1 || __atomic_load_n(&rw_readers, __ATOMIC_SEQ_CST) != 0)
				__atomic_add_fetch(&rw_bad, 1, __ATOMIC_SEQ_CST);
			rw_data++;
			rw_writes++;
			__atomic_sub_fetch(&rw_writers, 1, __ATOMIC_SEQ_CST);
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			int r = __atomic_add_fetch(&rw_readers, 1, __ATOMIC_SEQ_CST);
			long before = rw_data;

			if (__atomic_load_n(&rw_writers, __ATOMIC_SEQ_CST) != 0)
				__atomic_add_fetch(&rw_bad, 1, __ATOMIC_SEQ_CST);
			if (r > __atomic_load_n(&rw_max_readers, __ATOMIC_RELAXED))
				__atomic_store_n(&rw_max_readers, r, __ATOMIC_RELAXED);
			if (rw_data != before)
				__atomic_add_fetch(&rw_bad, 1, __ATOMIC_SEQ_CST);
			__atomic_sub_fetch(&rw_readers, 1, __ATOMIC_SEQ_CST);
			pthread_rwlock_unlock(&rw);
		}
	}
	return NULL;
}

static void *rw_try(void *arg)
{
	intptr_t write = (intptr_t)arg;
	int r = write ? pthread_rwlock_trywrlock(&rw) : pthread_rwlock_tryrdlock(&rw);

	if (r == 0)
		pthread_rwlock_unlock(&rw);
	return (void *)(intptr_t)r;
}

static void rwlocks(void)
{
	long writers = (nthreads + 1) / 2;

	run_all(rw_worker);
	EQ(rw_bad, 0, "rwlock: writers alone, readers never beside a writer");
	EQ(rw_writes, writers * (RW_OPS / 4), "rwlock: every write counted");
	EQ(rw_data, rw_writes, "rwlock: the protected data saw every write");
	info("at most %d readers held the rwlock together", rw_max_readers);

	pthread_rwlock_rdlock(&rw);
	EQ((intptr_t)join(spawn(rw_try, (void *)0)), 0, "rwlock: tryrdlock beside a reader");
	EQ((intptr_t)join(spawn(rw_try, (void *)1)), EBUSY,
	   "rwlock: trywrlock beside a reader is EBUSY");
	pthread_rwlock_unlock(&rw);
	pthread_rwlock_wrlock(&rw);
	EQ((intptr_t)join(spawn(rw_try, (void *)0)), EBUSY,
	   "rwlock: tryrdlock beside a writer is EBUSY");
	EQ((intptr_t)join(spawn(rw_try, (void *)1)), EBUSY,
	   "rwlock: trywrlock beside a writer is EBUSY");
	pthread_rwlock_unlock(&rw);
	EQ((intptr_t)join(spawn(rw_try, (void *)1)), 0, "rwlock: trywrlock when free");
}

static sem_t items, slots, sem_mutex;
static long sem_counter, sem_taken;

static void *sem_poster(void *arg)
{
	(void)arg;
	for (int i = 0; i < SEM_OPS; i++) {
		sem_wait(&slots);
		sem_post(&items);
	}
	return NULL;
}

static void *sem_taker(void *arg)
{
	(void)arg;
	for (int i = 0; i < SEM_OPS; i++) {
		sem_wait(&items);
		__atomic_add_fetch(&sem_taken, 1, __ATOMIC_SEQ_CST);
		sem_post(&slots);
		sem_wait(&sem_mutex);
		sem_counter++;
		sem_post(&sem_mutex);
	}
	return NULL;
}

static void semaphores(void)
{
	pthread_t p[MAXT], c[MAXT];
	int half = nthreads / 2 > 0 ? nthreads / 2 : 1, v = -1;

	sem_init(&items, 0, 0);
	sem_init(&slots, 0, 4);
	sem_init(&sem_mutex, 0, 1);
	errno = 0;
	EQ(sem_trywait(&items), -1, "sem_trywait on 0 fails");
	EQ(errno, EAGAIN, "... with EAGAIN");
	for (int i = 0; i < half; i++) {
		p[i] = spawn(sem_poster, NULL);
		c[i] = spawn(sem_taker, NULL);
	}
	for (int i = 0; i < half; i++) {
		join(p[i]);
		join(c[i]);
	}
	EQ(sem_taken, (long)half * SEM_OPS, "semaphores: %d posters x %d items all taken", half,
	   SEM_OPS);
	EQ(sem_counter, (long)half * SEM_OPS, "semaphore as a mutex: exact count");
	sem_getvalue(&items, &v);
	EQ(v, 0, "sem_getvalue(items) is 0 at the end");
	sem_getvalue(&slots, &v);
	EQ(v, 4, "sem_getvalue(slots) is back to 4");
	EQ(sem_post(&items) | sem_trywait(&items), 0, "sem_post then sem_trywait");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		nthreads = atoi(argv[1]);
	if (nthreads < 2 || nthreads > MAXT)
		nthreads = 4;
	start();
	info("%d threads", nthreads);
	counting();
	mutex_kinds();
	producer_consumer();
	broadcast();
	barriers();
	rwlocks();
	semaphores();
	return finish();
}
