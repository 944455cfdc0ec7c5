/* SPDX-License-Identifier: MIT */
/* Guest RAM for host unit tests: size bytes between two PROT_NONE guard
 * pages, so a check that reads past either end faults under test. */
#ifndef UHYVE_TEST_FAKE_GUEST_H
#define UHYVE_TEST_FAKE_GUEST_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "uhyve.h"

static inline void fake_guest(struct guest *g, uint64_t size)
{
	const uint64_t page = 4096;
	uint8_t *p = mmap(NULL, size + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + page, size, PROT_READ | PROT_WRITE) < 0) {
		perror("fake guest");
		exit(2);
	}
	g->mem = p + page;
	g->size = size;
}

#endif
