/*
 * Timer precision: 1000 sleeps (nanosleep) of 1 ms each, measured with
 * CLOCK_MONOTONIC; prints the median and the worst overshoot in us as
 * "timerbench: sleeps=1000 request_us=1000 median_us=M worst_us=W".
 * The same source runs on hermit-c and in the Linux guest. Integer only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N 1000
#define REQ_NS 1000000L

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	static long long over[N];
	struct timespec req = { 0, REQ_NS };

	for (int i = 0; i < N; i++) {
		long long t0 = now_ns();
		nanosleep(&req, NULL);
		over[i] = now_ns() - t0 - REQ_NS;
	}
	qsort(over, N, sizeof(over[0]), cmp);
	printf("timerbench: sleeps=%d request_us=%ld median_us=%lld worst_us=%lld\n", N,
	       REQ_NS / 1000, over[N / 2] / 1000, over[N - 1] / 1000);
	return over[0] < 0; /* a sleep shorter than asked is a bug */
}
