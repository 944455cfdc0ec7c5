/* SPDX-License-Identifier: MIT */
/*
 * Output without printf for the no-float guest programs: musl's vfprintf
 * uses SSE registers (pxor) even for integer formats, which a KVM that
 * emulates instructions cannot run, so these programs print with fputs.
 */
#ifndef NOFLOAT_PUT_H
#define NOFLOAT_PUT_H

#include <stdio.h>

static inline void put_long(long v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	fputs(p, stdout);
}

/* Writes a, then the number n, then b. */
static inline void put3(const char *a, long n, const char *b)
{
	fputs(a, stdout);
	put_long(n);
	fputs(b, stdout);
}

#endif
