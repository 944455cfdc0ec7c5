/* SPDX-License-Identifier: MIT */
/* Memory system calls: brk and anonymous mappings (mm/vm.c does the work). */
#include <sys/mman.h>
#include <fcntl.h>
#include "file.h"
#include "syscall.h"
#include "vfs.h"

SYSCALL(brk)
{
	return (long)vm_brk(arg[0]);
}

/* A private mapping of a file: anonymous memory filled with its bytes
 * (the RAM file system has no page cache to share). */
static long map_file(const uint64_t *arg)
{
	int prot = (int)arg[2], flags = (int)arg[3];
	struct file *f = fd_get((int)arg[4]);
	long addr;

	if (!f)
		return -EBADF;
	if (!vfs_is_file(f) || (flags & MAP_TYPE) != MAP_PRIVATE ||
	    (f->flags & O_ACCMODE) == O_WRONLY) {
		file_put(f);
		return (f->flags & O_ACCMODE) == O_WRONLY ? -EACCES : -ENODEV;
	}
	addr = vm_mmap(arg[0], arg[1], prot | PROT_WRITE, flags);
	if (addr >= 0) {
		vfs_file_read_at(f, (char *)addr, arg[1], arg[5]);
		if (!(prot & PROT_WRITE))
			vm_mprotect(addr, arg[1], prot);
	}
	file_put(f);
	return addr;
}

SYSCALL(mmap)
{
	if (arg[5] & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!(arg[3] & MAP_ANONYMOUS))
		return map_file(arg);
	return vm_mmap(arg[0], arg[1], (int)arg[2], (int)arg[3]);
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
