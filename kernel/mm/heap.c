/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap: power-of-two size classes from 16 to 2048 bytes carved
 * out of single frames, and whole frames for anything larger. An 16-byte
 * header before each block records its class (or its frame count).
 */
#include "log.h"
#include "mm.h"

#define HDR 16
#define MIN_SHIFT 4
#define NCLASSES 8 /* 16 ... 2048 */

struct block_hdr {
	uint32_t cls; /* class index, or NCLASSES for a multi-frame block */
	uint32_t pages;
	uint64_t magic;
};

#define HEAP_MAGIC 0x6865617068647221ull

struct free_block {
	struct free_block *next;
};

static struct free_block *free_lists[NCLASSES];
static struct spinlock lock;

static int class_of(size_t size)
{
	for (int c = 0; c < NCLASSES; c++)
		if (size + HDR <= (1ul << (c + MIN_SHIFT)))
			return c;
	return -1;
}

static bool refill(int c)
{
	size_t bs = 1ul << (c + MIN_SHIFT);
	uint64_t f = frame_alloc();

	if (!f)
		return false;
	for (size_t off = 0; off + bs <= PAGE_SIZE; off += bs) {
		struct free_block *b = (void *)(f + off);
		b->next = free_lists[c];
		free_lists[c] = b;
	}
	return true;
}

void *kmalloc(size_t size)
{
	int c = class_of(size);
	struct block_hdr *h;

	if (c < 0) {
		size_t pages = ALIGN_UP(size + HDR, PAGE_SIZE) / PAGE_SIZE;
		h = (void *)frame_alloc_contig(pages);
		if (!h)
			return NULL;
		*h = (struct block_hdr){ NCLASSES, pages, HEAP_MAGIC };
		return (char *)h + HDR;
	}
	spin_lock(&lock);
	if (!free_lists[c] && !refill(c)) {
		spin_unlock(&lock);
		return NULL;
	}
	h = (void *)free_lists[c];
	free_lists[c] = free_lists[c]->next;
	spin_unlock(&lock);
	*h = (struct block_hdr){ c, 0, HEAP_MAGIC };
	return (char *)h + HDR;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		kmemset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	struct block_hdr *h = (void *)((char *)p - HDR);
	struct free_block *b = (void *)h;
	uint32_t cls;

	if (!p)
		return;
	if (h->magic != HEAP_MAGIC)
		panic("kfree(%p): not a heap block (or freed twice)", p);
	h->magic = 0;
	if (h->cls == NCLASSES) {
		frame_free_contig((uint64_t)h, h->pages);
		return;
	}
	cls = h->cls;
	spin_lock(&lock);
	b->next = free_lists[cls];
	free_lists[cls] = b;
	spin_unlock(&lock);
}
