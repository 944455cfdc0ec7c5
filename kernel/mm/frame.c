/* SPDX-License-Identifier: MIT */
/*
 * Physical frames: one bit per 4 KiB frame (1 = free), placed in the first
 * usable memory above the image. Only the bitmap is touched at boot; frames
 * themselves are touched when first handed out.
 */
#include "log.h"
#include "mm.h"

static struct spinlock lock;
static uint64_t *bitmap;
static uint64_t nframes, nfree, ntotal, hint;

static void set_free(uint64_t pfn)
{
	bitmap[pfn / 64] |= 1ull << (pfn % 64);
}

static void set_used(uint64_t pfn)
{
	bitmap[pfn / 64] &= ~(1ull << (pfn % 64));
}

static bool is_free(uint64_t pfn)
{
	return bitmap[pfn / 64] >> (pfn % 64) & 1;
}

/* Mark [base, base+len) used: the boot path and the image live there. */
static void reserve(uint64_t base, uint64_t len)
{
	for (uint64_t p = base / PAGE_SIZE; p < ALIGN_UP(base + len, PAGE_SIZE) / PAGE_SIZE; p++) {
		if (p < nframes && is_free(p)) {
			set_used(p);
			nfree--;
		}
	}
}

static uint64_t usable_top(const struct boot_info *bi)
{
	uint64_t top = 0;

	for (uint32_t i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == HERMIT_MEM_USABLE)
			top = MAX(top, bi->mem[i].base + bi->mem[i].len);
	return top;
}

/* Find room for the bitmap in usable memory above everything the boot
 * path placed. */
static uint64_t place_bitmap(const struct boot_info *bi, uint64_t size)
{
	uint64_t floor = ALIGN_UP(MAX(MAX(bi->image_end, bi->loader_end), 1ull << 20), PAGE_SIZE);

	floor = MAX(floor, ALIGN_UP(bi->symtab + bi->symtab_size, PAGE_SIZE));
	floor = MAX(floor, ALIGN_UP(bi->strtab + bi->strtab_size, PAGE_SIZE));
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct hermit_mem_region *r = &bi->mem[i];
		uint64_t start = MAX(ALIGN_UP(r->base, PAGE_SIZE), floor);
		if (r->type == HERMIT_MEM_USABLE && start + size <= r->base + r->len)
			return start;
	}
	panic("no usable memory for the frame bitmap (%lu bytes)", (unsigned long)size);
}

void frame_init(const struct boot_info *bi)
{
	uint64_t top = usable_top(bi), size;

	nframes = top / PAGE_SIZE;
	size = ALIGN_UP(ALIGN_UP(nframes, 64) / 8, PAGE_SIZE);
	bitmap = (uint64_t *)place_bitmap(bi, size);
	kmemset(bitmap, 0, size);
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct hermit_mem_region *r = &bi->mem[i];
		if (r->type != HERMIT_MEM_USABLE)
			continue;
		for (uint64_t p = ALIGN_UP(r->base, PAGE_SIZE) / PAGE_SIZE;
		     p < (r->base + r->len) / PAGE_SIZE; p++) {
			set_free(p);
			nfree++;
		}
	}
	ntotal = nfree;
	reserve(0, 1ull << 20); /* real-mode area, BIOS data, EBDA */
	reserve(bi->image_start, bi->image_end - bi->image_start);
	reserve(bi->loader_start, bi->loader_end - bi->loader_start);
	reserve(bi->symtab, bi->symtab_size);
	reserve(bi->strtab, bi->strtab_size);
	reserve((uint64_t)bitmap, size);
	hint = 0;
	pr_debug("frames: %lu MiB usable, %lu MiB free, bitmap at %p", ntotal >> 8, nfree >> 8,
		 (void *)bitmap);
}

uint64_t frame_alloc(void)
{
	uint64_t pa = frame_alloc_contig(1);

	if (pa)
		kmemset((void *)pa, 0, PAGE_SIZE);
	return pa;
}

static uint64_t alloc_locked(size_t n);

/* Next-fit search for n free frames in a row. */
uint64_t frame_alloc_contig(size_t n)
{
	uint64_t pa;

	spin_lock(&lock);
	pa = alloc_locked(n);
	spin_unlock(&lock);
	return pa;
}

static uint64_t alloc_locked(size_t n)
{
	for (uint64_t pass = 0, p = hint, run = 0; pass < 2 * nframes; pass++, p++) {
		if (p >= nframes) {
			p = 0;
			run = 0;
		}
		if (!(bitmap[p / 64] >> (p % 64) & 1) && bitmap[p / 64] == 0 && p % 64 == 0) {
			p += 63; /* skip a fully used word */
			pass += 63;
			run = 0;
			continue;
		}
		run = is_free(p) ? run + 1 : 0;
		if (run == n) {
			uint64_t first = p + 1 - n;
			for (uint64_t q = first; q <= p; q++)
				set_used(q);
			nfree -= n;
			hint = p + 1;
			return first * PAGE_SIZE;
		}
	}
	return 0;
}

void frame_free_contig(uint64_t pa, size_t n)
{
	spin_lock(&lock);
	for (uint64_t p = pa / PAGE_SIZE; p < pa / PAGE_SIZE + n; p++) {
		if (p >= nframes || is_free(p))
			panic("frame_free: frame %p is not allocated", (void *)(p * PAGE_SIZE));
		set_free(p);
		nfree++;
	}
	spin_unlock(&lock);
}

void frame_free(uint64_t pa)
{
	frame_free_contig(pa, 1);
}

uint64_t frames_free(void)
{
	return nfree;
}

uint64_t frames_total(void)
{
	return ntotal;
}

uint64_t phys_top(void)
{
	return nframes * PAGE_SIZE;
}
