/* SPDX-License-Identifier: MIT */
/*
 * The kernel's page tables, replacing the boot path's. Physical memory is
 * identity-mapped with 2 MiB pages, NX, uncached where the memory map has
 * no RAM; the first 2 MiB and the image use 4 KiB pages so that page 0 can
 * stay unmapped (NULL faults), text can be read-only and executable, data
 * NX, and every registered stack can have its guard page unmapped.
 */
#include <elf.h>
#include "cpu.h"
#include "log.h"
#include "mm.h"

#define ENTRIES 512
#define MiB2 (2ull << 20)

extern const Elf64_Ehdr __ehdr_start;
static uint64_t *pml4;

static uint64_t *table_at(uint64_t entry)
{
	return (uint64_t *)(entry & PTE_ADDR);
}

/* The entry that maps va at the given level (3 = PML4 ... 0 = PT),
 * creating tables on the way when create is set. */
static uint64_t *walk(uint64_t va, int level, bool create)
{
	uint64_t *t = pml4;

	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * l)) & 511];
		if (!(*e & PTE_P)) {
			uint64_t f;
			if (!create || !(f = frame_alloc()))
				return NULL;
			*e = f | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			return NULL;
		}
		t = table_at(*e);
	}
	return &t[(va >> (12 + 9 * level)) & 511];
}

int paging_map(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte = walk(va, 0, true);

	if (!pte)
		return -1;
	*pte = pa | flags | PTE_P;
	invlpg(va);
	return 0;
}

uint64_t paging_unmap(uint64_t va)
{
	uint64_t *pte = walk(va, 0, false), pa;

	if (!pte || !(*pte & PTE_P))
		return 0;
	pa = *pte & PTE_ADDR;
	*pte = 0;
	invlpg(va);
	return pa;
}

int paging_protect(uint64_t va, uint64_t flags)
{
	uint64_t *pte = paging_pte(va);

	if (!pte)
		return -1;
	*pte = (*pte & PTE_ADDR) | flags | PTE_P;
	invlpg(va);
	return 0;
}

uint64_t *paging_entry(uint64_t va, bool create)
{
	return walk(va, 0, create);
}

void paging_flush(uint64_t va)
{
	invlpg(va);
}

uint64_t *paging_pte(uint64_t va)
{
	uint64_t *pte = walk(va, 0, false);

	return pte && (*pte & PTE_P) ? pte : NULL;
}

/* Is every byte of [va, va+len) mapped (and writable if asked)? Handles
 * 2 MiB pages; used to check pointers before the kernel follows them. */
bool paging_mapped(uint64_t va, size_t len, bool write)
{
	uint64_t end = va + len;

	if (end < va)
		return false;
	for (uint64_t p = ALIGN_DOWN(va, PAGE_SIZE); p < end;) {
		uint64_t *pd = walk(p, 1, false), *pte;
		if (!pd || !(*pd & PTE_P))
			return false;
		if (*pd & PTE_PS) {
			if (write && !(*pd & PTE_W))
				return false;
			p = ALIGN_DOWN(p, MiB2) + MiB2;
			continue;
		}
		pte = paging_pte(p);
		if (!pte || (write && !(*pte & PTE_W)))
			return false;
		p += PAGE_SIZE;
	}
	return true;
}

static bool is_ram(const struct boot_info *bi, uint64_t base, uint64_t len)
{
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct hermit_mem_region *r = &bi->mem[i];
		if (r->type != HERMIT_MEM_RESERVED && base < r->base + r->len &&
		    r->base < base + len)
			return true;
	}
	return false;
}

/* The permissions of the image's segment holding va (4 KiB granular). */
static uint64_t image_flags(uint64_t va)
{
	const Elf64_Phdr *ph = (const void *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);

	for (int i = 0; i < __ehdr_start.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (va >= ALIGN_DOWN(ph[i].p_vaddr, PAGE_SIZE) &&
		    va < ALIGN_UP(ph[i].p_vaddr + ph[i].p_memsz, PAGE_SIZE))
			return (ph[i].p_flags & PF_W ? PTE_W : 0) | (ph[i].p_flags & PF_X ? 0 : PTE_NX);
	}
	return PTE_W | PTE_NX; /* page-table padding between segments */
}

static void map_4k_range(const struct boot_info *bi, uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t f;
		if (va == 0)
			continue;
		if (va >= bi->image_start && va < bi->image_end)
			f = image_flags(va);
		else
			f = PTE_W | PTE_NX;
		if (paging_map(va, va, f))
			panic("paging: out of memory for page tables");
	}
}

void paging_init(const struct boot_info *bi)
{
	uint64_t top = MAX(ALIGN_UP(phys_top(), MiB2), 4ull << 30);
	uint64_t img0 = ALIGN_DOWN(bi->image_start, MiB2), img1 = ALIGN_UP(bi->image_end, MiB2);
	const struct stack_desc *s;

	pml4 = (uint64_t *)frame_alloc();
	if (!pml4)
		panic("paging: no memory for the PML4");
	for (uint64_t va = 0; va < top; va += MiB2) {
		uint64_t *pde;
		if (va == 0 || (va >= img0 && va < img1)) {
			map_4k_range(bi, va, va + MiB2);
			continue;
		}
		pde = walk(va, 1, true);
		if (!pde)
			panic("paging: out of memory for page tables");
		*pde = va | PTE_P | PTE_W | PTE_PS | PTE_NX |
		       (is_ram(bi, va, MiB2) ? 0 : PTE_PCD | PTE_PWT);
	}
	for (size_t i = 0; (s = stack_at(i)); i++)
		for (uint64_t g = s->guard; g < s->base; g += PAGE_SIZE)
			paging_unmap(g);
	write_cr3((uint64_t)pml4);
	write_cr0(read_cr0() | CR0_WP); /* ring 0 must honour read-only pages */
	pr_debug("paging: identity map up to %lu MiB, image %p-%p", (unsigned long)(top >> 20),
		 (void *)bi->image_start, (void *)bi->image_end);
}
