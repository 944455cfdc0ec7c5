/* SPDX-License-Identifier: MIT */
/* Long mode: the CPU check, the identity map and the way into the image. */
#include "loader.h"

enum {
	CPUID_EXT_MAX = 0x80000000u,
	CPUID_EXT_FEATURES = 0x80000001u,
	CPUID_EDX_NX = 1u << 20,
	CPUID_EDX_LM = 1u << 29,
	EFER_LME = 1u << 8,
	EFER_NXE = 1u << 11,
	PTE_PRESENT = 1u << 0,
	PTE_WRITE = 1u << 1,
	PTE_LARGE = 1u << 7, /* a 2 MiB page in a page directory */
	PT_ENTRIES = 512,
	PDS = 4, /* page directories: 4 x 1 GiB */
};

/* The identity map of the first 4 GiB; the kernel builds its own later. */
static uint64_t pml4[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t pdpt[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t pd[PDS][PT_ENTRIES] __attribute__((aligned(4096)));

static uint32_t efer_bits; /* what cpu_check() found the CPU can do */

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *d)
{
	uint32_t b, c;

	__asm__ volatile("cpuid" : "=a"(*a), "=b"(b), "=c"(c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* Refuse a CPU without long mode now, before anything is loaded. */
void cpu_check(void)
{
	uint32_t a, d;

	cpuid(CPUID_EXT_MAX, &a, &d);
	if (a >= CPUID_EXT_FEATURES)
		cpuid(CPUID_EXT_FEATURES, &a, &d);
	else
		d = 0;
	if (!(d & CPUID_EDX_LM))
		die("this CPU has no 64-bit long mode; hermit-c images need one");
	efer_bits = EFER_LME | (d & CPUID_EDX_NX ? EFER_NXE : 0);
}

/* Identity-map [0, 4 GiB) with 2 MiB pages; returns the PML4's address for CR3. */
static uint32_t paging_identity_4g(void)
{
	for (uint32_t i = 0; i < PDS; i++) {
		for (uint32_t j = 0; j < PT_ENTRIES; j++)
			pd[i][j] = ((uint64_t)i << 30 | (uint64_t)j << 21) | PTE_PRESENT |
				   PTE_WRITE | PTE_LARGE;
		pdpt[i] = (uintptr_t)pd[i] | PTE_PRESENT | PTE_WRITE;
	}
	pml4[0] = (uintptr_t)pdpt | PTE_PRESENT | PTE_WRITE;
	return (uintptr_t)pml4;
}

void cpu_enter_image(uint64_t entry, struct boot_info *bi)
{
	enter_long_mode(paging_identity_4g(), efer_bits, entry, (uintptr_t)bi);
}
