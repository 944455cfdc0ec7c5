/*
 * Thread micro-benchmarks; the same source runs on hermit-c and in the Linux
 * guest. Integer only.
 *   thrbench all    the null system call (getppid), thread create+join,
 *                   a futex ping-pong between two threads pinned to CPUs 0
 *                   and 1 (when there are two), sched_yield, and the
 *                   parallel loop on 2 threads; prints
 *                   "thrbench: getppid_ns=.. create_join_ns=.. pingpong_ns=..
 *                    yield_ns=.. par_threads=2 par_us=.. cpus=.. pinned=.."
 *   thrbench par N  only the parallel loop, on N threads
 * Each latency is the mean over a loop that runs for at least TARGET_NS;
 * the parallel loop is a fixed amount of work split evenly, with its
 * result checked (a wrong result exits 1).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TARGET_NS	   300000000LL
#define PAR_WORK	   (256L << 20) /* loop iterations in all */
#define MAXT		   64
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* timed: runs STEP(BATCH) until TARGET_NS have passed; ns per operation. */
static long long timed(void (*step)(long), long batch)
{
	long long t0 = now_ns(), t;
	long ops = 0;

	do {
		step(batch);
		ops += batch;
		t = now_ns() - t0;
	} while (t < TARGET_NS);
	return t / ops;
}

static void getppid_step(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void yield_step(long n)
{
	for (long i = 0; i < n; i++)
		sched_yield();
}

static void *nothing(void *arg)
{
	return arg;
}

static void create_join_step(long n)
{
	for (long i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, nothing, NULL) != 0) {
			puts("thrbench: pthread_create failed");
			exit(1);
		}
		pthread_join(t, NULL);
	}
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static long futex(int *w, int op, int val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

/* The ping-pong word: 1 when it is the partner's turn, 0 when ours, 2 to stop. */
static int word, ncpu, pinned;

static void *partner(void *arg)
{
	int v;

	(void)arg;
	if (ncpu > 1 && pin(1) != 0)
		pinned = 0;
	for (;;) {
		while ((v = __atomic_load_n(&word, __ATOMIC_SEQ_CST)) == 0)
			futex(&word, FUTEX_WAIT_PRIVATE, 0);
		if (v == 2)
			return NULL;
		__atomic_store_n(&word, 0, __ATOMIC_SEQ_CST);
		futex(&word, FUTEX_WAKE_PRIVATE, 1);
	}
}

static void pingpong_step(long n)
{
	for (long i = 0; i < n; i++) {
		__atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
		futex(&word, FUTEX_WAKE_PRIVATE, 1);
		while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == 1)
			futex(&word, FUTEX_WAIT_PRIVATE, 1);
	}
}

static long long pingpong(void)
{
	pthread_t t;
	long long ns;
	cpu_set_t all;

	sched_getaffinity(0, sizeof(all), &all);
	pinned = ncpu > 1 && pin(0) == 0;
	pthread_create(&t, NULL, partner, NULL);
	ns = timed(pingpong_step, 100);
	__atomic_store_n(&word, 2, __ATOMIC_SEQ_CST);
	futex(&word, FUTEX_WAKE_PRIVATE, 1);
	pthread_join(t, NULL);
	sched_setaffinity(0, sizeof(all), &all);
	return ns;
}

/* The parallel loop: a hash chain per slice; the XOR of the chains. */
struct slice {
	long from, to;
	uint64_t x;
};

static void *par_slice(void *arg)
{
	struct slice *s = arg;
	uint64_t x = 0;

	for (long i = s->from; i < s->to; i++) {
		uint64_t v = (uint64_t)i * 0x9e3779b97f4a7c15ULL;

		v ^= v >> 29;
		x += v * 0xbf58476d1ce4e5b9ULL;
	}
	s->x = x;
	return NULL;
}

/* par: PAR_WORK iterations on N threads; microseconds, or -1 if wrong. */
static long long par(int n, uint64_t *sum)
{
	pthread_t t[MAXT];
	struct slice s[MAXT];
	long long t0 = now_ns();

	for (int i = 0; i < n; i++) {
		s[i] = (struct slice){PAR_WORK * i / n, PAR_WORK * (i + 1) / n, 0};
		pthread_create(&t[i], NULL, par_slice, &s[i]);
	}
	*sum = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		*sum += s[i].x;
	}
	return (now_ns() - t0) / 1000;
}

/* par_checked: the loop's time in us; exits if its result is wrong. */
static long long par_checked(int n)
{
	static uint64_t want;
	uint64_t got;
	long long us = par(n, &got);

	if (!want) {
		struct slice one = {0, PAR_WORK, 0};

		par_slice(&one);
		want = one.x;
	}
	if (got != want) {
		printf("thrbench: the parallel loop's result is wrong: %llx, expected %llx\n",
		       (unsigned long long)got, (unsigned long long)want);
		exit(1);
	}
	return us;
}

int main(int argc, char **argv)
{
	long long getppid_ns, cj_ns, pp_ns, yield_ns, par_us;

	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (argc > 2 && strcmp(argv[1], "par") == 0) {
		int n = atoi(argv[2]);

		if (n < 1 || n > MAXT)
			n = 2;
		par_checked(n); /* warm-up: page faults, caches */
		par_us = par_checked(n);
		printf("thrbench: par_threads=%d par_us=%lld cpus=%d\n", n, par_us, ncpu);
		return 0;
	}
	getppid_ns = timed(getppid_step, 1000);
	cj_ns = timed(create_join_step, 10);
	pp_ns = pingpong();
	yield_ns = timed(yield_step, 1000);
	par_checked(2);
	par_us = par_checked(2);
	printf("thrbench: getppid_ns=%lld create_join_ns=%lld pingpong_ns=%lld yield_ns=%lld "
	       "par_threads=2 par_us=%lld cpus=%d pinned=%d\n",
	       getppid_ns, cj_ns, pp_ns, yield_ns, par_us, ncpu, pinned);
	return 0;
}
