/* SPDX-License-Identifier: MIT */
/*
 * Memory: physical frames, page tables, the kernel heap, and the app's
 * virtual memory areas (brk, mmap, the main stack).
 *
 * Address space (one, identity-mapped, ring 0; DESIGN.md D2):
 *   [0, RAM top or 4 GiB)   identity map of physical memory; page 0 unmapped,
 *                           the image mapped with its segments' permissions
 *   [VM_KSTACK_BASE, ...)   kernel stacks (mm/kstack.c), a guard page below each
 *   [VM_BRK_BASE, ...)      the app's brk heap, mapped lazily
 *   [VM_MMAP_BASE, ...)     anonymous mmap areas, mapped lazily
 *   [.., VM_STACK_TOP)      the app's main stack (8 MiB), 1 MiB guard below
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <hermit/boot_info.h>
#include "arch.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_KEEP (1ull << 9) /* software: a frame kept under PROT_NONE, not present */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define VM_KSTACK_BASE 0x8000000000ull /* 512 GiB: kernel stacks */
#define VM_KSTACK_SIZE (64ull << 30)
#define VM_BRK_BASE 0x10000000000ull   /* 1 TiB */
#define VM_BRK_MAX (64ull << 30)
#define VM_MMAP_BASE 0x20000000000ull  /* 2 TiB */
#define VM_STACK_TOP 0x7f0000000000ull
#define VM_STACK_SIZE (8ull << 20)
#define VM_STACK_GUARD (1ull << 20)
#define VM_MMAP_END (VM_STACK_TOP - VM_STACK_SIZE - VM_STACK_GUARD)

/* Frames (mm/frame.c). Addresses are physical = kernel virtual. */
void frame_init(const struct boot_info *bi);
uint64_t frame_alloc(void);	 /* a zeroed frame, or 0 when memory is out */
uint64_t frame_alloc_contig(size_t n); /* n frames, not zeroed, or 0 */
void frame_free(uint64_t pa);
void frame_free_contig(uint64_t pa, size_t n);
uint64_t frames_free(void);
uint64_t frames_total(void);
uint64_t phys_top(void);

/* Page tables (mm/paging.c). */
void paging_init(const struct boot_info *bi);
int paging_map(uint64_t va, uint64_t pa, uint64_t flags);
uint64_t paging_unmap(uint64_t va);	/* returns the frame, or 0 */
int paging_protect(uint64_t va, uint64_t flags);
uint64_t *paging_pte(uint64_t va);	/* the 4 KiB PTE if present, else NULL */
uint64_t *paging_entry(uint64_t va, bool create); /* the 4 KiB PTE slot, or NULL */
void paging_flush(uint64_t va);
bool paging_mapped(uint64_t va, size_t len, bool write);

/* Kernel stacks (mm/kstack.c): returns the top, or 0. */
uint64_t kstack_alloc(void);
void kstack_free(uint64_t top);
bool kstack_in_guard(uint64_t addr);

/* TLB (mm/tlb.c): flush every CPU's TLB before freeing unmapped frames. */
void tlb_shootdown(void);
void tlb_init_cpu(void);

/* Kernel heap (mm/heap.c). */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

/* App virtual memory (mm/vm.c). prot is PROT_READ/WRITE/EXEC. */
int vm_fault(uint64_t addr, uint64_t error);
long vm_mmap(uint64_t addr, uint64_t len, int prot, int flags);
long vm_munmap(uint64_t addr, uint64_t len);
long vm_mprotect(uint64_t addr, uint64_t len, int prot);
long vm_madvise(uint64_t addr, uint64_t len, int advice);
long vm_mremap(uint64_t old, uint64_t oldlen, uint64_t newlen, int flags, uint64_t new_addr);
uint64_t vm_brk(uint64_t want);
/* Reserve the main stack; returns its top. */
uint64_t vm_stack_init(void);
/* Is [addr, addr+len) memory the app may read (and write)? */
bool vm_user_ok(uint64_t addr, uint64_t len, bool write);

#endif
