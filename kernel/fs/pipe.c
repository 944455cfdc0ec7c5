/* SPDX-License-Identifier: MIT */
/*
 * Pipes: a 64 KiB ring between a read end and a write end, with Linux's
 * semantics: reads block until data or no writer is left (end of file);
 * writes block for room, and writes of up to PIPE_BUF bytes are atomic;
 * writing with no reader left is EPIPE after SIGPIPE, whose default action
 * ends the program; O_NONBLOCK gives EAGAIN instead of blocking. Readers,
 * writers and pollers of both ends wait on one waitq.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include "file.h"
#include "log.h"
#include "mm.h"
#include "polling.h"
#include "power.h"
#include "syscall.h"

#define PIPE_SIZE 65536
#define PIPE_ATOMIC 4096 /* PIPE_BUF */

struct pipe {
	struct spinlock lock;
	char *buf;
	uint32_t head, tail; /* free-running; head - tail bytes are in */
	int readers, writers;
	uint64_t ino; /* both ends', as fstat and /proc/self/fd show it */
	struct waitq wq; /* readers, writers and pollers of both ends */
};

/* Sleep until woken (lock held on entry and on return). */
static void wait(struct pipe *p)
{
	waitq_wait_locked(&p->wq, &p->lock, 0);
}

static void wake_all(struct pipe *p)
{
	waitq_wake_all(&p->wq);
}

static long pipe_read(struct file *f, char *buf, size_t len)
{
	struct pipe *p = f->priv;
	size_t n = 0;

	spin_lock(&p->lock);
	while (p->head == p->tail && p->writers) {
		if (f->flags & O_NONBLOCK) {
			spin_unlock(&p->lock);
			return -EAGAIN;
		}
		wait(p);
	}
	while (n < len && p->tail != p->head)
		buf[n++] = p->buf[p->tail++ % PIPE_SIZE];
	wake_all(p);
	spin_unlock(&p->lock);
	return (long)n;
}

static long broken_pipe(void)
{
	if (!signal_ignored(SIGPIPE)) {
		kprintf("[hermit] write to a pipe with no reader: SIGPIPE ends the app (status %d)\n",
			128 + SIGPIPE);
		power_exit(128 + SIGPIPE);
	}
	return -EPIPE;
}

static long pipe_write(struct file *f, const char *buf, size_t len)
{
	struct pipe *p = f->priv;
	size_t n = 0;

	spin_lock(&p->lock);
	while (n < len) {
		uint32_t room = PIPE_SIZE - (p->head - p->tail);
		if (!p->readers) {
			spin_unlock(&p->lock);
			return n ? (long)n : broken_pipe();
		}
		/* Up to PIPE_BUF bytes go in one piece or not at all. */
		if (room == 0 || (len <= PIPE_ATOMIC && room < len)) {
			if (f->flags & O_NONBLOCK) {
				spin_unlock(&p->lock);
				return n ? (long)n : -EAGAIN;
			}
			wake_all(p);
			wait(p);
			continue;
		}
		while (n < len && p->head - p->tail < PIPE_SIZE)
			p->buf[p->head++ % PIPE_SIZE] = buf[n++];
		wake_all(p);
	}
	spin_unlock(&p->lock);
	return (long)n;
}

static long pipe_stat(struct file *f, struct stat *st)
{
	st->st_ino = ((struct pipe *)f->priv)->ino;
	st->st_mode = S_IFIFO | 0600;
	st->st_nlink = 1;
	st->st_blksize = PIPE_ATOMIC;
	return 0;
}

static long pipe_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct pipe *p = f->priv;
	int n = (int)(p->head - p->tail);

	if (req != FIONREAD)
		return -ENOTTY;
	return copy_to_user(arg, &n, sizeof(n));
}

/* As Linux: the read end is readable with data and hung up (POLLHUP) with
 * no writer left; the write end is writable while a PIPE_BUF write fits,
 * and in error (POLLERR) with no reader left. */
static unsigned pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	unsigned mask = 0;

	poll_wait(pt, &p->wq);
	spin_lock(&p->lock);
	if ((f->flags & O_ACCMODE) == O_RDONLY) {
		if (p->head != p->tail)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers)
			mask |= POLLHUP;
	} else {
		if (PIPE_SIZE - (p->head - p->tail) >= PIPE_ATOMIC)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	spin_unlock(&p->lock);
	return mask;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	bool last;

	spin_lock(&p->lock);
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	last = !p->readers && !p->writers;
	wake_all(p);
	spin_unlock(&p->lock);
	if (last) {
		kfree(p->buf);
		kfree(p);
	}
}

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.stat = pipe_stat,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
	.poll = pipe_poll,
};

static uint64_t next_ino = 1;

int pipe_create(int flags, struct file **rd, struct file **wr)
{
	struct pipe *p = kzalloc(sizeof(*p));

	if (!p || !(p->buf = kmalloc(PIPE_SIZE))) {
		kfree(p);
		return -ENFILE;
	}
	p->readers = p->writers = 1;
	p->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	*rd = file_new(&pipe_ops, O_RDONLY | (flags & O_NONBLOCK), p);
	*wr = file_new(&pipe_ops, O_WRONLY | (flags & O_NONBLOCK), p);
	if (!*rd || !*wr) {
		kfree(*rd);
		kfree(*wr);
		kfree(p->buf);
		kfree(p);
		return -ENFILE;
	}
	return 0;
}
