/*
 * sys_mem: the memory system calls (brk, mmap, munmap, mprotect, madvise,
 * mremap) on anonymous memory, with Linux's return values and errno, and
 * EFAULT for buffers in pages that are unmapped or lack the access needed.
 * Calls the kernel through syscall() so that musl cannot hide its answer.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PG 4096L

#include "check.h"

static void *map(void *addr, long len, int prot, int flags)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
}

/* bytes: every byte of [p, p+len) is C; a failure names the first other. */
static void bytes(const char *what, const void *p, long len, int c)
{
	const unsigned char *b = p;
	long i = 0;

	while (i < len && b[i] == (unsigned char)c)
		i++;
	checks++;
	if (i == len) {
		printf("ok - %s\n", what);
		return;
	}
	failed++;
	printf("not ok - %s: byte %ld is %#x, expected %#x\n", what, i, b[i], (unsigned char)c);
}

/* mapped: P, just returned by mmap or mremap, is a mapping. */
static int mapped(const char *what, void *p)
{
	int e = errno;

	checks++;
	if (p != MAP_FAILED) {
		printf("ok - %s\n", what);
		return 1;
	}
	failed++;
	printf("not ok - %s: failed with errno %s\n", what, errname(e));
	return 0;
}

static void test_brk(void)
{
	char *start = (char *)syscall(SYS_brk, 0);
	long huge = 1L << 46;

	check(start != NULL, "brk(0) returns the current break", (long)start, 1);
	RET("brk grows by 64 KiB", syscall(SYS_brk, start + 16 * PG), start + 16 * PG);
	bytes("new brk memory is zero", start, 16 * PG, 0);
	memset(start, 0x5a, 16 * PG);
	bytes("new brk memory is writable", start, 16 * PG, 0x5a);
	RET("brk to an unaligned end returns it exactly", syscall(SYS_brk, start + 16 * PG + 100),
	    start + 16 * PG + 100);
	RET("brk below its start fails and returns the current break", syscall(SYS_brk, 1),
	    start + 16 * PG + 100);
	RET("brk beyond any memory fails and returns the current break",
	    syscall(SYS_brk, start + huge), start + 16 * PG + 100);
	RET("brk shrinks back", syscall(SYS_brk, start), start);
	RET("brk grows again", syscall(SYS_brk, start + 4 * PG), start + 4 * PG);
	bytes("memory given back by brk is zero again", start, 4 * PG, 0);
	RET("brk shrinks back again", syscall(SYS_brk, start), start);
}

static void test_mmap(void)
{
	char *p = map(NULL, 4 * PG, PROT_READ | PROT_WRITE, 0);

	if (!mapped("mmap 4 anonymous pages", p))
		return;
	check(((uintptr_t)p & (PG - 1)) == 0, "mmap result is page aligned", (long)p, 0);
	bytes("anonymous pages are zero-filled", p, 4 * PG, 0);
	memset(p, 0x11, 4 * PG);
	bytes("anonymous pages are writable", p, 4 * PG, 0x11);

	RET("MAP_FIXED over the second page returns that address",
	    map(p + PG, PG, PROT_READ | PROT_WRITE, MAP_FIXED), p + PG);
	bytes("MAP_FIXED replaced the page with zeros", p + PG, PG, 0);
	bytes("MAP_FIXED left the page below alone", p, PG, 0x11);
	bytes("MAP_FIXED left the pages above alone", p + 2 * PG, 2 * PG, 0x11);

	RET("munmap of the third page only", syscall(SYS_munmap, p + 2 * PG, PG), 0);
	bytes("the pages below the hole keep their content", p, PG, 0x11);
	bytes("the MAP_FIXED page keeps its content", p + PG, PG, 0);
	bytes("the page above the hole keeps its content", p + 3 * PG, PG, 0x11);
	ERR("MAP_FIXED_NOREPLACE over a mapped page -> EEXIST",
	    map(p + 3 * PG, PG, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE), EEXIST);
	RET("MAP_FIXED_NOREPLACE fills the hole (it was unmapped)",
	    map(p + 2 * PG, PG, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE), p + 2 * PG);
	bytes("the refilled hole is zero", p + 2 * PG, PG, 0);
	RET("munmap of the whole range", syscall(SYS_munmap, p, 4 * PG), 0);
	RET("munmap of an unmapped range succeeds", syscall(SYS_munmap, p, 4 * PG), 0);
}

static void test_mmap_errors(void)
{
	char *p = map(NULL, PG, PROT_READ | PROT_WRITE, 0);

	ERR("mmap of length 0 -> EINVAL", map(NULL, 0, PROT_READ, 0), EINVAL);
	ERR("mmap without MAP_PRIVATE or MAP_SHARED -> EINVAL",
	    syscall(SYS_mmap, NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
	ERR("mmap with an unaligned offset -> EINVAL",
	    syscall(SYS_mmap, NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), EINVAL);
	ERR("MAP_FIXED at an unaligned address -> EINVAL", map(p + 1, PG, PROT_READ, MAP_FIXED),
	    EINVAL);
	ERR("mmap of a file on unknown fd 57 -> EBADF",
	    syscall(SYS_mmap, NULL, PG, PROT_READ, MAP_PRIVATE, 57, 0), EBADF);
	ERR("mmap of 2^62 bytes -> ENOMEM", map(NULL, 1L << 62, PROT_READ, 0), ENOMEM);
	ERR("munmap of length 0 -> EINVAL", syscall(SYS_munmap, p, 0), EINVAL);
	ERR("munmap at an unaligned address -> EINVAL", syscall(SYS_munmap, p + 1, PG), EINVAL);
	syscall(SYS_munmap, p, PG);
}

static void test_mprotect(void)
{
	char *p = map(NULL, 2 * PG, PROT_NONE, 0);

	if (!mapped("mmap 2 PROT_NONE pages", p))
		return;
	RET("mprotect PROT_NONE -> read/write",
	    syscall(SYS_mprotect, p, 2 * PG, PROT_READ | PROT_WRITE), 0);
	memset(p, 0x22, 2 * PG);
	bytes("pages made writable by mprotect work", p, 2 * PG, 0x22);
	RET("mprotect one page read-only", syscall(SYS_mprotect, p, PG, PROT_READ), 0);
	bytes("a read-only page is still readable", p, PG, 0x22);
	RET("mprotect it read/write again", syscall(SYS_mprotect, p, PG, PROT_READ | PROT_WRITE),
	    0);
	p[0] = 0x33;
	check(p[0] == 0x33, "the page is writable again", p[0], 0x33);
	ERR("mprotect at an unaligned address -> EINVAL",
	    syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL);
	ERR("mprotect with unknown PROT bits -> EINVAL", syscall(SYS_mprotect, p, PG, 0x100),
	    EINVAL);
	syscall(SYS_munmap, p, 2 * PG);
	ERR("mprotect of unmapped memory -> ENOMEM", syscall(SYS_mprotect, p, PG, PROT_READ),
	    ENOMEM);
}

static void test_madvise(void)
{
	char *p = map(NULL, 3 * PG, PROT_READ | PROT_WRITE, 0);

	if (!mapped("mmap 3 pages for madvise", p))
		return;
	memset(p, 0x44, 3 * PG);
	RET("madvise MADV_DONTNEED", syscall(SYS_madvise, p, 3 * PG, MADV_DONTNEED), 0);
	bytes("MADV_DONTNEED re-zeroes private anonymous pages", p, 3 * PG, 0);
	p[PG] = 1;
	check(p[PG] == 1, "pages stay usable after MADV_DONTNEED", p[PG], 1);
	RET("madvise MADV_WILLNEED", syscall(SYS_madvise, p, PG, MADV_WILLNEED), 0);
	ERR("madvise at an unaligned address -> EINVAL",
	    syscall(SYS_madvise, p + 1, PG, MADV_DONTNEED), EINVAL);
	ERR("madvise with unknown advice 999 -> EINVAL", syscall(SYS_madvise, p, PG, 999), EINVAL);
	syscall(SYS_munmap, p, 3 * PG);
}

static void test_mremap(void)
{
	char *p = map(NULL, 2 * PG, PROT_READ | PROT_WRITE, 0), *q;

	if (!mapped("mmap 2 pages for mremap", p))
		return;
	memset(p, 0x55, 2 * PG);
	q = (char *)syscall(SYS_mremap, p, 2 * PG, 16 * PG, MREMAP_MAYMOVE);
	if (!mapped("mremap grows 2 -> 16 pages with MREMAP_MAYMOVE", q))
		return;
	bytes("mremap kept the content", q, 2 * PG, 0x55);
	bytes("the grown part is zero", q + 2 * PG, 14 * PG, 0);
	memset(q + 2 * PG, 0x66, 14 * PG);
	bytes("the grown part is writable", q + 2 * PG, 14 * PG, 0x66);
	RET("mremap shrinks 16 -> 4 pages in place", syscall(SYS_mremap, q, 16 * PG, 4 * PG, 0), q);
	bytes("the shrunk mapping kept its content", q, 2 * PG, 0x55);
	bytes("the shrunk mapping kept its grown part", q + 2 * PG, 2 * PG, 0x66);
	RET("the cut-off tail is unmapped (MAP_FIXED_NOREPLACE fits there)",
	    map(q + 4 * PG, PG, PROT_READ, MAP_FIXED_NOREPLACE), q + 4 * PG);
	ERR("mremap at an unaligned address -> EINVAL",
	    syscall(SYS_mremap, q + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
	ERR("mremap to length 0 -> EINVAL", syscall(SYS_mremap, q, 4 * PG, 0, MREMAP_MAYMOVE),
	    EINVAL);
	ERR("mremap with unknown flags -> EINVAL", syscall(SYS_mremap, q, 4 * PG, 8 * PG, 0x100),
	    EINVAL);
	syscall(SYS_munmap, q, 5 * PG);
}

/*
 * The kernel must check user buffers against the mappings, not only against
 * an address range: each of these is a valid user address that Linux still
 * refuses with EFAULT.
 */
static void test_user_copy(void)
{
	char *p = map(NULL, 3 * PG, PROT_READ | PROT_WRITE, 0);
	struct timespec *ro = (struct timespec *)(p + PG);

	if (!mapped("mmap 3 pages for the EFAULT checks", p))
		return;
	syscall(SYS_munmap, p + 2 * PG, PG);
	syscall(SYS_mprotect, p, PG, PROT_NONE);
	syscall(SYS_mprotect, p + PG, PG, PROT_READ);
	ERR("write from a PROT_NONE page -> EFAULT", syscall(SYS_write, 1, p, 8), EFAULT);
	ERR("write from an unmapped page -> EFAULT", syscall(SYS_write, 1, p + 2 * PG, 8), EFAULT);
	ERR("clock_gettime into a read-only page -> EFAULT",
	    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ro), EFAULT);
	bytes("the read-only page stayed unwritten", ro, PG, 0);
	ERR("clock_gettime into an unmapped page -> EFAULT",
	    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p + 2 * PG), EFAULT);
	syscall(SYS_munmap, p, 2 * PG);
}

static void test_big(void)
{
	long len = 16L << 20;
	char *p = map(NULL, len, PROT_READ | PROT_WRITE, 0);
	long bad = 0;

	if (!mapped("mmap 16 MiB", p))
		return;
	for (long off = 0; off < len; off += PG)
		p[off] = (char)(off / PG);
	for (long off = 0; off < len; off += PG)
		bad += p[off] != (char)(off / PG) || p[off + 1] != 0;
	check(bad == 0, "every page of 16 MiB is private and writable", bad, 0);
	RET("munmap 16 MiB", syscall(SYS_munmap, p, len), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	check(sysconf(_SC_PAGESIZE) == PG, "page size is 4096", sysconf(_SC_PAGESIZE), PG);
	test_brk();
	test_mmap();
	test_mmap_errors();
	test_mprotect();
	test_madvise();
	test_mremap();
	test_user_copy();
	test_big();
	printf("%d checks, %d failed\n", checks, failed);
	return failed != 0;
}
