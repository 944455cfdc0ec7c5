/*
 * thr.h: what the thread test programs (thr_*.c) share: result lines
 * ("ok - ..." / "not ok - ...: got X, expected Y" and the closing
 * "N checks, M failed"), clocks in nanoseconds, thread start-up that fails
 * loudly, and the thread count to use. Integer only.
 */
#ifndef THR_H
#define THR_H

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int checks, failed;

/* check: one result line; GOT and EXPECTED only explain a failure. */
static inline void check(int cond, long got, long expected, const char *fmt, ...)
{
	va_list ap;

	checks++;
	fputs(cond ? "ok - " : "not ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!cond) {
		failed++;
		printf(": got %ld, expected %ld", got, expected);
	}
	putchar('\n');
}

/* EQ: the check that GOT equals EXPECTED, with both in a failure's line. */
#define EQ(got, expected, ...)                                                                     \
	do {                                                                                       \
		long g_ = (long)(got), x_ = (long)(expected);                                      \
		check(g_ == x_, g_, x_, __VA_ARGS__);                                              \
	} while (0)

/* ERRNO: the call fails with -1 and errno E. */
#define ERRNO(call, e, ...)                                                                        \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(call);                                                            \
		check(r_ == -1 && errno == (e), errno, e, __VA_ARGS__);                            \
	} while (0)

/* info: a line that is not a check ("# ..."): numbers worth seeing. */
#define info(...)                                                                                  \
	do {                                                                                       \
		fputs("# ", stdout);                                                               \
		printf(__VA_ARGS__);                                                               \
		putchar('\n');                                                                     \
	} while (0)

/* finish: the summary line; main's exit status. */
static inline int finish(void)
{
	printf("%d checks, %d failed\n", checks, failed);
	fflush(stdout);
	return failed != 0;
}

/* start: stdout line-buffered, so that a crash leaves the lines so far. */
static inline void start(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline long long clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline long long mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static inline void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* spawn: pthread_create that ends the program when it fails. */
static inline pthread_t spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int e = pthread_create(&t, NULL, fn, arg);

	if (e) {
		printf("not ok - pthread_create: %s\n", strerror(e));
		failed++;
		finish();
		exit(1);
	}
	return t;
}

/* join: pthread_join that ends the program when it fails; the result. */
static inline void *join(pthread_t t)
{
	void *ret;
	int e = pthread_join(t, &ret);

	if (e) {
		printf("not ok - pthread_join: %s\n", strerror(e));
		failed++;
		finish();
		exit(1);
	}
	return ret;
}

/* ncpus_online: sysconf's count, at least 1. */
static inline int ncpus_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

#endif
