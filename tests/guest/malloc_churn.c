/*
 * malloc_churn: 100 MiB of malloc and free in sizes from 16 B to 1 MiB, with
 * every block filled and checked, and then a leak check: after a warm-up run
 * of the same sequence, sysinfo's freeram must come back to its value within
 * 64 KiB once everything is freed again. The two runs are identical (same
 * seed), so a kernel that gives back what it is given ends where it began.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysinfo.h>

#define TOTAL	  (100L << 20) /* bytes allocated per run */
#define SLOTS	  64
#define MIN_SHIFT 4  /* 16 B */
#define MAX_SHIFT 20 /* 1 MiB */
#define SLACK	  (64L << 10)
#define SEED	  0x2545f4914f6cdd1dULL

struct block {
	uint64_t *p;
	size_t words;
	uint64_t tag;
};

static struct block slot[SLOTS];
static uint64_t rng;
static int checks, failed;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* size: 2^k + a random part below 2^k, k uniform: small sizes are common. */
static size_t size(void)
{
	int k = MIN_SHIFT + rnd() % (MAX_SHIFT - MIN_SHIFT);

	return ((size_t)1 << k) + rnd() % ((size_t)1 << k);
}

static uint64_t pattern(uint64_t tag, size_t i)
{
	return tag ^ (i * 0x9e3779b97f4a7c15ULL);
}

/* put: allocates a new block for B and fills it; its size in bytes, or 0. */
static size_t put(struct block *b)
{
	size_t n = size();

	b->words = n / 8;
	b->tag = rnd();
	b->p = malloc(n);
	if (!b->p) {
		printf("# malloc(%zu) failed\n", n);
		return 0;
	}
	for (size_t i = 0; i < b->words; i++)
		b->p[i] = pattern(b->tag, i);
	return n;
}

/* drop: checks B's block and frees it; the number of bad words. */
static long drop(struct block *b)
{
	long bad = 0;

	for (size_t i = 0; i < b->words; i++)
		bad += b->p[i] != pattern(b->tag, i);
	free(b->p);
	b->p = NULL;
	return bad;
}

/* run: one churn of TOTAL bytes, then all freed; bad words + failed mallocs. */
static long run(long *allocs)
{
	long bytes = 0, bad = 0;

	rng = SEED;
	*allocs = 0;
	while (bytes < TOTAL) {
		struct block *b = &slot[rnd() % SLOTS];
		size_t n;

		if (b->p)
			bad += drop(b);
		n = put(b);
		bad += n == 0;
		bytes += n ? (long)n : (long)b->words * 8;
		++*allocs;
	}
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].p)
			bad += drop(&slot[i]);
	return bad;
}

static unsigned long freeram(void)
{
	struct sysinfo si;

	if (sysinfo(&si) != 0)
		return 0;
	return si.freeram * si.mem_unit;
}

static void check(int cond, const char *what, long got, long expected)
{
	checks++;
	if (cond) {
		printf("ok - %s\n", what);
		return;
	}
	failed++;
	printf("not ok - %s: got %ld, expected %ld\n", what, got, expected);
}

int main(void)
{
	unsigned long before, after;
	long allocs, bad, diff;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bad = run(&allocs);
	check(bad == 0, "warm-up run: every block kept its content", bad, 0);
	before = freeram();
	bad = run(&allocs);
	after = freeram();
	printf("# %ld allocations, %ld MiB in total\n", allocs, TOTAL >> 20);
	check(bad == 0, "100 MiB churn: every block kept its content", bad, 0);
	diff = (long)(after - before);
	printf("# freeram after warm-up %lu, after churn %lu, difference %ld\n", before, after,
	       diff);
	check(before > 0, "sysinfo reports freeram", before, 1);
	check(diff <= SLACK && diff >= -SLACK, "freeram is back to its value (within 64 KiB)", diff,
	      0);
	printf("%d checks, %d failed\n", checks, failed);
	return failed != 0;
}
