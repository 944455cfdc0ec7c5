/*
 * sys_io: read, write, readv, writev and ioctl on the standard fds 0-2, with
 * Linux's return values and errno. Run it with stdin at EOF (</dev/null) and
 * stdout not a terminal (redirected to a file), as hermit-c's console is.
 * The suite also checks that the writev line arrives in one piece.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* An address in the kernel's (upper) half: never a valid user buffer. */
#define KERNEL_ADDR ((void *)0xffff800000001000UL)
#define BAD_FD	    57

#include "check.h"

static void test_write(void)
{
	static const char out[] = "write to stdout\n", err[] = "write to stderr\n";

	RET("write to stdout returns the count", syscall(SYS_write, 1, out, sizeof(out) - 1),
	    sizeof(out) - 1);
	RET("write to stderr returns the count", syscall(SYS_write, 2, err, sizeof(err) - 1),
	    sizeof(err) - 1);
	RET("write of 0 bytes returns 0", syscall(SYS_write, 1, out, 0), 0);
	ERR("write to unknown fd 57 -> EBADF", syscall(SYS_write, BAD_FD, out, 1), EBADF);
	ERR("write to fd -1 -> EBADF", syscall(SYS_write, -1, out, 1), EBADF);
	ERR("write from buffer (void *)1 -> EFAULT", syscall(SYS_write, 1, (void *)1, 8), EFAULT);
	ERR("write from a kernel-half address -> EFAULT", syscall(SYS_write, 1, KERNEL_ADDR, 8),
	    EFAULT);
}

static void test_writev(void)
{
	static char a[] = "writev gathers ", b[] = "", c[] = "in order: ", d[] = "one two three\n";
	struct iovec iov[] = {
	    {a, strlen(a)},
	    {b, 0},
	    {c, strlen(c)},
	    {d, strlen(d)},
	};
	struct iovec bad = {(void *)1, 8};
	long n = strlen(a) + strlen(c) + strlen(d);

	RET("writev to stdout returns the total count", syscall(SYS_writev, 1, iov, 4), n);
	RET("writev of no vectors returns 0", syscall(SYS_writev, 1, iov, 0), 0);
	ERR("writev to unknown fd 57 -> EBADF", syscall(SYS_writev, BAD_FD, iov, 4), EBADF);
	ERR("writev with a bad vector array -> EFAULT", syscall(SYS_writev, 1, (void *)1, 1),
	    EFAULT);
	ERR("writev with a bad buffer -> EFAULT", syscall(SYS_writev, 1, &bad, 1), EFAULT);
	bad.iov_base = a;
	bad.iov_len = (size_t)-1;
	ERR("writev with a negative iov_len -> EINVAL", syscall(SYS_writev, 1, &bad, 1), EINVAL);
	ERR("writev with -1 vectors -> EINVAL", syscall(SYS_writev, 1, iov, -1), EINVAL);
	ERR("writev with 1025 vectors (> IOV_MAX) -> EINVAL", syscall(SYS_writev, 1, iov, 1025),
	    EINVAL);
}

static void test_read(void)
{
	char buf[16], more[16];
	struct iovec iov[] = {{buf, sizeof(buf)}, {more, sizeof(more)}};

	RET("read from stdin at EOF returns 0", syscall(SYS_read, 0, buf, sizeof(buf)), 0);
	RET("read of 0 bytes returns 0", syscall(SYS_read, 0, buf, 0), 0);
	RET("readv from stdin at EOF returns 0", syscall(SYS_readv, 0, iov, 2), 0);
	ERR("read from unknown fd 57 -> EBADF", syscall(SYS_read, BAD_FD, buf, sizeof(buf)), EBADF);
	ERR("readv from unknown fd 57 -> EBADF", syscall(SYS_readv, BAD_FD, iov, 2), EBADF);
	ERR("read into a kernel-half address -> EFAULT", syscall(SYS_read, 0, KERNEL_ADDR, 8),
	    EFAULT);
	ERR("readv with a bad vector array -> EFAULT", syscall(SYS_readv, 0, (void *)1, 1), EFAULT);
}

static void test_ioctl(void)
{
	struct winsize ws;

	ERR("ioctl(1, TIOCGWINSZ) on a non-terminal -> ENOTTY",
	    syscall(SYS_ioctl, 1, TIOCGWINSZ, &ws), ENOTTY);
	ERR("ioctl on unknown fd 57 -> EBADF", syscall(SYS_ioctl, BAD_FD, TIOCGWINSZ, &ws), EBADF);
}

static void test_close(void)
{
	char buf[4];

	ERR("close of unknown fd 57 -> EBADF", syscall(SYS_close, BAD_FD), EBADF);
	RET("close of stdin", syscall(SYS_close, 0), 0);
	ERR("read from the closed stdin -> EBADF", syscall(SYS_read, 0, buf, sizeof(buf)), EBADF);
	ERR("close of the closed stdin -> EBADF", syscall(SYS_close, 0), EBADF);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_write();
	test_writev();
	test_read();
	test_ioctl();
	test_close();
	printf("%d checks, %d failed\n", checks, failed);
	return failed != 0;
}
