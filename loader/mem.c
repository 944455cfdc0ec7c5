/* SPDX-License-Identifier: MIT */
/* Physical memory: the firmware's map, free space in it, the loader's own. */
#include "loader.h"
#include "multiboot.h"

/* From loader.ld: the loader's first byte and the end of its BSS. */
extern char __loader_start[], __loader_end[];

uint64_t loader_start(void)
{
	return (uintptr_t)__loader_start;
}

/* Page tables, boot_info, strings and stack all live in the BSS. */
uint64_t loader_end(void)
{
	return align_up((uintptr_t)__loader_end, PAGE_SIZE);
}

static uint32_t mem_type(uint32_t mb_type)
{
	switch (mb_type) {
	case MB_MEM_AVAILABLE:
		return HERMIT_MEM_USABLE;
	case MB_MEM_ACPI:
		return HERMIT_MEM_ACPI;
	case MB_MEM_NVS:
		return HERMIT_MEM_NVS;
	default:
		return HERMIT_MEM_RESERVED;
	}
}

static void mem_add(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	struct hermit_mem_region *r;

	if (len == 0)
		return;
	if (bi->mem_count == HERMIT_MEM_REGIONS_MAX) {
		lprintf("hermit-loader: memory map too long, region 0x%llx-0x%llx dropped\n",
			(unsigned long long)base, (unsigned long long)(base + len));
		return;
	}
	r = &bi->mem[bi->mem_count++];
	r->base = base;
	r->len = len;
	r->type = type;
}

/*
 * Copy the multiboot memory map into boot_info, or build one from the
 * lower/upper memory sizes when the boot loader gave no map.
 */
void mem_read_map(const struct multiboot_info *mbi, struct boot_info *bi)
{
	const struct multiboot_mmap *e;
	uint32_t at, end;

	if (mbi->flags & MBI_MMAP) {
		at = mbi->mmap_addr;
		end = at + mbi->mmap_length;
		for (; at + sizeof(*e) <= end; at += e->size + sizeof(e->size)) {
			e = ptr(at);
			if (e->size < sizeof(*e) - sizeof(e->size))
				break; /* a broken entry: the rest cannot be found */
			mem_add(bi, e->base, e->len, mem_type(e->type));
		}
	} else if (mbi->flags & MBI_MEM) {
		mem_add(bi, 0, (uint64_t)mbi->mem_lower << 10, HERMIT_MEM_USABLE);
		mem_add(bi, 1 << 20, (uint64_t)mbi->mem_upper << 10, HERMIT_MEM_USABLE);
	}
	if (bi->mem_count == 0)
		die("the boot loader gave no memory map");
}

/* The usable region that holds pa, NULL if none does. */
static const struct hermit_mem_region *usable_at(const struct boot_info *bi, uint64_t pa)
{
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct hermit_mem_region *r = &bi->mem[i];

		if (r->type == HERMIT_MEM_USABLE && pa >= r->base && pa - r->base < r->len)
			return r;
	}
	return NULL;
}

/* [base, base + len) is usable RAM below 4 GiB (adjacent regions may share it). */
int mem_usable(const struct boot_info *bi, uint64_t base, uint64_t len)
{
	const struct hermit_mem_region *r;
	uint64_t end = base + len;

	if (end < base || end > FOUR_GIB)
		return 0;
	while (base < end) {
		r = usable_at(bi, base);
		if (!r)
			return 0;
		base = r->base + r->len;
	}
	return 1;
}

/* The lowest page at or above `above` starting len bytes of usable RAM, 0: none. */
uint64_t mem_find_free(const struct boot_info *bi, uint64_t above, uint64_t len)
{
	uint64_t best = 0, pa;

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct hermit_mem_region *r = &bi->mem[i];

		if (r->type != HERMIT_MEM_USABLE)
			continue;
		pa = align_up(max64(r->base, above), PAGE_SIZE);
		if ((best == 0 || pa < best) && mem_usable(bi, pa, len))
			best = pa;
	}
	return best;
}
