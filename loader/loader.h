/* SPDX-License-Identifier: MIT */
/* hermit-loader's internal interfaces (32-bit code, paging off, no libc). */
#ifndef LOADER_H
#define LOADER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <hermit/boot_info.h>

#define PAGE_SIZE 0x1000ull
#define FOUR_GIB  0x100000000ull /* all the loader can reach with paging off */

static inline uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* [a, a + alen) and [b, b + blen) share a byte */
static inline int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* A physical address below 4 GiB as a pointer (paging is off). */
static inline void *ptr(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

/* string.c: what the compiler and the loader need of a C library */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* console.c: COM1 output and the way out */
/* Returns the UART's port, 0 if none answered. */
uint16_t console_init(void);
void lprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "hermit-loader: <message>" as one line, then power off. */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void machine_off(void);

/* mem.c: the memory map and the loader's own memory */
struct multiboot_info;
void mem_read_map(const struct multiboot_info *mbi, struct boot_info *bi);
int mem_usable(const struct boot_info *bi, uint64_t base, uint64_t len);
uint64_t mem_find_free(const struct boot_info *bi, uint64_t above, uint64_t len);
uint64_t loader_start(void);
uint64_t loader_end(void);

/* image.c: checking, placing and loading a hermit-c image */
struct image {
	const char *name; /* for messages: the initrd's path */
	uint8_t *data;	  /* the module's bytes */
	uint32_t size;
	uint64_t entry;
	uint64_t start; /* page-aligned span of the PT_LOAD segments */
	uint64_t end;
	uint64_t sym_off; /* .symtab and .strtab in the file; size 0: none */
	uint64_t sym_size;
	uint64_t str_off;
	uint64_t str_size;
	uint64_t sym_dst; /* where they are copied, after the image */
	uint64_t str_dst;
	uint64_t used_end; /* end of image and symbols, page-aligned */
};
void image_check(struct image *img);
void image_place(struct image *img, const struct boot_info *bi);
void image_load(const struct image *img, struct boot_info *bi);

/* cpu.c: long mode */
void cpu_check(void);
noreturn void cpu_enter_image(uint64_t entry, struct boot_info *bi);

/* entry.S */
extern uint64_t entry_tsc;
noreturn void enter_long_mode(uint32_t pml4, uint32_t efer_bits, uint64_t entry, uint32_t bi);

#endif
