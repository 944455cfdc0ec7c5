/*
 * sys_time: clock_gettime, clock_getres, gettimeofday, time, nanosleep and
 * clock_nanosleep, with Linux's return values and errno. Timing checks are
 * lower bounds only (a slow host must not fail them); times print as
 * integers, since the program avoids floating point.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define MS 1000000LL
/* 2025-01-01 00:00:00 UTC: a wall clock that says earlier is not real. */
#define YEAR_2025   1735689600LL
#define KERNEL_ADDR ((void *)0xffff800000001000UL)
#define BAD_CLOCK   100
#define READS	    20000

#include "check.h"

static long long ns_of(struct timespec t)
{
	return t.tv_sec * NS + t.tv_nsec;
}

/* now: CLOCK_MONOTONIC (or ID) in ns, straight from the kernel. */
static long long now(clockid_t id)
{
	struct timespec t = {0, 0};

	syscall(SYS_clock_gettime, id, &t);
	return ns_of(t);
}

static struct timespec ts_of(long long ns)
{
	struct timespec t = {ns / NS, ns % NS};

	return t;
}

static void test_realtime(void)
{
	struct timespec t = {0, -1};
	struct timeval tv = {0, -1};
	struct tm tm;
	long long t2;
	time_t t3 = 0, t4;

	RET("clock_gettime(CLOCK_REALTIME)", syscall(SYS_clock_gettime, CLOCK_REALTIME, &t), 0);
	gmtime_r(&t.tv_sec, &tm);
	printf("# realtime %lld.%09ld = %04d-%02d-%02d %02d:%02d:%02d UTC\n", (long long)t.tv_sec,
	       t.tv_nsec, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	       tm.tm_sec);
	check(t.tv_sec >= YEAR_2025, "CLOCK_REALTIME is wall time (year >= 2025)", t.tv_sec,
	      YEAR_2025);
	check(t.tv_nsec >= 0 && t.tv_nsec < NS, "realtime tv_nsec is in [0, 1e9)", t.tv_nsec, 0);
	RET("gettimeofday", syscall(SYS_gettimeofday, &tv, NULL), 0);
	check(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday tv_usec is in [0, 1e6)",
	      tv.tv_usec, 0);
	t2 = syscall(SYS_time, &t3);
	t4 = syscall(SYS_time, NULL);
	check(t2 == t3, "time() stores what it returns", t3, t2);
	check(tv.tv_sec - t.tv_sec <= 2 && tv.tv_sec - t.tv_sec >= -2,
	      "gettimeofday agrees with CLOCK_REALTIME within 2 s", tv.tv_sec, t.tv_sec);
	check(t2 - t.tv_sec <= 2 && t2 - t.tv_sec >= -2,
	      "time agrees with CLOCK_REALTIME within 2 s", t2, t.tv_sec);
	check(t4 >= t2, "time(NULL) does not go backwards", t4, t2);
	RET("gettimeofday(NULL, NULL)", syscall(SYS_gettimeofday, NULL, NULL), 0);
	ERR("gettimeofday into (void *)1 -> EFAULT", syscall(SYS_gettimeofday, (void *)1, NULL),
	    EFAULT);
}

static void test_monotonic(void)
{
	struct timespec t = {0, -1};
	long long prev, cur, back = 0, first;

	RET("clock_gettime(CLOCK_MONOTONIC)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t), 0);
	check(t.tv_sec >= 0 && t.tv_nsec >= 0 && t.tv_nsec < NS,
	      "monotonic time is non-negative with tv_nsec in [0, 1e9)", t.tv_nsec, 0);
	first = prev = ns_of(t);
	for (int i = 0; i < READS; i++) {
		cur = now(CLOCK_MONOTONIC);
		back += cur < prev;
		prev = cur;
	}
	check(back == 0, "CLOCK_MONOTONIC never goes backwards (20000 reads)", back, 0);
	back = 0;
	for (int i = 0; i < READS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		cur = ns_of(t);
		back += cur < prev;
		prev = cur;
	}
	check(back == 0, "nor does libc clock_gettime (20000 more reads)", back, 0);
	printf("# %d monotonic reads took %lld us\n", 2 * READS, (prev - first) / 1000);
}

/* The other clocks that Linux has and libc functions use (clock() etc.). */
static void test_other_clocks(void)
{
	static const struct {
		clockid_t id;
		const char *name;
	} clocks[] = {
	    {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
	    {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"},
	    {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
	    {CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
	    {CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"},
	    {CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"},
	};
	char what[80];
	long long mono, boot, real, coarse;

	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec t = {-1, -1};

		snprintf(what, sizeof(what), "clock_gettime(%s)", clocks[i].name);
		RET(what, syscall(SYS_clock_gettime, clocks[i].id, &t), 0);
		snprintf(what, sizeof(what), "%s is non-negative with tv_nsec in [0, 1e9)",
			 clocks[i].name);
		check(t.tv_sec >= 0 && t.tv_nsec >= 0 && t.tv_nsec < NS, what, t.tv_nsec, 0);
	}
	mono = now(CLOCK_MONOTONIC);
	boot = now(CLOCK_BOOTTIME);
	check(boot >= mono, "CLOCK_BOOTTIME >= CLOCK_MONOTONIC", boot, mono);
	real = now(CLOCK_REALTIME);
	coarse = now(CLOCK_REALTIME_COARSE);
	check(coarse - real <= 2 * NS && real - coarse <= 2 * NS,
	      "CLOCK_REALTIME_COARSE agrees with CLOCK_REALTIME within 2 s", coarse / NS,
	      real / NS);
}

static void test_errors(void)
{
	struct timespec t;

	ERR("clock_gettime of unknown clock 100 -> EINVAL",
	    syscall(SYS_clock_gettime, BAD_CLOCK, &t), EINVAL);
	ERR("clock_gettime into (void *)1 -> EFAULT",
	    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1), EFAULT);
	ERR("clock_gettime into a kernel-half address -> EFAULT",
	    syscall(SYS_clock_gettime, CLOCK_REALTIME, KERNEL_ADDR), EFAULT);
}

static void test_getres(void)
{
	struct timespec r = {-1, -1};

	RET("clock_getres(CLOCK_MONOTONIC)", syscall(SYS_clock_getres, CLOCK_MONOTONIC, &r), 0);
	check(r.tv_sec == 0 && r.tv_nsec > 0, "monotonic resolution is above 0 and below 1 s",
	      ns_of(r), 1);
	printf("# monotonic resolution %ld ns\n", r.tv_nsec);
	r.tv_sec = r.tv_nsec = -1;
	RET("clock_getres(CLOCK_REALTIME)", syscall(SYS_clock_getres, CLOCK_REALTIME, &r), 0);
	check(r.tv_sec == 0 && r.tv_nsec > 0, "realtime resolution is above 0 and below 1 s",
	      ns_of(r), 1);
	RET("clock_getres with a NULL result", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL), 0);
	ERR("clock_getres of unknown clock 100 -> EINVAL", syscall(SYS_clock_getres, BAD_CLOCK, &r),
	    EINVAL);
}

static void test_nanosleep(void)
{
	struct timespec d = ts_of(20 * MS);
	long long t0, t1;

	t0 = now(CLOCK_MONOTONIC);
	RET("nanosleep 20 ms", syscall(SYS_nanosleep, &d, NULL), 0);
	t1 = now(CLOCK_MONOTONIC);
	printf("# nanosleep 20 ms took %lld us\n", (t1 - t0) / 1000);
	check(t1 - t0 >= 20 * MS, "nanosleep 20 ms lasts at least 20 ms", (t1 - t0) / 1000, 20000);
	d = ts_of(0);
	RET("nanosleep 0", syscall(SYS_nanosleep, &d, NULL), 0);
	d.tv_nsec = NS;
	ERR("nanosleep with tv_nsec = 1e9 -> EINVAL", syscall(SYS_nanosleep, &d, NULL), EINVAL);
	d.tv_nsec = -1;
	ERR("nanosleep with tv_nsec = -1 -> EINVAL", syscall(SYS_nanosleep, &d, NULL), EINVAL);
	d.tv_sec = -1;
	d.tv_nsec = 0;
	ERR("nanosleep with tv_sec = -1 -> EINVAL", syscall(SYS_nanosleep, &d, NULL), EINVAL);
	ERR("nanosleep from (void *)1 -> EFAULT", syscall(SYS_nanosleep, (void *)1, NULL), EFAULT);
}

static void test_clock_nanosleep(void)
{
	struct timespec d = ts_of(20 * MS);
	long long t0, t1, target;

	t0 = now(CLOCK_MONOTONIC);
	RET("clock_nanosleep(CLOCK_MONOTONIC) 20 ms",
	    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &d, NULL), 0);
	t1 = now(CLOCK_MONOTONIC);
	printf("# clock_nanosleep 20 ms took %lld us\n", (t1 - t0) / 1000);
	check(t1 - t0 >= 20 * MS, "clock_nanosleep 20 ms lasts at least 20 ms", (t1 - t0) / 1000,
	      20000);

	target = now(CLOCK_MONOTONIC) + 20 * MS;
	d = ts_of(target);
	RET("clock_nanosleep TIMER_ABSTIME 20 ms ahead",
	    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL), 0);
	t1 = now(CLOCK_MONOTONIC);
	check(t1 >= target, "TIMER_ABSTIME sleep ends at or after its deadline", t1 - target, 0);

	t0 = now(CLOCK_MONOTONIC);
	d = ts_of(t0 > NS ? t0 - NS : 0);
	RET("clock_nanosleep TIMER_ABSTIME in the past returns at once",
	    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL), 0);
	printf("# past deadline returned after %lld us\n", (now(CLOCK_MONOTONIC) - t0) / 1000);
	d = ts_of(now(CLOCK_REALTIME) - NS);
	RET("clock_nanosleep(CLOCK_REALTIME) TIMER_ABSTIME in the past",
	    syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &d, NULL), 0);

	d = ts_of(MS);
	ERR("clock_nanosleep on unknown clock 100 -> EINVAL",
	    syscall(SYS_clock_nanosleep, BAD_CLOCK, 0, &d, NULL), EINVAL);
	d.tv_nsec = NS;
	ERR("clock_nanosleep with tv_nsec = 1e9 -> EINVAL",
	    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &d, NULL), EINVAL);
}

int main(void)
{
	long long start, slept;

	setvbuf(stdout, NULL, _IOLBF, 0);
	start = now(CLOCK_MONOTONIC);
	test_realtime();
	test_monotonic();
	test_other_clocks();
	test_errors();
	test_getres();
	test_nanosleep();
	test_clock_nanosleep();
	slept = now(CLOCK_MONOTONIC) - start;
	check(slept >= 60 * MS, "monotonic time advanced by at least the 60 ms slept", slept / 1000,
	      60000);
	printf("%d checks, %d failed\n", checks, failed);
	return failed != 0;
}
