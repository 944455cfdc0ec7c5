/*
 * sleep: nanosleep of 1, 10 and 100 ms (and clock_nanosleep with an
 * absolute deadline) measured with CLOCK_MONOTONIC. Each must last at least
 * what was asked and end within BOUND_MS more (a loose bound: guests here
 * run under emulation; make bench measures precision). Integer only.
 */
#include <stdio.h>
#include <time.h>

#define BOUND_MS 250

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int check(const char *what, long long want_ns, long long got_ns)
{
	int ok = got_ns >= want_ns && got_ns <= want_ns + BOUND_MS * 1000000LL;

	printf("%s - %s: asked %lld us, slept %lld us (bound +%d ms)\n", ok ? "ok" : "not ok", what,
	       want_ns / 1000, got_ns / 1000, BOUND_MS);
	return !ok;
}

int main(void)
{
	static const long ms[] = { 1, 10, 100 };
	int failed = 0;

	for (int i = 0; i < 3; i++) {
		struct timespec d = { ms[i] / 1000, ms[i] % 1000 * 1000000 };
		long long t0 = now_ns();
		nanosleep(&d, NULL);
		char what[32];
		snprintf(what, sizeof what, "nanosleep %ld ms", ms[i]);
		failed += check(what, ms[i] * 1000000LL, now_ns() - t0);
	}
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	long long t0 = abs.tv_sec * 1000000000LL + abs.tv_nsec;
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	failed += check("clock_nanosleep absolute +20 ms", 20000000LL, now_ns() - t0);
	printf("4 checks, %d failed\n", failed);
	return failed != 0;
}
