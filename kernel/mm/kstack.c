/* SPDX-License-Identifier: MIT */
/*
 * Kernel stacks for threads and CPUs: slots in their own virtual region,
 * each a guard page and KSTACK_SIZE of mapped frames. Freed stacks are kept
 * mapped in a small cache, so that thread churn costs no TLB shoot-downs.
 */
#include "log.h"
#include "mm.h"

#define SLOT (PAGE_SIZE + KSTACK_SIZE)
#define CACHE 64

static struct spinlock lock;
static uint64_t next_slot;
static uint64_t cache[CACHE]; /* tops of freed, still mapped stacks */
static unsigned ncached;
static uint64_t *free_slots; /* unmapped slots to reuse */
static unsigned nfree, free_cap;

static uint64_t slot_base(uint64_t top)
{
	return top - SLOT;
}

/* Map a slot's stack pages; returns its top, or 0 when memory is out. */
static uint64_t map_slot(uint64_t base)
{
	for (uint64_t va = base + PAGE_SIZE; va < base + SLOT; va += PAGE_SIZE) {
		uint64_t f = frame_alloc();
		if (!f || paging_map(va, f, PTE_W | PTE_NX)) {
			if (f)
				frame_free(f);
			for (uint64_t v = base + PAGE_SIZE; v < va; v += PAGE_SIZE)
				frame_free(paging_unmap(v));
			return 0;
		}
	}
	return base + SLOT;
}

uint64_t kstack_alloc(void)
{
	uint64_t base, top;

	spin_lock(&lock);
	if (ncached) {
		top = cache[--ncached];
		spin_unlock(&lock);
		return top;
	}
	if (nfree)
		base = free_slots[--nfree];
	else if ((next_slot + 1) * SLOT <= VM_KSTACK_SIZE)
		base = VM_KSTACK_BASE + next_slot++ * SLOT;
	else
		base = 0;
	top = base ? map_slot(base) : 0;
	if (base && !top) {
		if (nfree < free_cap)
			free_slots[nfree++] = base;
	}
	spin_unlock(&lock);
	return top;
}

void kstack_free(uint64_t top)
{
	uint64_t base = slot_base(top);

	spin_lock(&lock);
	if (ncached < CACHE) {
		cache[ncached++] = top;
		spin_unlock(&lock);
		return;
	}
	if (nfree == free_cap) {
		unsigned ncap = free_cap ? free_cap * 2 : 256;
		uint64_t *n = kmalloc(ncap * sizeof(*n));
		if (!n) { /* keep the slot mapped rather than lose track of it */
			spin_unlock(&lock);
			return;
		}
		if (free_slots) {
			kmemcpy(n, free_slots, nfree * sizeof(*n));
			kfree(free_slots);
		}
		free_slots = n;
		free_cap = ncap;
	}
	uint64_t frames[KSTACK_SIZE / PAGE_SIZE];
	for (uint64_t i = 0; i < KSTACK_SIZE / PAGE_SIZE; i++)
		frames[i] = paging_unmap(base + PAGE_SIZE + i * PAGE_SIZE);
	tlb_shootdown();
	for (uint64_t i = 0; i < KSTACK_SIZE / PAGE_SIZE; i++)
		frame_free(frames[i]);
	free_slots[nfree++] = base;
	spin_unlock(&lock);
}

bool kstack_in_guard(uint64_t addr)
{
	return addr >= VM_KSTACK_BASE && addr < VM_KSTACK_BASE + VM_KSTACK_SIZE &&
	       (addr - VM_KSTACK_BASE) % SLOT < PAGE_SIZE;
}
