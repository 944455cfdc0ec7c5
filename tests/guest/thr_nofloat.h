/*
 * thr_nofloat.h: result lines for the integer-only thread programs
 * (thr_nofloat_*.c), written with write() alone: musl's printf and stdio
 * buffers use SSE, which a KVM that emulates instructions cannot run, so
 * these programs can run on uhyve there. Same line format as thr.h:
 * "ok - ...", "not ok - ...: got X, expected Y", "N checks, M failed".
 */
#ifndef THR_NOFLOAT_H
#define THR_NOFLOAT_H

#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int checks, failed;

/* A line is built in a buffer and written at once, so that lines from
 * different threads do not interleave. */
struct line {
	char buf[200];
	unsigned len;
};

static inline void add(struct line *l, const char *s)
{
	while (*s && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = *s++;
}

static inline void add_num(struct line *l, long v)
{
	char d[24], *p = d + sizeof(d);
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	add(l, p);
}

static inline void emit(struct line *l)
{
	add(l, "\n");
	if (write(1, l->buf, l->len) < 0)
		l->len = 0;
}

/* check_eq: "ok - WHAT" when GOT == EXPECTED, else the "not ok" line. */
static inline void check_eq(long got, long expected, const char *what)
{
	struct line l = {.len = 0};

	checks++;
	if (got == expected) {
		add(&l, "ok - ");
		add(&l, what);
	} else {
		failed++;
		add(&l, "not ok - ");
		add(&l, what);
		add(&l, ": got ");
		add_num(&l, got);
		add(&l, ", expected ");
		add_num(&l, expected);
	}
	emit(&l);
}

/* note: an information line "# TEXT N". */
static inline void note(const char *text, long n)
{
	struct line l = {.len = 0};

	add(&l, "# ");
	add(&l, text);
	add(&l, " ");
	add_num(&l, n);
	emit(&l);
}

static inline int finish(void)
{
	struct line l = {.len = 0};

	add_num(&l, checks);
	add(&l, " checks, ");
	add_num(&l, failed);
	add(&l, " failed");
	emit(&l);
	return failed != 0;
}

static inline void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

#endif
