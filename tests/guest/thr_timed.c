/*
 * thr_timed: waits with timeouts. pthread_cond_timedwait (CLOCK_REALTIME
 * and, by condattr, CLOCK_MONOTONIC), sem_timedwait, pthread_mutex_timedlock
 * and pthread_timedjoin_np end with ETIMEDOUT, and never before the
 * deadline by the clock they use; a deadline already past times out at
 * once; a bad deadline is EINVAL; a wait that is satisfied in time returns
 * 0. Sleeping threads sleep together. No upper bounds: timings belong to
 * benchmarks.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr.h"

#include <semaphore.h>
#include <stdint.h>

#define WAIT_MS	 50
#define SLEEPERS 4
#define SLEEP_MS 30
#define SLEEPS	 5

/* deadline: now + MS on clock CLK, as an absolute timespec. */
static struct timespec deadline(clockid_t clk, long ms)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	} else if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000;
	}
	return ts;
}

static long long ts_ns(struct timespec ts)
{
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* not_early: the check that the clock CLK has reached DL. */
static void not_early(clockid_t clk, struct timespec dl, const char *what)
{
	long long late = clock_ns(clk) - ts_ns(dl);

	check(late >= 0, (long)(late / 1000), 0, "%s: not before the deadline (%lld us after it)",
	      what, late / 1000);
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c_real = PTHREAD_COND_INITIALIZER, c_mono;

static void cond_timeouts(void)
{
	pthread_condattr_t a;
	struct timespec dl;
	clockid_t clk = -1;

	pthread_mutex_lock(&m);
	dl = deadline(CLOCK_REALTIME, WAIT_MS);
	EQ(pthread_cond_timedwait(&c_real, &m, &dl), ETIMEDOUT,
	   "pthread_cond_timedwait(%d ms, CLOCK_REALTIME) is ETIMEDOUT", WAIT_MS);
	not_early(CLOCK_REALTIME, dl, "pthread_cond_timedwait(CLOCK_REALTIME)");
	EQ(pthread_mutex_trylock(&m), EBUSY, "... and the mutex is held again afterwards");

	pthread_condattr_init(&a);
	EQ(pthread_condattr_setclock(&a, CLOCK_MONOTONIC), 0,
	   "pthread_condattr_setclock(MONOTONIC)");
	pthread_condattr_getclock(&a, &clk);
	EQ(clk, CLOCK_MONOTONIC, "pthread_condattr_getclock");
	pthread_cond_init(&c_mono, &a);
	pthread_condattr_destroy(&a);
	dl = deadline(CLOCK_MONOTONIC, WAIT_MS);
	EQ(pthread_cond_timedwait(&c_mono, &m, &dl), ETIMEDOUT,
	   "pthread_cond_timedwait(%d ms, CLOCK_MONOTONIC) is ETIMEDOUT", WAIT_MS);
	not_early(CLOCK_MONOTONIC, dl, "pthread_cond_timedwait(CLOCK_MONOTONIC)");

	dl = deadline(CLOCK_REALTIME, -10);
	EQ(pthread_cond_timedwait(&c_real, &m, &dl), ETIMEDOUT,
	   "pthread_cond_timedwait with a past deadline is ETIMEDOUT");
	dl.tv_nsec = 1000000000;
	EQ(pthread_cond_timedwait(&c_real, &m, &dl), EINVAL,
	   "pthread_cond_timedwait with tv_nsec = 1e9 is EINVAL");
	pthread_mutex_unlock(&m);
}

static int flag;

static void *signal_later(void *arg)
{
	sleep_us(20000);
	pthread_mutex_lock(&m);
	flag = 1;
	pthread_cond_signal(arg);
	pthread_mutex_unlock(&m);
	return NULL;
}

static void cond_in_time(void)
{
	struct timespec dl = deadline(CLOCK_MONOTONIC, 20000);
	pthread_t t;
	int r = 0;

	pthread_mutex_lock(&m);
	t = spawn(signal_later, &c_mono);
	while (!flag && r == 0)
		r = pthread_cond_timedwait(&c_mono, &m, &dl);
	pthread_mutex_unlock(&m);
	join(t);
	EQ(r, 0, "pthread_cond_timedwait signalled in time returns 0");
	EQ(flag, 1, "... with the condition true");
}

static sem_t sem;

static void *post_later(void *arg)
{
	(void)arg;
	sleep_us(20000);
	sem_post(&sem);
	return NULL;
}

static void sem_timeouts(void)
{
	struct timespec dl;
	pthread_t t;
	int r;

	sem_init(&sem, 0, 0);
	dl = deadline(CLOCK_REALTIME, WAIT_MS);
	errno = 0;
	r = sem_timedwait(&sem, &dl);
	EQ(r == -1 && errno == ETIMEDOUT, 1, "sem_timedwait(%d ms) fails with ETIMEDOUT", WAIT_MS);
	not_early(CLOCK_REALTIME, dl, "sem_timedwait");
	dl = deadline(CLOCK_REALTIME, -10);
	errno = 0;
	r = sem_timedwait(&sem, &dl);
	EQ(r == -1 && errno == ETIMEDOUT, 1, "sem_timedwait with a past deadline is ETIMEDOUT");
	dl.tv_nsec = -1;
	errno = 0;
	r = sem_timedwait(&sem, &dl);
	EQ(r == -1 && errno == EINVAL, 1, "sem_timedwait with tv_nsec = -1 is EINVAL");
	sem_post(&sem);
	dl = deadline(CLOCK_REALTIME, -10);
	EQ(sem_timedwait(&sem, &dl), 0,
	   "sem_timedwait on a posted semaphore succeeds, "
	   "even with a past deadline");
	t = spawn(post_later, NULL);
	dl = deadline(CLOCK_REALTIME, 20000);
	EQ(sem_timedwait(&sem, &dl), 0, "sem_timedwait posted in time by another thread");
	join(t);
}

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static sem_t hold_ready, hold_release;

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held);
	sem_post(&hold_ready);
	sem_wait(&hold_release);
	pthread_mutex_unlock(&held);
	return NULL;
}

static void *quick(void *arg)
{
	(void)arg;
	return (void *)5;
}

static void mutex_and_join_timeouts(void)
{
	struct timespec dl;
	pthread_t t;
	void *ret = NULL;

	sem_init(&hold_ready, 0, 0);
	sem_init(&hold_release, 0, 0);
	t = spawn(holder, NULL);
	sem_wait(&hold_ready);
	dl = deadline(CLOCK_REALTIME, WAIT_MS);
	EQ(pthread_mutex_timedlock(&held, &dl), ETIMEDOUT,
	   "pthread_mutex_timedlock on a held mutex is ETIMEDOUT");
	not_early(CLOCK_REALTIME, dl, "pthread_mutex_timedlock");

	dl = deadline(CLOCK_REALTIME, WAIT_MS);
	EQ(pthread_timedjoin_np(t, &ret, &dl), ETIMEDOUT,
	   "pthread_timedjoin_np on a running thread is ETIMEDOUT");
	not_early(CLOCK_REALTIME, dl, "pthread_timedjoin_np");
	sem_post(&hold_release);
	join(t);
	dl = deadline(CLOCK_REALTIME, 20000);
	EQ(pthread_mutex_timedlock(&held, &dl), 0, "pthread_mutex_timedlock on a free mutex");
	pthread_mutex_unlock(&held);

	t = spawn(quick, NULL);
	dl = deadline(CLOCK_REALTIME, 20000);
	EQ(pthread_timedjoin_np(t, &ret, &dl), 0, "pthread_timedjoin_np on an ending thread");
	EQ((intptr_t)ret, 5, "... with its result");
}

static void *sleeper(void *arg)
{
	long long t0 = mono_ns(), short_by = 0;

	(void)arg;
	for (int i = 0; i < SLEEPS; i++) {
		long long s = mono_ns();

		sleep_us(SLEEP_MS * 1000);
		if (mono_ns() - s < SLEEP_MS * 1000000LL)
			short_by++;
	}
	return (void *)(intptr_t)(short_by ? -1 : (mono_ns() - t0) / 1000000);
}

static void sleepers(void)
{
	pthread_t t[SLEEPERS];
	long long t0 = mono_ns();
	int good = 0;

	for (int i = 0; i < SLEEPERS; i++)
		t[i] = spawn(sleeper, NULL);
	for (int i = 0; i < SLEEPERS; i++)
		good += (intptr_t)join(t[i]) >= SLEEPS * SLEEP_MS;
	EQ(good, SLEEPERS, "%d threads x %d sleeps of %d ms: none shorter than asked", SLEEPERS,
	   SLEEPS, SLEEP_MS);
	info("%d threads slept %d ms each in %lld ms", SLEEPERS, SLEEPS * SLEEP_MS,
	     (mono_ns() - t0) / 1000000);
}

int main(void)
{
	start();
	cond_timeouts();
	cond_in_time();
	sem_timeouts();
	mutex_and_join_timeouts();
	sleepers();
	return finish();
}
