/* SPDX-License-Identifier: MIT */
/*
 * epoll, as Linux defines it: an epoll set is a file (one fd table), holds
 * items keyed by (fd, file), reports level-triggered by default, EPOLLET
 * (once per wake-up of the file) and EPOLLONESHOT (then disabled until
 * EPOLL_CTL_MOD), returns data verbatim, and is itself pollable (readable
 * while an item is ready) and nestable (loops: ELOOP).
 *
 * Each item is registered on its file's waitqs; their wake-up puts it on
 * the set's ready list and wakes the set's waitq. epoll_wait then re-polls
 * the items on the ready list (so a wake-up for someone else costs only a
 * poll) and reports those that are ready.
 *
 * An item holds no reference to its file. As on Linux, closing the last
 * descriptor of a file (its last reference) takes it out of every set
 * (epoll_file_gone, from file_put), so a close without EPOLL_CTL_DEL
 * neither leaks the file nor reports it again.
 *
 * Locks, outermost first: epmutex (global: sets and files going away, and
 * adding a set to a set, with its loop check), a set's mtx (control and
 * harvest: items live while it is held), a set's lock (the ready list and
 * the items' events: what wake-ups touch, from any context), and links
 * (every file's list of items). A set's mtx is taken before those of the
 * sets it contains.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include "clock.h"
#include "file.h"
#include "mm.h"
#include "polling.h"
#include "syscall.h"

#define EP_FLAGS (EPOLLET | EPOLLONESHOT | EPOLLWAKEUP | EPOLLEXCLUSIVE)
#define EP_MAX_NESTS 4 /* as Linux */

struct epoll {
	struct kmutex mtx;
	struct spinlock lock;
	struct list items; /* every item (mtx) */
	struct list ready; /* items that may be ready (lock) */
	struct waitq wq;   /* epoll_wait callers, pollers of the set */
};

/* A registration of an item on one of its file's waitqs. */
struct epreg {
	struct waitq_entry e;
	struct epreg *next;
};

struct epitem {
	struct epoll *ep;
	struct file *file;
	int fd;
	uint32_t events; /* asked for, with EPOLLERR|EPOLLHUP; a fired one-shot keeps EP_FLAGS */
	uint64_t data;
	struct list link;     /* in ep->items */
	struct list rlink;    /* in ep->ready or a harvest's list; on none: empty */
	struct epitem *fnext; /* in file->epitems (links) */
	struct epreg *regs;
	struct poll_table pt;
	int error;
};

static struct kmutex epmutex;
static struct spinlock links;
static const struct file_ops epoll_ops;

/* A wake-up of the item's file (any context; the file's waitq is locked). */
static void item_wake(struct waitq_entry *e)
{
	struct epitem *it = e->priv;
	struct epoll *ep = it->ep;
	bool armed;

	spin_lock(&ep->lock);
	armed = it->events & ~EP_FLAGS;
	if (armed && list_empty(&it->rlink))
		list_add_tail(&it->rlink, &ep->ready);
	spin_unlock(&ep->lock);
	if (armed)
		waitq_wake_all(&ep->wq);
}

static void item_queue(struct poll_table *pt, struct waitq *wq)
{
	struct epitem *it = container_of(pt, struct epitem, pt);
	struct epreg *r = kmalloc(sizeof(*r));

	if (!r) {
		it->error = -ENOMEM;
		return;
	}
	r->e.wake = item_wake;
	r->e.priv = it;
	waitq_add(wq, &r->e);
	r->next = it->regs;
	it->regs = r;
}

/* Put it on the ready list if mask has what it waits for, and wake. */
static void item_ready(struct epoll *ep, struct epitem *it, unsigned mask)
{
	bool ready;

	spin_lock(&ep->lock);
	ready = mask & it->events & ~EP_FLAGS;
	if (ready && list_empty(&it->rlink))
		list_add_tail(&it->rlink, &ep->ready);
	spin_unlock(&ep->lock);
	if (ready)
		waitq_wake_all(&ep->wq);
}

static struct epitem *item_find(struct epoll *ep, int fd, struct file *f)
{
	list_for_each(p, &ep->items) {
		struct epitem *it = list_entry(p, struct epitem, link);
		if (it->fd == fd && it->file == f)
			return it;
	}
	return NULL;
}

/* Take it out of its set and free it (ep->mtx held). */
static void item_remove(struct epoll *ep, struct epitem *it)
{
	/* First the registrations: then no wake-up can queue it again. */
	while (it->regs) {
		struct epreg *r = it->regs;
		it->regs = r->next;
		waitq_remove(&r->e);
		kfree(r);
	}
	spin_lock(&ep->lock);
	list_del_init(&it->rlink);
	spin_unlock(&ep->lock);
	list_del_init(&it->link);
	spin_lock(&links);
	for (struct epitem **pp = &it->file->epitems; *pp; pp = &(*pp)->fnext) {
		if (*pp == it) {
			*pp = it->fnext;
			break;
		}
	}
	spin_unlock(&links);
	kfree(it);
}

/* Re-poll the items on the ready list and report up to max that are
 * ready into out (ep->mtx held). Level-triggered items that are reported
 * stay on the list, for the next call; edge-triggered ones wait for their
 * next wake-up; a one-shot one is disabled. peek: only say whether one is
 * ready (max 1), leaving it queued and changing nothing. */
static int harvest(struct epoll *ep, struct epoll_event *out, int max, bool peek)
{
	struct list todo;
	int n = 0;

	list_init(&todo);
	spin_lock(&ep->lock);
	list_splice(&ep->ready, &todo, false);
	while (!list_empty(&todo) && n < max) {
		struct epitem *it = list_entry(todo.next, struct epitem, rlink);
		unsigned mask;
		/* Off every list while polled: a wake-up from now on queues
		 * it again, so none is missed between the poll and the end. */
		list_del_init(&it->rlink);
		spin_unlock(&ep->lock);
		mask = file_poll(it->file, NULL);
		spin_lock(&ep->lock);
		mask &= it->events & ~EP_FLAGS;
		if (!mask)
			continue;
		if (peek) {
			if (list_empty(&it->rlink))
				list_add_head(&it->rlink, &ep->ready);
			n = 1;
			break;
		}
		out[n++] = (struct epoll_event){ .events = mask, .data.u64 = it->data };
		if (it->events & EPOLLONESHOT)
			it->events &= EP_FLAGS;
		else if (!(it->events & EPOLLET) && list_empty(&it->rlink))
			list_add_tail(&it->rlink, &ep->ready);
	}
	list_splice(&todo, &ep->ready, true);
	spin_unlock(&ep->lock);
	return n;
}

/* Is the set `to` reachable from the set `from` (or nested too deep)?
 * Every set below the one being added to is locked while looked at. */
static bool reaches(struct epoll *from, struct epoll *to, int depth)
{
	bool found = false;

	if (from == to || depth > EP_MAX_NESTS)
		return true;
	kmutex_lock(&from->mtx);
	list_for_each(p, &from->items) {
		struct epitem *it = list_entry(p, struct epitem, link);
		if (it->file->ops == &epoll_ops && reaches(it->file->priv, to, depth + 1)) {
			found = true;
			break;
		}
	}
	kmutex_unlock(&from->mtx);
	return found;
}

/* EPOLL_CTL_ADD (ep->mtx held). */
static long item_add(struct epoll *ep, int fd, struct file *f, const struct epoll_event *ev)
{
	struct epitem *it;
	unsigned mask;

	if (item_find(ep, fd, f))
		return -EEXIST;
	if (f->ops == &epoll_ops && reaches(f->priv, ep, 1))
		return -ELOOP;
	if (!(it = kzalloc(sizeof(*it))))
		return -ENOMEM;
	it->ep = ep;
	it->file = f;
	it->fd = fd;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data.u64;
	it->pt.queue = item_queue;
	list_init(&it->rlink);
	list_add_tail(&it->link, &ep->items);
	spin_lock(&links);
	it->fnext = f->epitems;
	f->epitems = it;
	f->epolled = true;
	spin_unlock(&links);
	/* Registered before the state is read: nothing is missed. */
	mask = file_poll(f, &it->pt);
	if (it->error) {
		item_remove(ep, it);
		return -ENOMEM;
	}
	item_ready(ep, it, mask);
	return 0;
}

/* EPOLL_CTL_MOD (ep->mtx held): new events and data, and a fresh look. */
static long item_mod(struct epoll *ep, int fd, struct file *f, const struct epoll_event *ev)
{
	struct epitem *it = item_find(ep, fd, f);

	if (!it)
		return -ENOENT;
	spin_lock(&ep->lock);
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data.u64;
	spin_unlock(&ep->lock);
	item_ready(ep, it, file_poll(f, NULL));
	return 0;
}

static long ctl(struct file *epf, int op, int fd, struct file *f, const struct epoll_event *ev)
{
	struct epoll *ep = epf->priv;
	bool nest = op == EPOLL_CTL_ADD && f->ops == &epoll_ops;
	struct epitem *it;
	long r;

	if (!f->ops->poll)
		return -EPERM;
	if (epf->ops != &epoll_ops || f == epf)
		return -EINVAL;
	if (ev && (ev->events & EPOLLEXCLUSIVE) && (op == EPOLL_CTL_MOD || f->ops == &epoll_ops))
		return -EINVAL;
	if (nest)
		kmutex_lock(&epmutex);
	kmutex_lock(&ep->mtx);
	switch (op) {
	case EPOLL_CTL_ADD:
		r = item_add(ep, fd, f, ev);
		break;
	case EPOLL_CTL_MOD:
		r = item_mod(ep, fd, f, ev);
		break;
	case EPOLL_CTL_DEL:
		if ((it = item_find(ep, fd, f)))
			item_remove(ep, it);
		r = it ? 0 : -ENOENT;
		break;
	default:
		r = -EINVAL;
	}
	kmutex_unlock(&ep->mtx);
	if (nest)
		kmutex_unlock(&epmutex);
	return r;
}

SYSCALL(epoll_ctl)
{
	int op = (int)arg[1];
	bool has_event = op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD;
	struct epoll_event ev;
	struct file *epf, *f;
	long r;

	if (has_event && copy_from_user(&ev, arg[3], sizeof(ev)))
		return -EFAULT;
	if (!(epf = fd_get((int)arg[0])))
		return -EBADF;
	if (!(f = fd_get((int)arg[2]))) {
		file_put(epf);
		return -EBADF;
	}
	r = ctl(epf, op, (int)arg[2], f, has_event ? &ev : NULL);
	file_put(f);
	file_put(epf);
	return r;
}

/* The set as a file: readable while one of its items is ready. */
static unsigned ep_poll(struct file *f, struct poll_table *pt)
{
	struct epoll *ep = f->priv;
	int n;

	poll_wait(pt, &ep->wq);
	kmutex_lock(&ep->mtx);
	n = harvest(ep, NULL, 1, true);
	kmutex_unlock(&ep->mtx);
	return n ? POLLIN | POLLRDNORM : 0;
}

static long ep_stat(struct file *f, struct stat *st)
{
	(void)f;
	st->st_mode = 0600; /* an anonymous inode, as on Linux */
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

/* The set's last reference: its items go (epoll_file_gone already took
 * the set out of the sets that held it). */
static void ep_release(struct file *f)
{
	struct epoll *ep = f->priv;

	kmutex_lock(&epmutex);
	kmutex_lock(&ep->mtx);
	while (!list_empty(&ep->items))
		item_remove(ep, list_entry(ep->items.next, struct epitem, link));
	kmutex_unlock(&ep->mtx);
	kmutex_unlock(&epmutex);
	kfree(ep);
}

static const struct file_ops epoll_ops = {
	.stat = ep_stat,
	.release = ep_release,
	.poll = ep_poll,
	.anon_name = "[eventpoll]",
};

void epoll_file_gone(struct file *f)
{
	kmutex_lock(&epmutex);
	for (;;) {
		struct epitem *it;
		struct epoll *ep;
		spin_lock(&links);
		it = f->epitems;
		spin_unlock(&links);
		if (!it)
			break;
		/* The item cannot go meanwhile: EPOLL_CTL_DEL would need a
		 * reference to f, and its set going away needs epmutex. */
		ep = it->ep;
		kmutex_lock(&ep->mtx);
		item_remove(ep, it);
		kmutex_unlock(&ep->mtx);
	}
	kmutex_unlock(&epmutex);
}

static long create(int flags)
{
	struct epoll *ep;
	struct file *f;
	int fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	if (!(ep = kzalloc(sizeof(*ep))))
		return -ENOMEM;
	list_init(&ep->items);
	list_init(&ep->ready);
	if (!(f = file_new(&epoll_ops, O_RDWR, ep))) {
		kfree(ep);
		return -ENFILE;
	}
	fd = fd_install(f, 0, flags & EPOLL_CLOEXEC);
	file_put(f);
	return fd;
}

SYSCALL(epoll_create1)
{
	return create((int)arg[0]);
}

SYSCALL(epoll_create)
{
	return (int)arg[0] <= 0 ? -EINVAL : create(0);
}

static long do_wait(int epfd, uint64_t uev, int max, int ms)
{
	uint64_t deadline = ms > 0 ? clock_uptime_ns() + (uint64_t)ms * 1000000 : 0;
	struct epoll_event *out;
	struct waitq_entry e;
	struct waiter w;
	struct epoll *ep;
	struct file *f;
	bool timed_out = ms == 0;
	long n;

	if (max <= 0 || (uint64_t)max > INT32_MAX / sizeof(*out))
		return -EINVAL;
	if (!vm_user_ok(uev, (uint64_t)max * sizeof(*out), true))
		return -EFAULT;
	if (!(f = fd_get(epfd)))
		return -EBADF;
	if (f->ops != &epoll_ops) {
		file_put(f);
		return -EINVAL;
	}
	ep = f->priv;
	/* No set holds more than FD_MAX items that could be ready at once. */
	max = MIN(max, FD_MAX);
	if (!(out = kmalloc((size_t)max * sizeof(*out)))) {
		file_put(f);
		return -ENOMEM;
	}
	waiter_init(&w);
	waitq_add_waiter(&ep->wq, &e, &w);
	for (;;) {
		kmutex_lock(&ep->mtx);
		n = harvest(ep, out, max, false);
		kmutex_unlock(&ep->mtx);
		if (n || timed_out)
			break;
		timed_out = waiter_sleep(&w, deadline) == -ETIMEDOUT;
	}
	waitq_remove(&e);
	if (n && copy_to_user(uev, out, (size_t)n * sizeof(*out)))
		n = -EFAULT;
	kfree(out);
	file_put(f);
	return n;
}

SYSCALL(epoll_wait)
{
	return do_wait((int)arg[0], arg[1], (int)arg[2], (int)arg[3]);
}

SYSCALL(epoll_pwait)
{
	/* The signal mask is accepted and ignored (no asynchronous signals). */
	if (arg[4] && arg[5] != _NSIG / 8)
		return -EINVAL;
	return do_wait((int)arg[0], arg[1], (int)arg[2], (int)arg[3]);
}
