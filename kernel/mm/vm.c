/* SPDX-License-Identifier: MIT */
/*
 * The app's virtual memory: a sorted list of areas (brk, anonymous mmap,
 * the main stack), mapped lazily: a page gets a zeroed frame on its first
 * touch (vm_fault), and frames go back to the allocator on munmap, on
 * MADV_DONTNEED and when brk shrinks.
 */
#include <errno.h>
#include <sys/mman.h>
#include "log.h"
#include "mm.h"

struct vma {
	uint64_t start, end;
	int prot;
	struct vma *next;
};

static struct spinlock vm_lock; /* the areas and the app's page tables */
static struct vma *vmas;
static uint64_t brk_cur = VM_BRK_BASE;

static bool in_vm(uint64_t a, uint64_t len)
{
	return a >= VM_BRK_BASE && a + len >= a && a + len <= VM_STACK_TOP;
}

static uint64_t prot_flags(int prot)
{
	return (prot & PROT_WRITE ? PTE_W : 0) | (prot & PROT_EXEC ? 0 : PTE_NX);
}

static struct vma *find_vma(uint64_t addr)
{
	for (struct vma *v = vmas; v && v->start <= addr; v = v->next)
		if (addr < v->end)
			return v;
	return NULL;
}

/* Split v so that a new area starts at `at`; returns the upper half. */
static struct vma *split(struct vma *v, uint64_t at)
{
	struct vma *u = kmalloc(sizeof(*u));

	if (!u)
		return NULL;
	*u = (struct vma){ at, v->end, v->prot, v->next };
	v->end = at;
	v->next = u;
	return u;
}

/* Make area boundaries fall on start and end; -ENOMEM if out of memory. */
static int isolate(uint64_t start, uint64_t end)
{
	for (struct vma *v = vmas; v && v->start < end; v = v->next) {
		if (v->start < start && start < v->end && !split(v, start))
			return -ENOMEM;
		if (v->start < end && end < v->end && !split(v, end))
			return -ENOMEM;
	}
	return 0;
}

/* Join neighbours with the same protection, so brk growth and repeated
 * mmaps do not make the list long. */
static void merge(void)
{
	for (struct vma *v = vmas; v && v->next;) {
		struct vma *n = v->next;
		if (v->end == n->start && v->prot == n->prot) {
			v->end = n->end;
			v->next = n->next;
			kfree(n);
		} else {
			v = n;
		}
	}
}

static int insert(uint64_t start, uint64_t end, int prot)
{
	struct vma **pp = &vmas, *v = kmalloc(sizeof(*v));

	if (!v)
		return -ENOMEM;
	while (*pp && (*pp)->start < start)
		pp = &(*pp)->next;
	*v = (struct vma){ start, end, prot, *pp };
	*pp = v;
	merge();
	return 0;
}

#define PTE_DYING (1ull << 10) /* software: unmapped, frame freed after the flush */

/* Give back the frames behind [start, end) and clear their entries: no
 * CPU may still translate to a frame when it is reused, so unmap all,
 * shoot down the TLBs, then free. */
static void release(uint64_t start, uint64_t end)
{
	bool any = false;

	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *e = paging_entry(va, false);
		if (!e || !(*e & (PTE_P | PTE_KEEP)))
			continue;
		*e = (*e & PTE_ADDR) | PTE_DYING;
		any = true;
	}
	if (!any)
		return;
	tlb_shootdown();
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *e = paging_entry(va, false);
		if (e && (*e & PTE_DYING)) {
			frame_free(*e & PTE_ADDR);
			*e = 0;
		}
	}
}

/* Remove [start, end) from the area list and release its frames. */
static int unmap_range(uint64_t start, uint64_t end)
{
	int err = isolate(start, end);

	if (err)
		return err;
	for (struct vma **pp = &vmas; *pp;) {
		struct vma *v = *pp;
		if (v->start >= start && v->end <= end) {
			*pp = v->next;
			release(v->start, v->end);
			kfree(v);
		} else {
			pp = &v->next;
		}
	}
	return 0;
}

static bool range_free(uint64_t start, uint64_t end)
{
	for (struct vma *v = vmas; v && v->start < end; v = v->next)
		if (v->end > start)
			return false;
	return true;
}

static bool range_covered(uint64_t start, uint64_t end)
{
	uint64_t at = start;

	for (struct vma *v = vmas; v && at < end; v = v->next) {
		if (v->end <= at)
			continue;
		if (v->start > at)
			return false;
		at = v->end;
	}
	return at >= end;
}

/* First fit in the mmap area, honouring a free, aligned hint. */
static uint64_t find_free(uint64_t hint, uint64_t len)
{
	uint64_t at = VM_MMAP_BASE;

	if (hint && !(hint & (PAGE_SIZE - 1)) && hint >= VM_MMAP_BASE && hint + len > hint &&
	    hint + len <= VM_MMAP_END && range_free(hint, hint + len))
		return hint;
	for (struct vma *v = vmas; v; v = v->next) {
		if (v->end <= at)
			continue;
		if (v->start >= at + len)
			break;
		at = v->end;
	}
	return at + len <= VM_MMAP_END ? at : 0;
}

static long vm_mmap_locked(uint64_t addr, uint64_t len, int prot, int flags)
{
	int type = flags & MAP_TYPE, err;

	if (!len || (type != MAP_PRIVATE && type != MAP_SHARED))
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > VM_MMAP_END - VM_MMAP_BASE)
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (!in_vm(addr, len) || addr < VM_MMAP_BASE || addr + len > VM_MMAP_END)
			return -ENOMEM;
		if (!range_free(addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			if ((err = unmap_range(addr, addr + len)))
				return err;
		}
	} else if (!(addr = find_free(addr, len))) {
		return -ENOMEM;
	}
	err = insert(addr, addr + len, prot);
	return err ? err : (long)addr;
}

static long vm_munmap_locked(uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!in_vm(addr, len))
		return -EINVAL;
	return unmap_range(addr, addr + len);
}

static long vm_mprotect_locked(uint64_t addr, uint64_t len, int prot)
{
	int err;

	if ((addr & (PAGE_SIZE - 1)) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!in_vm(addr, len) || !range_covered(addr, addr + len))
		return -ENOMEM;
	if ((err = isolate(addr, addr + len)))
		return err;
	for (struct vma *v = vmas; v && v->start < addr + len; v = v->next)
		if (v->start >= addr)
			v->prot = prot;
	for (uint64_t va = addr; va < addr + len; va += PAGE_SIZE) {
		uint64_t *e = paging_entry(va, false);
		if (!e || !(*e & (PTE_P | PTE_KEEP)))
			continue;
		*e = (*e & PTE_ADDR) | (prot ? PTE_P | prot_flags(prot) : PTE_KEEP);
	}
	tlb_shootdown();
	merge();
	return 0;
}

static long vm_madvise_locked(uint64_t addr, uint64_t len, int advice)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
		if (!in_vm(addr, len) || !range_covered(addr, addr + len))
			return -ENOMEM;
		release(addr, addr + len);
		return 0;
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
		return 0;
	default:
		return -EINVAL;
	}
}

/* Move the entries (and so the frames) of [from, from+len) to `to`. */
static int move_pages(uint64_t from, uint64_t to, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *src = paging_entry(from + off, false), *dst;
		if (!src || !(*src & (PTE_P | PTE_KEEP)))
			continue;
		if (!(dst = paging_entry(to + off, true)))
			return -ENOMEM;
		*dst = *src;
		*src = 0;
	}
	tlb_shootdown();
	return 0;
}

static long vm_mremap_locked(uint64_t old, uint64_t oldlen, uint64_t newlen, int flags, uint64_t new_addr)
{
	struct vma *v;
	uint64_t to;
	int err;

	if ((old & (PAGE_SIZE - 1)) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) || !newlen)
		return -EINVAL;
	oldlen = ALIGN_UP(oldlen, PAGE_SIZE);
	newlen = ALIGN_UP(newlen, PAGE_SIZE);
	v = find_vma(old);
	if (!oldlen || !v || old + oldlen > v->end)
		return -EFAULT;
	if (!(flags & MREMAP_FIXED)) {
		if (newlen <= oldlen)
			return (err = unmap_range(old + newlen, old + oldlen)) ? err : (long)old;
		if (old + oldlen == v->end && old + newlen <= VM_MMAP_END &&
		    range_free(old + oldlen, old + newlen)) {
			v->end = old + newlen;
			merge();
			return (long)old;
		}
		if (!(flags & MREMAP_MAYMOVE))
			return -ENOMEM;
		if (!(to = find_free(0, newlen)))
			return -ENOMEM;
	} else {
		to = new_addr;
		if ((to & (PAGE_SIZE - 1)) || to < VM_MMAP_BASE || to + newlen > VM_MMAP_END ||
		    (to < old + oldlen && old < to + newlen))
			return -EINVAL;
		if ((err = unmap_range(to, to + newlen)))
			return err;
	}
	if ((err = insert(to, to + newlen, v->prot)) ||
	    (err = move_pages(old, to, MIN(oldlen, newlen))))
		return err;
	unmap_range(old, old + oldlen);
	return (long)to;
}

static uint64_t vm_brk_locked(uint64_t want)
{
	uint64_t cur = ALIGN_UP(brk_cur, PAGE_SIZE), next = ALIGN_UP(want, PAGE_SIZE);

	if (want < VM_BRK_BASE || want > VM_BRK_BASE + VM_BRK_MAX)
		return brk_cur;
	if (next > cur && insert(cur, next, PROT_READ | PROT_WRITE))
		return brk_cur;
	if (next < cur)
		unmap_range(next, cur);
	brk_cur = want;
	return brk_cur;
}

uint64_t vm_stack_init(void)
{
	uint64_t base = VM_STACK_TOP - VM_STACK_SIZE;

	if (insert(base, VM_STACK_TOP, PROT_READ | PROT_WRITE))
		panic("vm: no memory for the main stack area");
	stack_register("main thread stack", base - VM_STACK_GUARD, base, VM_STACK_TOP);
	pr_debug("vm: brk at %p, mmap from %p, main stack %p-%p", (void *)VM_BRK_BASE,
		 (void *)VM_MMAP_BASE, (void *)base, (void *)VM_STACK_TOP);
	return VM_STACK_TOP;
}

static int vm_fault_locked(uint64_t addr, uint64_t error)
{
	struct vma *v = find_vma(addr);
	uint64_t page = ALIGN_DOWN(addr, PAGE_SIZE), f;
	uint64_t *e;

	if (!v || (error & 1)) /* no area, or a protection violation */
		return -EFAULT;
	if (!v->prot || ((error & 2) && !(v->prot & PROT_WRITE)) ||
	    ((error & 16) && !(v->prot & PROT_EXEC)))
		return -EFAULT;
	e = paging_entry(page, true);
	if (e && (*e & PTE_P))
		return 0; /* another CPU mapped it while we waited for the lock */
	if (!e || !(f = frame_alloc()))
		return -ENOMEM;
	*e = f | PTE_P | prot_flags(v->prot);
	paging_flush(page);
	return 0;
}

static bool vm_user_ok_locked(uint64_t addr, uint64_t len, bool write)
{
	uint64_t end = addr + len;

	if (end < addr)
		return false;
	if (!len)
		return true;
	for (uint64_t p = ALIGN_DOWN(addr, PAGE_SIZE); p < end; p += PAGE_SIZE) {
		if (p >= VM_BRK_BASE && p < VM_STACK_TOP) {
			struct vma *v = find_vma(p);
			if (!v || !(v->prot & (write ? PROT_WRITE : PROT_READ | PROT_WRITE)))
				return false;
		} else if (!paging_mapped(p, 1, write)) {
			return false;
		}
	}
	return true;
}

/* The public entry points: each holds vm_lock for its whole work. */
#define LOCKED(type, call)                 \
	do {                               \
		type r_;                   \
		spin_lock(&vm_lock);       \
		r_ = call;                 \
		spin_unlock(&vm_lock);     \
		return r_;                 \
	} while (0)

long vm_mmap(uint64_t addr, uint64_t len, int prot, int flags)
{
	LOCKED(long, vm_mmap_locked(addr, len, prot, flags));
}

long vm_munmap(uint64_t addr, uint64_t len)
{
	LOCKED(long, vm_munmap_locked(addr, len));
}

long vm_mprotect(uint64_t addr, uint64_t len, int prot)
{
	LOCKED(long, vm_mprotect_locked(addr, len, prot));
}

long vm_madvise(uint64_t addr, uint64_t len, int advice)
{
	LOCKED(long, vm_madvise_locked(addr, len, advice));
}

long vm_mremap(uint64_t old, uint64_t oldlen, uint64_t newlen, int flags, uint64_t new_addr)
{
	LOCKED(long, vm_mremap_locked(old, oldlen, newlen, flags, new_addr));
}

uint64_t vm_brk(uint64_t want)
{
	LOCKED(uint64_t, vm_brk_locked(want));
}

int vm_fault(uint64_t addr, uint64_t error)
{
	LOCKED(int, vm_fault_locked(addr, error));
}

bool vm_user_ok(uint64_t addr, uint64_t len, bool write)
{
	LOCKED(bool, vm_user_ok_locked(addr, len, write));
}
