/* SPDX-License-Identifier: MIT */
/* Clocks and sleeping. CLOCK_REALTIME is the wall-clock time (the CMOS RTC
 * at boot under QEMU, the host's time under uhyve) plus the TSC since. */
#include <time.h>
#include <sys/time.h>
#include "clock.h"
#include "syscall.h"
#include "sched.h"

#define NSEC 1000000000ull

static long clock_now(uint64_t id, uint64_t *ns)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:
		*ns = clock_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = clock_uptime_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

static struct timespec to_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = ns / NSEC, .tv_nsec = ns % NSEC };
}

SYSCALL(clock_gettime)
{
	uint64_t ns;
	long r = clock_now(arg[0], &ns);
	struct timespec ts = to_ts(ns);

	return r ? r : copy_to_user(arg[1], &ts, sizeof(ts));
}

SYSCALL(clock_getres)
{
	uint64_t ns;
	struct timespec res = { 0, 1 };
	long r = clock_now(arg[0], &ns);

	if (r || !arg[1])
		return r;
	return copy_to_user(arg[1], &res, sizeof(res));
}

SYSCALL(gettimeofday)
{
	uint64_t ns = clock_realtime_ns();
	struct timeval tv = { .tv_sec = ns / NSEC, .tv_usec = ns % NSEC / 1000 };
	struct timezone tz = { 0, 0 };

	if (arg[0] && copy_to_user(arg[0], &tv, sizeof(tv)))
		return -EFAULT;
	if (arg[1] && copy_to_user(arg[1], &tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

SYSCALL(time)
{
	int64_t t = clock_realtime_ns() / NSEC;

	if (arg[0] && copy_to_user(arg[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}

/* Read and check a timespec from the app. */
static long get_ts(uint64_t uts, uint64_t *ns)
{
	struct timespec ts;

	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC)
		return -EINVAL;
	*ns = (uint64_t)ts.tv_sec >= UINT64_MAX / NSEC ? UINT64_MAX
						       : ts.tv_sec * NSEC + ts.tv_nsec;
	return 0;
}

/* Sleep until the clock `id` reaches `until` (ns): the thread blocks on
 * the timer queue and the CPU runs others or halts. */
static void sleep_until(uint64_t id, uint64_t until)
{
	uint64_t now = 0;

	clock_now(id, &now);
	if (until <= now)
		return;
	uint64_t mono = clock_uptime_ns(), d = until - now;
	sched_sleep_until(mono + d < mono ? UINT64_MAX : mono + d);
}

SYSCALL(nanosleep)
{
	uint64_t ns;
	long r = get_ts(arg[0], &ns);

	if (r)
		return r;
	sleep_until(CLOCK_MONOTONIC, clock_uptime_ns() + ns);
	return 0;
}

SYSCALL(clock_nanosleep)
{
	uint64_t ns, now;
	long r;

	if (arg[0] == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if ((r = clock_now(arg[0], &now)))
		return r;
	if ((r = get_ts(arg[2], &ns)))
		return r;
	if (!(arg[1] & TIMER_ABSTIME))
		ns = now + ns < now ? UINT64_MAX : now + ns;
	sleep_until(arg[0], ns);
	return 0;
}
