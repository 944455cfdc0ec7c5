/* SPDX-License-Identifier: MIT */
/*
 * The Linux system-call layer (DESIGN.md D1). Each call is
 * `long sys_NAME(const uint64_t *arg)` with arg[0..5] = rdi, rsi, rdx, r10,
 * r8, r9, returning a value or -errno straight to musl. syscall/list.h
 * names every implemented call once; the table is built from it.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <errno.h>
#include <stdint.h>
#include <stddef.h>
#include "arch.h"
#include "mm.h"

#define SYSCALL(name) long sys_##name(const uint64_t *arg)

#define SYS(name) SYSCALL(name);
#include "../syscall/list.h"
#undef SYS

long syscall_dispatch(struct syscall_frame *f);
/* Is the disposition of signal sig SIG_IGN? (syscall/proc.c) */
bool signal_ignored(int sig);

/* Copy between kernel memory and an app pointer; 0 or -EFAULT. */
static inline int copy_from_user(void *dst, uint64_t src, size_t n)
{
	if (!vm_user_ok(src, n, false))
		return -EFAULT;
	kmemcpy(dst, (const void *)src, n);
	return 0;
}

static inline int copy_to_user(uint64_t dst, const void *src, size_t n)
{
	if (!vm_user_ok(dst, n, true))
		return -EFAULT;
	kmemcpy((void *)dst, src, n);
	return 0;
}

#endif
