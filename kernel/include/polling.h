/* SPDX-License-Identifier: MIT */
/*
 * Readiness of files, as poll, select and epoll ask for it (Linux's model).
 *
 * A file type that can make a caller wait (pipes, the terminal, eventfd,
 * sockets) gives its struct file_ops a poll op:
 *
 *     unsigned poll(struct file *f, struct poll_table *pt)
 *     {
 *             poll_wait(pt, &obj->wq);      // first register ...
 *             return the current mask;      // ... then look at the state
 *     }
 *
 * It returns what is true now, from POLLIN POLLRDNORM POLLOUT POLLWRNORM
 * POLLPRI POLLERR POLLHUP POLLRDHUP (the caller filters by what it asked
 * for), and, when pt is not NULL, registers the caller on every waitq whose
 * waitq_wake_all may signal a change of that mask. The object then calls
 * waitq_wake_all(&obj->wq) after each change a poller may care about (data
 * in, room to write, an error, a hang-up); a spurious wake-up costs only a
 * re-poll. A poll op must not wait for anything itself: it is called with
 * no spinlock held and may take locks, even sleeping ones (kmutex), but
 * returns at once. A NULL poll op means always readable and writable
 * (POLLIN|POLLRDNORM|POLLOUT|POLLWRNORM: regular files, devices); such files
 * cannot be added to an epoll set (EPERM, as on Linux).
 */
#ifndef KERNEL_POLL_H
#define KERNEL_POLL_H

#include <poll.h>
#include "file.h"
#include "waitq.h"

#define POLL_DEFAULT_MASK (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM)

/* Filled in by poll/select/epoll; a file's poll op only passes it on. */
struct poll_table {
	void (*queue)(struct poll_table *pt, struct waitq *wq);
};

/* Register the poller behind pt (if any) on wq. */
static inline void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	if (pt && pt->queue)
		pt->queue(pt, wq);
}

/* The readiness mask of f, registering on its waitqs if pt is not NULL. */
static inline unsigned file_poll(struct file *f, struct poll_table *pt)
{
	return f->ops->poll ? f->ops->poll(f, pt) : POLL_DEFAULT_MASK;
}

/* fs/epoll.c: f's last reference is gone; take it out of every epoll set
 * (file_put calls this before f's release op). May sleep. */
void epoll_file_gone(struct file *f);

#endif
