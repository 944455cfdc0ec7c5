/* SPDX-License-Identifier: MIT */
/* Bringing up the other CPUs (feature `smp`). */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

void smp_init(void);

#endif
