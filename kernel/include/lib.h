/* SPDX-License-Identifier: MIT */
/* The kernel's small C library. Names carry a k prefix so they never clash
 * with musl's, which is linked into the same image for the app. */
#ifndef KERNEL_LIB_H
#define KERNEL_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define noreturn __attribute__((noreturn))
#define unused __attribute__((unused))

void *kmemcpy(void *dst, const void *src, size_t n);
void *kmemset(void *dst, int c, size_t n);
void *kmemmove(void *dst, const void *src, size_t n);
int kmemcmp(const void *a, const void *b, size_t n);
size_t kstrlen(const char *s);
size_t kstrnlen(const char *s, size_t max);
int kstrcmp(const char *a, const char *b);
int kstrncmp(const char *a, const char *b, size_t n);
int kstrcasecmp(const char *a, const char *b);
char *kstrchr(const char *s, int c);

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print to the console (the kernel's stream) without a log prefix. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse an unsigned decimal or 0x-hex number; returns 0, or -1 on junk. */
int kparse_u64(const char *s, uint64_t *out);

noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
