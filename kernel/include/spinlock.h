/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks. Kernel code runs with interrupts off (system calls mask IF on
 * entry, interrupt gates clear it), so a lock never needs to disable them;
 * the one rule is that a CPU spinning for a lock keeps answering TLB
 * shoot-downs, or the holder could wait for it forever.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	volatile uint32_t locked;
};

#define SPINLOCK_INIT { 0 }

void tlb_poll(void);

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (l->locked) {
			__asm__ volatile("pause");
			tlb_poll();
		}
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
