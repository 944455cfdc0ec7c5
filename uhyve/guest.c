/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM and what uhyve writes into it before the first instruction:
 * page tables identity-mapping all of RAM with 2 MiB pages, a GDT with a
 * 64-bit code segment, the image path and boot_info (layout in uhyve.h).
 *
 * guest_ptr() is the one checked translation from a guest-physical range
 * to a host pointer; every guest-supplied address goes through it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "uhyve.h"

#define PTE_P  0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

/* Host address of [gpa, gpa+len) in guest RAM, or NULL if any byte of it
 * lies outside (written so that no sum can overflow). */
void *guest_ptr(const struct guest *g, uint64_t gpa, uint64_t len)
{
	if (gpa > g->size || len > g->size - gpa)
		return NULL;
	return g->mem + gpa;
}

/* Reserve guest RAM: anonymous, lazily backed, never touched all at once. */
int guest_alloc(struct guest *g, uint64_t size, char *err)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		snprintf(err, ERRLEN, "guest memory: cannot map %llu MiB: %s",
			 (unsigned long long)(size / MIB), strerror(errno));
		return -1;
	}
	g->mem = p;
	g->size = size;
	return 0;
}

void guest_free(struct guest *g)
{
	if (g->mem)
		munmap(g->mem, g->size);
	g->mem = NULL;
	g->size = 0;
}

static void put64(struct guest *g, uint64_t gpa, uint64_t v)
{
	memcpy(guest_ptr(g, gpa, 8), &v, 8);
}

/* Identity-map [0, g->size) with 2 MiB pages, and write the GDT. */
void guest_setup_paging(struct guest *g)
{
	uint64_t gib = (g->size + (1ull << 30) - 1) >> 30;
	uint64_t i, a;

	put64(g, LAYOUT_PML4, LAYOUT_PDPT | PTE_P | PTE_RW);
	for (i = 0; i < gib; i++)
		put64(g, LAYOUT_PDPT + 8 * i, (LAYOUT_PD + 4096 * i) | PTE_P | PTE_RW);
	for (a = 0; a < g->size; a += PAGE_2M)
		put64(g, LAYOUT_PD + 8 * (a / PAGE_2M), a | PTE_P | PTE_RW | PTE_PS);

	/* null, 64-bit code (L=1, DPL 0), data; loaded into the segment
	 * registers directly by vm_boot_cpu(). */
	put64(g, LAYOUT_GDT, 0);
	put64(g, LAYOUT_GDT + GDT_CODE, 0x00af9b000000ffffull);
	put64(g, LAYOUT_GDT + GDT_DATA, 0x00cf93000000ffffull);
}

/* Copy the image path (the app's argv[0]) to LAYOUT_ARGV0. */
int guest_set_argv0(struct guest *g, const char *path, char *err)
{
	size_t n = strlen(path) + 1;

	if (n > LAYOUT_ARGV0_MAX) {
		snprintf(err, ERRLEN, "image path longer than %llu bytes",
			 (unsigned long long)LAYOUT_ARGV0_MAX - 1);
		return -1;
	}
	memcpy(guest_ptr(g, LAYOUT_ARGV0, n), path, n);
	return 0;
}

void guest_write_boot_info(struct guest *g, const struct boot_info *bi)
{
	memcpy(guest_ptr(g, LAYOUT_BOOT_INFO, sizeof(*bi)), bi, sizeof(*bi));
}
