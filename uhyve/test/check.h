/* SPDX-License-Identifier: MIT */
/* A minimal check harness for uhyve's host unit tests: CHECK() counts and
 * reports failures; check_done() prints the tally and gives the exit code. */
#ifndef UHYVE_TEST_CHECK_H
#define UHYVE_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int checks, check_failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		checks++;                                                                          \
		if (!(cond)) {                                                                     \
			check_failures++;                                                          \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                     \
		}                                                                                  \
	} while (0)

/* The string s contains sub. */
#define CONTAINS(s, sub) (strstr((s), (sub)) != NULL)

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, checks, check_failures);
	return check_failures ? 1 : 0;
}

/* xorshift64*: a fixed-seed generator, so fuzz failures reproduce. */
static unsigned long long check_rng = 0x9e3779b97f4a7c15ull;

static inline unsigned long long check_rand(void)
{
	check_rng ^= check_rng >> 12;
	check_rng ^= check_rng << 25;
	check_rng ^= check_rng >> 27;
	return check_rng * 2685821657736338717ull;
}

#endif
