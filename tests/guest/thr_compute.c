/*
 * thr_compute: parallel computations with checked results. The primes
 * below 200,000 counted by trial division, interleaved over the threads
 * (17,984: a known value); the sum of a 4 Mi-element array filled by the
 * threads themselves and summed in slices (against a closed form); and a
 * histogram of a pseudo-random stream merged under a mutex (against the
 * same histogram made by one thread). Integer only.
 * usage: thr_compute [threads]   (default: the number of CPUs, at least 2)
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr.h"

#include <stdint.h>

#define MAXT	  32
#define PRIME_LIM 200000
#define PRIMES	  17984 /* pi(200000) */
#define ARRAY_LEN (4L << 20)
#define HIST_BINS 64
#define HIST_N	  (1L << 20)

static int nthreads;
static uint32_t *array;

static int is_prime(uint32_t n)
{
	if (n < 2)
		return 0;
	for (uint32_t d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

static void *count_primes(void *arg)
{
	long count = 0;

	for (uint32_t n = (intptr_t)arg; n < PRIME_LIM; n += nthreads)
		count += is_prime(n);
	return (void *)count;
}

static uint32_t element(long i)
{
	return (uint32_t)(i * 2654435761u) >> 8;
}

struct slice {
	long from, to;
	uint64_t sum;
};

static void *fill_and_sum(void *arg)
{
	struct slice *s = arg;

	for (long i = s->from; i < s->to; i++)
		array[i] = element(i);
	for (long i = s->from; i < s->to; i++)
		s->sum += array[i];
	return NULL;
}

/* A stream of pseudo-random numbers, cut into one piece per thread. */
static pthread_mutex_t hist_lock = PTHREAD_MUTEX_INITIALIZER;
static long hist[HIST_BINS], hist_one[HIST_BINS];

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static void histogram(long from, long to, long *out)
{
	for (long i = from; i < to; i++)
		out[mix(i) % HIST_BINS]++;
}

static void *hist_part(void *arg)
{
	long part = (intptr_t)arg, mine[HIST_BINS] = {0};

	histogram(HIST_N * part / nthreads, HIST_N * (part + 1) / nthreads, mine);
	pthread_mutex_lock(&hist_lock);
	for (int b = 0; b < HIST_BINS; b++)
		hist[b] += mine[b];
	pthread_mutex_unlock(&hist_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[MAXT];
	struct slice s[MAXT];
	long primes = 0, same = 0, t0;
	uint64_t sum = 0, want = 0;

	nthreads = argc > 1 ? atoi(argv[1]) : ncpus_online();
	if (nthreads < 2)
		nthreads = 2;
	if (nthreads > MAXT)
		nthreads = MAXT;
	start();
	info("%d threads on %d CPUs", nthreads, ncpus_online());

	t0 = mono_ns();
	for (intptr_t i = 0; i < nthreads; i++)
		t[i] = spawn(count_primes, (void *)i);
	for (int i = 0; i < nthreads; i++)
		primes += (intptr_t)join(t[i]);
	EQ(primes, PRIMES, "primes below %d counted by %d threads", PRIME_LIM, nthreads);
	info("primes: %lld ms", (mono_ns() - t0) / 1000000);

	array = malloc(ARRAY_LEN * sizeof(*array));
	t0 = mono_ns();
	for (int i = 0; i < nthreads; i++) {
		s[i] = (struct slice){ARRAY_LEN * i / nthreads, ARRAY_LEN * (i + 1) / nthreads, 0};
		t[i] = spawn(fill_and_sum, &s[i]);
	}
	for (int i = 0; i < nthreads; i++) {
		join(t[i]);
		sum += s[i].sum;
	}
	for (long i = 0; i < ARRAY_LEN; i++)
		want += element(i);
	EQ(sum == want, 1, "sum of %ld elements in %d slices (%llu)", ARRAY_LEN, nthreads,
	   (unsigned long long)want);
	info("array: %lld ms", (mono_ns() - t0) / 1000000);
	free(array);

	for (intptr_t i = 0; i < nthreads; i++)
		t[i] = spawn(hist_part, (void *)i);
	for (int i = 0; i < nthreads; i++)
		join(t[i]);
	histogram(0, HIST_N, hist_one);
	for (int b = 0; b < HIST_BINS; b++)
		same += hist[b] == hist_one[b];
	EQ(same, HIST_BINS, "a histogram of %ld numbers merged from %d threads is exact", HIST_N,
	   nthreads);
	return finish();
}
