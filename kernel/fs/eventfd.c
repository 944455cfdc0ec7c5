/* SPDX-License-Identifier: MIT */
/*
 * eventfd, as Linux defines it: a 64-bit counter behind an fd. write adds
 * (blocking while the sum would pass 2^64 - 2), read takes the whole count
 * (or 1 with EFD_SEMAPHORE), blocking while it is 0; both move exactly 8
 * bytes (EINVAL otherwise). Readable while the count is not 0, writable
 * while 1 more fits.
 */
#include <fcntl.h>
#include <sys/eventfd.h>
#include "file.h"
#include "mm.h"
#include "polling.h"
#include "syscall.h"

#define EFD_MAX 0xfffffffffffffffeull

struct eventfd {
	struct spinlock lock;
	uint64_t count;
	bool semaphore;
	struct waitq wq; /* readers, writers, pollers */
};

static long efd_read(struct file *f, char *buf, size_t len)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	if (len < sizeof(v))
		return -EINVAL;
	spin_lock(&e->lock);
	while (!e->count) {
		if (f->flags & O_NONBLOCK) {
			spin_unlock(&e->lock);
			return -EAGAIN;
		}
		waitq_wait_locked(&e->wq, &e->lock, 0);
	}
	v = e->semaphore ? 1 : e->count;
	e->count -= v;
	spin_unlock(&e->lock);
	waitq_wake_all(&e->wq);
	kmemcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

static long efd_write(struct file *f, const char *buf, size_t len)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	if (len < sizeof(v))
		return -EINVAL;
	kmemcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	spin_lock(&e->lock);
	while (EFD_MAX - e->count < v) {
		if (f->flags & O_NONBLOCK) {
			spin_unlock(&e->lock);
			return -EAGAIN;
		}
		waitq_wait_locked(&e->wq, &e->lock, 0);
	}
	e->count += v;
	spin_unlock(&e->lock);
	if (v)
		waitq_wake_all(&e->wq);
	return sizeof(v);
}

static unsigned efd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	unsigned mask = 0;

	poll_wait(pt, &e->wq);
	spin_lock(&e->lock);
	if (e->count)
		mask |= POLLIN | POLLRDNORM;
	if (e->count < EFD_MAX)
		mask |= POLLOUT | POLLWRNORM;
	spin_unlock(&e->lock);
	return mask;
}

static long efd_stat(struct file *f, struct stat *st)
{
	(void)f;
	st->st_mode = 0600; /* an anonymous inode, as on Linux */
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static void efd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
	.read = efd_read,
	.write = efd_write,
	.stat = efd_stat,
	.release = efd_release,
	.poll = efd_poll,
	.anon_name = "[eventfd]",
};

SYSCALL(eventfd2)
{
	int flags = (int)arg[1];
	struct eventfd *e;
	struct file *f;
	int fd;

	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	if (!(e = kzalloc(sizeof(*e))))
		return -ENOMEM;
	e->count = (uint32_t)arg[0];
	e->semaphore = flags & EFD_SEMAPHORE;
	if (!(f = file_new(&eventfd_ops, O_RDWR | (flags & O_NONBLOCK), e))) {
		kfree(e);
		return -ENFILE;
	}
	fd = fd_install(f, 0, flags & EFD_CLOEXEC);
	file_put(f);
	return fd;
}

SYSCALL(eventfd)
{
	uint64_t a[6] = { arg[0], 0 };

	return sys_eventfd2(a);
}
