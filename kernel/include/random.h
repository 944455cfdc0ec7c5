/* SPDX-License-Identifier: MIT */
/* Random bytes: RDRAND when the CPU has it, else
 * a xoshiro256** generator seeded from the TSC and the RTC. The fallback is
 * not cryptographically strong; the boot log says which one is in use. */
#ifndef KERNEL_RANDOM_H
#define KERNEL_RANDOM_H

#include <stddef.h>

void random_init(void);
void random_fill(void *buf, size_t len);

#endif
