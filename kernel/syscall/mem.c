/* SPDX-License-Identifier: MIT */
/* Memory system calls: brk and anonymous mappings (mm/vm.c does the work). */
#include <sys/mman.h>
#include "syscall.h"

SYSCALL(brk)
{
	return (long)vm_brk(arg[0]);
}

SYSCALL(mmap)
{
	int flags = (int)arg[3];

	if (!(flags & MAP_ANONYMOUS))
		return -EBADF; /* no files to map yet */
	if (arg[5] & (PAGE_SIZE - 1))
		return -EINVAL;
	return vm_mmap(arg[0], arg[1], (int)arg[2], flags);
}

SYSCALL(munmap)
{
	return vm_munmap(arg[0], arg[1]);
}

SYSCALL(mprotect)
{
	return vm_mprotect(arg[0], arg[1], (int)arg[2]);
}

SYSCALL(madvise)
{
	return vm_madvise(arg[0], arg[1], (int)arg[2]);
}

SYSCALL(mremap)
{
	return vm_mremap(arg[0], arg[1], arg[2], (int)arg[3], arg[4]);
}
