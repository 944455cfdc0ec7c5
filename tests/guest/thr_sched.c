/*
 * thr_sched: scheduling. sysconf(_SC_NPROCESSORS_ONLN/_CONF) equal the CPU
 * count given on the command line; sched_getaffinity shows those CPUs;
 * sched_setaffinity pins a thread (to CPU 0, then to the last CPU) and
 * sched_getcpu/getcpu say so every time; bad masks are EINVAL. Then
 * fairness: one spinner per CPU loops on a volatile flag without a system
 * call, while other threads still sleep, compute and finish, and the main
 * thread stops the spinners. membarrier, while the spinners spin: QUERY,
 * EPERM for PRIVATE_EXPEDITED before REGISTER_PRIVATE_EXPEDITED, 0 after,
 * EINVAL for bad commands and flags.
 * usage: thr_sched CPUS
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr.h"

#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>

#define PIN_ROUNDS 50
#define WORKERS	   3
#define WORK_STEPS 20

static int ncpu;

static void counts(void)
{
	cpu_set_t set;

	EQ(sysconf(_SC_NPROCESSORS_ONLN), ncpu, "sysconf(_SC_NPROCESSORS_ONLN)");
	EQ(sysconf(_SC_NPROCESSORS_CONF), ncpu, "sysconf(_SC_NPROCESSORS_CONF)");
	CPU_ZERO(&set);
	EQ(sched_getaffinity(0, sizeof(set), &set), 0, "sched_getaffinity");
	EQ(CPU_COUNT(&set), ncpu, "the affinity mask has every CPU");
	EQ(ncpu > 0 && CPU_ISSET(0, &set) && CPU_ISSET(ncpu - 1, &set), 1,
	   "... CPU 0 and CPU %d among them", ncpu - 1);
	/* The raw call returns the size of the kernel's mask in bytes. */
	long r = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);

	check(r > 0 && r <= (long)sizeof(set) && r % 8 == 0, r, 8,
	      "raw sched_getaffinity returns the mask's size (a multiple of 8)");
}

/* on_cpu: every one of ROUNDS checks (with yields and sleeps in between)
 * finds this thread on CPU WANT, by sched_getcpu and by the getcpu call. */
static int on_cpu(int want)
{
	int good = 0;

	for (int i = 0; i < PIN_ROUNDS; i++) {
		unsigned cpu = 99, node = 99;

		if (i % 5 == 4)
			sleep_us(200);
		else
			sched_yield();
		good += sched_getcpu() == want && syscall(SYS_getcpu, &cpu, &node, NULL) == 0 &&
			cpu == (unsigned)want && node == 0;
	}
	return good;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void *pinned_last(void *arg)
{
	(void)arg;
	if (pin(ncpu - 1) != 0)
		return (void *)-1L;
	return (void *)(intptr_t)on_cpu(ncpu - 1);
}

static void affinity(void)
{
	cpu_set_t all, set, got;

	sched_getaffinity(0, sizeof(all), &all);
	EQ(pin(0), 0, "sched_setaffinity to CPU 0");
	CPU_ZERO(&got);
	sched_getaffinity(0, sizeof(got), &got);
	EQ(CPU_COUNT(&got) == 1 && CPU_ISSET(0, &got), 1, "sched_getaffinity shows only CPU 0");
	EQ(on_cpu(0), PIN_ROUNDS, "pinned to CPU 0: sched_getcpu and getcpu say 0, %d times",
	   PIN_ROUNDS);
	EQ((intptr_t)join(spawn(pinned_last, NULL)), PIN_ROUNDS,
	   "a thread pinned to CPU %d stays there, %d times", ncpu - 1, PIN_ROUNDS);

	CPU_ZERO(&set);
	errno = 0;
	EQ(sched_setaffinity(0, sizeof(set), &set) == -1 && errno == EINVAL, 1,
	   "sched_setaffinity to an empty mask is EINVAL");
	CPU_ZERO(&set);
	CPU_SET(CPU_SETSIZE - 1, &set);
	errno = 0;
	EQ(sched_setaffinity(0, sizeof(set), &set) == -1 && errno == EINVAL, 1,
	   "sched_setaffinity to only CPU %d (absent) is EINVAL", CPU_SETSIZE - 1);
	EQ(sched_setaffinity(0, sizeof(all), &all), 0, "sched_setaffinity back to all CPUs");
	EQ(sysconf(_SC_NPROCESSORS_ONLN), ncpu, "sysconf(_SC_NPROCESSORS_ONLN) unchanged");
	EQ(sched_yield(), 0, "sched_yield returns 0");
}

/* Fairness: spinners that never enter the kernel against workers. */
static volatile int stop;
static long spins[64];

static void *spinner(void *arg)
{
	long n = 0;

	while (!stop)
		n++;
	spins[(intptr_t)arg] = n;
	return NULL;
}

/* collatz: steps of the Collatz sequence from every start below N. */
static long collatz(long n)
{
	long steps = 0;

	for (long s = 1; s < n; s++)
		for (uint64_t x = s; x != 1; steps++)
			x = x & 1 ? 3 * x + 1 : x / 2;
	return steps;
}

static void *worker(void *arg)
{
	long sum = 0;

	(void)arg;
	for (int i = 0; i < WORK_STEPS; i++) {
		sleep_us(1000);
		sched_yield();
		sum += collatz(300);
	}
	return (void *)sum;
}

/* mb: the raw membarrier call (musl's wrapper emulates a failed
 * PRIVATE_EXPEDITED with signals). */
static long mb(int cmd, int flags)
{
	return syscall(SYS_membarrier, cmd, flags);
}

#define MB_QUERY	     0
#define MB_GLOBAL	     1
#define MB_PRIVATE_EXPEDITED 8
#define MB_REGISTER_PRIVATE  16

static void membarriers(void)
{
	long q = mb(MB_QUERY, 0);

	check(q > 0 && (q & MB_PRIVATE_EXPEDITED) && (q & MB_REGISTER_PRIVATE), q,
	      MB_PRIVATE_EXPEDITED | MB_REGISTER_PRIVATE,
	      "membarrier QUERY lists PRIVATE_EXPEDITED and its REGISTER");
	errno = 0;
	EQ(mb(MB_PRIVATE_EXPEDITED, 0) == -1 ? errno : 0, EPERM,
	   "membarrier PRIVATE_EXPEDITED before REGISTER is EPERM");
	EQ(mb(MB_REGISTER_PRIVATE, 0), 0, "membarrier REGISTER_PRIVATE_EXPEDITED");
	EQ(mb(MB_PRIVATE_EXPEDITED, 0), 0, "membarrier PRIVATE_EXPEDITED beside the spinners");
	if (q > 0 && (q & MB_GLOBAL))
		EQ(mb(MB_GLOBAL, 0), 0, "membarrier GLOBAL, which QUERY lists");
	errno = 0;
	EQ(mb(1 << 20, 0) == -1 ? errno : 0, EINVAL,
	   "membarrier with an unknown command is EINVAL");
	errno = 0;
	EQ(mb(MB_QUERY, 1) == -1 ? errno : 0, EINVAL, "membarrier QUERY with flags is EINVAL");
}

static void fairness(void)
{
	int nspin = ncpu < 64 ? ncpu : 64, good = 0;
	pthread_t s[64], w[WORKERS];
	long want = WORK_STEPS * collatz(300), t0;

	t0 = mono_ns();
	for (intptr_t i = 0; i < nspin; i++)
		s[i] = spawn(spinner, (void *)i);
	for (int i = 0; i < WORKERS; i++)
		w[i] = spawn(worker, NULL);
	for (int i = 0; i < WORKERS; i++)
		good += (intptr_t)join(w[i]) == want;
	EQ(good, WORKERS, "%d workers finished beside %d spinners", WORKERS, nspin);
	EQ(stop, 0, "the spinners were still spinning");
	info("workers took %lld ms", (mono_ns() - t0) / 1000000);
	membarriers();
	stop = 1;
	for (int i = 0; i < nspin; i++)
		join(s[i]);
	good = 0;
	for (int i = 0; i < nspin; i++)
		good += spins[i] > 0;
	EQ(good, nspin, "the main thread stopped all %d spinners, which had run", nspin);
}

int main(int argc, char **argv)
{
	if (argc < 2 || atoi(argv[1]) < 1) {
		fputs("usage: thr_sched CPUS\n", stderr);
		return 2;
	}
	ncpu = atoi(argv[1]);
	start();
	info("%d CPUs expected", ncpu);
	counts();
	affinity();
	fairness();
	return finish();
}
