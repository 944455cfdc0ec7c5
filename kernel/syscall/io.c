/* SPDX-License-Identifier: MIT */
/* I/O system calls on file descriptors, whatever file is behind them
 * (the console, pipes; files and sockets later): one table (fs/fd.c). */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include "console.h"
#include "file.h"
#include "syscall.h"

#define IOV_MAX 1024

/* Run op on the file behind fd with a reference held; -EBADF if none. */
#define WITH_FILE(fd, f, expr)                   \
	({                                       \
		struct file *f = fd_get((int)(fd)); \
		long r_ = -EBADF;                \
		if (f) {                         \
			r_ = (expr);             \
			file_put(f);             \
		}                                \
		r_;                              \
	})

static long do_read(struct file *f, uint64_t buf, size_t len)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY || !f->ops->read)
		return -EBADF;
	if (!len)
		return 0;
	if (!vm_user_ok(buf, len, true))
		return -EFAULT;
	return f->ops->read(f, (char *)buf, len);
}

static long do_write(struct file *f, uint64_t buf, size_t len)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY || !f->ops->write)
		return -EBADF;
	if (!vm_user_ok(buf, len, false))
		return -EFAULT;
	if (!len)
		return 0;
	return f->ops->write(f, (const char *)buf, len);
}

SYSCALL(read)
{
	return WITH_FILE(arg[0], f, do_read(f, arg[1], arg[2]));
}

SYSCALL(write)
{
	return WITH_FILE(arg[0], f, do_write(f, arg[1], arg[2]));
}

SYSCALL(close)
{
	return fd_close((int)arg[0]);
}

/* Fetch and check an iovec array; returns the total length or -errno. */
static long get_iov(uint64_t uiov, uint64_t cnt, struct iovec *iov, bool write)
{
	uint64_t total = 0;

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

/* readv/writev: one read or write per buffer, stopping at a short one
 * (a read returns at most what one read would, e.g. one terminal line). */
static long do_rw_v(struct file *f, uint64_t uiov, uint64_t cnt, bool write)
{
	long r, done = 0;

	if ((r = check_iov(uiov, cnt, !write)))
		return r;
	if (write && f->ops->writev && cnt) {
		struct iovec *iov = kmalloc(cnt * sizeof(*iov));

		if (!iov)
			return -ENOMEM;
		copy_from_user(iov, uiov, cnt * sizeof(*iov));
		r = (f->flags & O_ACCMODE) == O_RDONLY ? -EBADF : f->ops->writev(f, iov, (int)cnt);
		kfree(iov);
		return r;
	}
	for (uint64_t i = 0; i < cnt; i++) {
		struct iovec v;
		copy_from_user(&v, uiov + i * sizeof(v), sizeof(v));
		if (!v.iov_len)
			continue;
		r = write ? do_write(f, (uint64_t)v.iov_base, v.iov_len)
			  : do_read(f, (uint64_t)v.iov_base, v.iov_len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < v.iov_len)
			break;
	}
	return done;
}

SYSCALL(writev)
{
	return WITH_FILE(arg[0], f, do_rw_v(f, arg[1], arg[2], true));
}

SYSCALL(readv)
{
	return WITH_FILE(arg[0], f, do_rw_v(f, arg[1], arg[2], false));
}

SYSCALL(ioctl)
{
	return WITH_FILE(arg[0], f, f->ops->ioctl ? f->ops->ioctl(f, arg[1], arg[2]) : -ENOTTY);
}

static long do_fstat(struct file *f, uint64_t ust)
{
	struct stat st;
	long r;

	kmemset(&st, 0, sizeof(st));
	if (!f->ops->stat)
		return -EBADF;
	if ((r = f->ops->stat(f, &st)))
		return r;
	return copy_to_user(ust, &st, sizeof(st));
}

SYSCALL(fstat)
{
	return WITH_FILE(arg[0], f, do_fstat(f, arg[1]));
}

SYSCALL(dup)
{
	return WITH_FILE(arg[0], f, fd_install(f, 0, false));
}

SYSCALL(dup2)
{
	if (arg[0] == arg[1])
		return WITH_FILE(arg[0], f, (long)arg[1]);
	return fd_dup_to((int)arg[0], (int)arg[1], false);
}

SYSCALL(dup3)
{
	if (arg[2] & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if (arg[0] == arg[1])
		return -EINVAL;
	return fd_dup_to((int)arg[0], (int)arg[1], arg[2] & O_CLOEXEC);
}

static long do_fcntl(struct file *f, int fd, int cmd, uint64_t a)
{
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((int64_t)a < 0 || a >= FD_MAX)
			return -EINVAL;
		return fd_install(f, (int)a, cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return fd_get_cloexec(fd) > 0 ? FD_CLOEXEC : 0;
	case F_SETFD:
		return fd_set_cloexec(fd, a & FD_CLOEXEC);
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~(O_NONBLOCK | O_APPEND)) | (a & (O_NONBLOCK | O_APPEND));
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL(fcntl)
{
	return WITH_FILE(arg[0], f, do_fcntl(f, (int)arg[0], (int)arg[1], arg[2]));
}

SYSCALL(pipe2)
{
	struct file *rd, *wr;
	int fds[2];
	long r;

	if (arg[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!vm_user_ok(arg[0], sizeof(fds), true))
		return -EFAULT;
	if ((r = pipe_create((int)arg[1], &rd, &wr)))
		return r;
	fds[0] = fd_install(rd, 0, arg[1] & O_CLOEXEC);
	fds[1] = fds[0] < 0 ? -EMFILE : fd_install(wr, 0, arg[1] & O_CLOEXEC);
	file_put(rd);
	file_put(wr);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(fds[0]);
		return -EMFILE;
	}
	return copy_to_user(arg[0], fds, sizeof(fds));
}

SYSCALL(pipe)
{
	uint64_t a[6] = { arg[0], 0 };

	return sys_pipe2(a);
}
