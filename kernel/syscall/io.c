/* SPDX-License-Identifier: MIT */
/* I/O on the console file descriptors 0-2, which can be closed (files and
 * sockets come later and will share one fd table). */
#include <sys/ioctl.h>
#include <sys/uio.h>
#include "console.h"
#include "tty.h"
#include "syscall.h"

#define IOV_MAX 1024

/* Which of the console descriptors 0-2 are still open. */
static bool console_open[3] = { true, true, true };

static bool console_fd(uint64_t fd)
{
	return fd <= 2 && console_open[fd];
}

SYSCALL(close)
{
	if (!console_fd(arg[0]))
		return -EBADF;
	console_open[arg[0]] = false;
	return 0;
}

static long console_out(uint64_t fd, uint64_t buf, size_t len)
{
	if (!vm_user_ok(buf, len, false))
		return -EFAULT;
	console_write(fd == 2 ? CONSOLE_ERR : CONSOLE_OUT, (const char *)buf, len);
	return (long)len;
}

SYSCALL(write)
{
	if (!console_fd(arg[0]))
		return -EBADF;
	return console_out(arg[0], arg[1], arg[2]);
}

/* Reading any console fd reads the terminal, as on Linux where 0-2 are
 * one tty; a read returns at most one line (canonical mode). */
SYSCALL(read)
{
	if (!console_fd(arg[0]))
		return -EBADF;
	if (!arg[2])
		return 0;
	if (!vm_user_ok(arg[1], arg[2], true))
		return -EFAULT;
	return tty_read((char *)arg[1], arg[2]);
}

/* Fetch and check an iovec array; returns the total length or -errno. */
static long get_iov(uint64_t uiov, uint64_t cnt, struct iovec *iov, bool write)
{
	uint64_t total = 0;

	if (cnt > IOV_MAX)
		return -EINVAL;
	if (copy_from_user(iov, uiov, cnt * sizeof(*iov)))
		return -EFAULT;
	for (uint64_t i = 0; i < cnt; i++) {
		if ((int64_t)iov[i].iov_len < 0 || total + iov[i].iov_len < total ||
		    (int64_t)(total + iov[i].iov_len) < 0)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	for (uint64_t i = 0; i < cnt; i++)
		if (!vm_user_ok((uint64_t)iov[i].iov_base, iov[i].iov_len, write))
			return -EFAULT;
	return (long)total;
}

/* Check a whole iovec array in chunks, so that a bad entry moves nothing. */
static long check_iov(uint64_t uiov, uint64_t cnt, bool write)
{
	struct iovec iov[64];

	if (cnt > IOV_MAX)
		return -EINVAL;
	for (uint64_t at = 0; at < cnt; at += ARRAY_SIZE(iov)) {
		long r = get_iov(uiov + at * sizeof(*iov), MIN(cnt - at, ARRAY_SIZE(iov)), iov,
				 write);
		if (r < 0)
			return r;
	}
	return 0;
}

SYSCALL(writev)
{
	struct iovec iov[64];
	uint64_t cnt = arg[2], done = 0;
	long r;

	if (!console_fd(arg[0]))
		return -EBADF;
	if ((r = check_iov(arg[1], cnt, false)))
		return r;
	for (uint64_t at = 0; at < cnt; at += ARRAY_SIZE(iov)) {
		uint64_t n = MIN(cnt - at, ARRAY_SIZE(iov));
		get_iov(arg[1] + at * sizeof(*iov), n, iov, false);
		for (uint64_t i = 0; i < n; i++)
			done += console_out(arg[0], (uint64_t)iov[i].iov_base, iov[i].iov_len);
	}
	return (long)done;
}

SYSCALL(readv)
{
	long r;

	if (!console_fd(arg[0]))
		return -EBADF;
	if ((r = check_iov(arg[1], arg[2], true)))
		return r;
	/* One line per read: fill the first non-empty buffer. */
	for (uint64_t i = 0; i < arg[2]; i++) {
		struct iovec v;
		copy_from_user(&v, arg[1] + i * sizeof(v), sizeof(v));
		if (v.iov_len)
			return tty_read(v.iov_base, v.iov_len);
	}
	return 0;
}

SYSCALL(ioctl)
{
	if (!console_fd(arg[0]))
		return -EBADF;
	/* The console is no terminal: musl then buffers stdout fully, as for
	 * a pipe on Linux. */
	return -ENOTTY;
}
