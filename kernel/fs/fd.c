/* SPDX-License-Identifier: MIT */
/* Open files (reference counted) and the process's descriptor table. */
#include <errno.h>
#include <unistd.h>
#include "file.h"
#include "mm.h"
#include "polling.h"
#include "spinlock.h"

static struct spinlock lock;
static struct file *table[FD_MAX];
static uint64_t cloexec[FD_MAX / 64];

struct file *file_new(const struct file_ops *ops, int flags, void *priv)
{
	struct file *f = kzalloc(sizeof(*f));

	if (f)
		*f = (struct file){ .ops = ops, .flags = flags, .refs = 1, .priv = priv };
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_SEQ_CST);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_SEQ_CST))
		return;
	if (f->epolled)
		epoll_file_gone(f);
	if (f->ops->release)
		f->ops->release(f);
	kfree(f->path);
	kfree(f);
}

static void set_cloexec(int fd, bool on)
{
	if (on)
		cloexec[fd / 64] |= 1ull << (fd % 64);
	else
		cloexec[fd / 64] &= ~(1ull << (fd % 64));
}

int fd_install(struct file *f, int min, bool exec_close)
{
	spin_lock(&lock);
	for (int fd = min < 0 ? 0 : min; fd < FD_MAX; fd++) {
		if (!table[fd]) {
			file_get(f);
			table[fd] = f;
			set_cloexec(fd, exec_close);
			spin_unlock(&lock);
			return fd;
		}
	}
	spin_unlock(&lock);
	return -EMFILE;
}

struct file *fd_get(int fd)
{
	struct file *f = NULL;

	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	spin_lock(&lock);
	if ((f = table[fd]))
		file_get(f);
	spin_unlock(&lock);
	return f;
}

int fd_close(int fd)
{
	struct file *f;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	spin_lock(&lock);
	f = table[fd];
	table[fd] = NULL;
	spin_unlock(&lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

int fd_dup_to(int oldfd, int newfd, bool exec_close)
{
	struct file *f, *old;

	if (newfd < 0 || newfd >= FD_MAX)
		return -EBADF;
	if (!(f = fd_get(oldfd)))
		return -EBADF;
	spin_lock(&lock);
	old = table[newfd];
	table[newfd] = f; /* the reference from fd_get moves into the table */
	set_cloexec(newfd, exec_close);
	spin_unlock(&lock);
	if (old)
		file_put(old);
	return newfd;
}

int fd_get_cloexec(int fd)
{
	int r;

	spin_lock(&lock);
	r = fd >= 0 && fd < FD_MAX && table[fd] ? (int)(cloexec[fd / 64] >> (fd % 64) & 1)
						 : -EBADF;
	spin_unlock(&lock);
	return r;
}

int fd_set_cloexec(int fd, bool on)
{
	int r = 0;

	spin_lock(&lock);
	if (fd >= 0 && fd < FD_MAX && table[fd])
		set_cloexec(fd, on);
	else
		r = -EBADF;
	spin_unlock(&lock);
	return r;
}

long file_seek(struct file *f, int64_t off, int whence)
{
	struct stat st;
	int64_t base;
	long r;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		if ((r = f->ops->stat(f, &st)) < 0)
			return r;
		base = st.st_size;
		break;
	default:
		return -EINVAL;
	}
	if (base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (long)f->pos;
}
