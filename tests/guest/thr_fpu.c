/*
 * thr_fpu: floating-point state belongs to its thread. Threads run long
 * loops of SSE double arithmetic that keep their values in registers (so
 * a preemption lands in the middle of them) and check exact results;
 * threads with different rounding modes (MXCSR and the x87 control word,
 * through fesetround) keep their own across yields and sleeps. Uses
 * floating point on purpose: not for uhyve on a KVM that emulates.
 * usage: thr_fpu [threads]   (default 4)
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr.h"

#include <fenv.h>
#include <stdint.h>

#define MAXT	 16
#define LOOP	 500000L
#define ROUNDS	 2
#define SWITCHES 200

static int nthreads = 4;

/* sum_multiples: K*(0 + 1 + ... + N-1) in doubles, exact below 2^53. */
static double sum_multiples(double k, long n)
{
	double s = 0, x = 0;

	for (long i = 0; i < n; i++) {
		s += x;
		x += k;
	}
	return s;
}

static void *arith(void *arg)
{
	long k = (intptr_t)arg + 1, bad = 0;
	double want = (double)k * ((double)LOOP * (LOOP - 1) / 2);

	for (int r = 0; r < ROUNDS; r++)
		bad += sum_multiples((double)k, LOOP) != want;
	return (void *)bad;
}

static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};

/* Read at run time, so that the divisions below are not folded. */
static volatile double one = 1.0;
static volatile long double one_x87 = 1.0L;

/* third: 1/3 in the current rounding mode (SSE), as its bits. */
static __attribute__((noinline)) uint64_t third(void)
{
	union {
		double d;
		uint64_t u;
	} v = {.d = one / 3.0};

	return v.u;
}

/* third_x87: 1/3 in the current rounding mode, by the x87 unit. */
static __attribute__((noinline)) long double third_x87(void)
{
	return one_x87 / 3.0L;
}

static void *rounding(void *arg)
{
	int mode = modes[(intptr_t)arg % 4];
	long bad = 0;
	uint64_t want;
	long double want_x87;

	fesetround(mode);
	want = third();
	want_x87 = third_x87();
	for (int i = 0; i < SWITCHES; i++) {
		if (i % 4 == 3)
			sleep_us(100);
		else
			sched_yield();
		bad += fegetround() != mode;
		bad += third() != want;
		bad += third_x87() != want_x87;
	}
	return (void *)bad;
}

int main(int argc, char **argv)
{
	pthread_t t[MAXT];
	long bad = 0;
	uint64_t up, down;

	if (argc > 1)
		nthreads = atoi(argv[1]);
	if (nthreads < 2 || nthreads > MAXT)
		nthreads = 4;
	start();
	fesetround(FE_UPWARD);
	up = third();
	fesetround(FE_DOWNWARD);
	down = third();
	fesetround(FE_TONEAREST);
	EQ(up != down, 1, "rounding modes change 1/3 (a premise of this test)");

	for (intptr_t i = 0; i < nthreads; i++)
		t[i] = spawn(arith, (void *)i);
	for (int i = 0; i < nthreads; i++)
		bad += (intptr_t)join(t[i]);
	EQ(bad, 0, "%d threads x %d loops of %ld SSE additions: exact results", nthreads, ROUNDS,
	   LOOP);

	bad = 0;
	for (intptr_t i = 0; i < nthreads; i++)
		t[i] = spawn(rounding, (void *)i);
	for (int i = 0; i < nthreads; i++)
		bad += (intptr_t)join(t[i]);
	EQ(bad, 0, "%d threads keep their own rounding mode (MXCSR, x87) across %d switches",
	   nthreads, SWITCHES);
	EQ(fegetround(), FE_TONEAREST, "the main thread's rounding mode is its own");
	return finish();
}
