/* SPDX-License-Identifier: MIT */
/*
 * poll, ppoll, select and pselect6, as Linux defines them. One loop serves
 * all four: each file is asked for its mask (polling.h) and, on the first
 * pass only, registers this thread on its waitqs; if nothing is ready the
 * thread sleeps until a waitq wakes it or the timeout passes, then asks
 * again. Files are held by reference for the whole call, so that the waitqs
 * they own outlive the registrations. Signal masks are accepted and
 * ignored (no asynchronous signals are delivered here).
 */
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <time.h>
#include "clock.h"
#include "file.h"
#include "mm.h"
#include "polling.h"
#include "syscall.h"

#define NSEC 1000000000ull

/* What select counts as readable, writable and exceptional (Linux's). */
#define IN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define OUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define EX_SET (POLLPRI)

struct req {
	struct file *f; /* NULL: no file (revents already set) */
	unsigned events, revents;
	unsigned sets; /* select: bit s set if the fd is in set s */
};

/* A registration of this call's waiter on one waitq. */
struct reg {
	struct waitq_entry e;
	struct reg *next;
};

struct poller {
	struct poll_table pt;
	struct waiter w;
	struct reg *regs;
	int error;
};

static void poller_queue(struct poll_table *pt, struct waitq *wq)
{
	struct poller *p = container_of(pt, struct poller, pt);
	struct reg *r = kmalloc(sizeof(*r));

	if (!r) {
		p->error = -ENOMEM;
		return;
	}
	waitq_add_waiter(wq, &r->e, &p->w);
	r->next = p->regs;
	p->regs = r;
}

/* Ask every file; with pt, the first ones register until one is ready
 * (then there is no need to wait). implicit: what is reported unasked
 * (POLLERR|POLLHUP for poll, nothing for select). Returns how many are
 * ready. */
static int scan(struct req *q, int n, struct poll_table *pt, unsigned implicit)
{
	int ready = 0;

	for (int i = 0; i < n; i++) {
		if (!q[i].f) {
			ready += q[i].revents != 0;
			continue;
		}
		q[i].revents = file_poll(q[i].f, pt) & (q[i].events | implicit);
		if (q[i].revents) {
			ready++;
			pt = NULL;
		}
	}
	return ready;
}

/* Wait until one of the n requests is ready or the deadline (monotonic ns;
 * 0: none) passes; nonblock: just look. Returns the ready count or -errno;
 * the files' references are the caller's. */
static int wait_ready(struct req *q, int n, bool nonblock, uint64_t deadline, unsigned implicit)
{
	struct poller p = { .pt = { poller_queue } };
	bool timed_out = nonblock;
	int ready;

	waiter_init(&p.w);
	for (struct poll_table *pt = nonblock ? NULL : &p.pt;; pt = NULL) {
		ready = scan(q, n, pt, implicit);
		if (ready || timed_out || p.error)
			break;
		timed_out = waiter_sleep(&p.w, deadline) == -ETIMEDOUT;
	}
	while (p.regs) {
		struct reg *r = p.regs;
		p.regs = r->next;
		waitq_remove(&r->e);
		kfree(r);
	}
	return ready ? ready : p.error;
}

static void put_files(struct req *q, int n)
{
	for (int i = 0; i < n; i++)
		if (q[i].f)
			file_put(q[i].f);
}

/* A timeout in ns (UINT64_MAX: none) as a deadline (0: none). */
static uint64_t deadline_after(uint64_t ns)
{
	uint64_t now = clock_uptime_ns();

	if (ns == UINT64_MAX)
		return 0;
	return now + ns < now ? UINT64_MAX : now + ns;
}

/* ns: the timeout (0: just look; UINT64_MAX: none); deadline: its end. */
static long do_poll(uint64_t ufds, uint64_t nfds, uint64_t ns, uint64_t deadline)
{
	struct pollfd *fds;
	struct req *q;
	long r;

	if (nfds > FD_MAX)
		return -EINVAL;
	fds = kmalloc(nfds * sizeof(*fds) + 1);
	q = kzalloc(nfds * sizeof(*q) + 1);
	if (!fds || !q) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = copy_from_user(fds, ufds, nfds * sizeof(*fds))))
		goto out;
	for (uint64_t i = 0; i < nfds; i++) {
		q[i].events = (unsigned short)fds[i].events;
		if (fds[i].fd >= 0 && !(q[i].f = fd_get(fds[i].fd)))
			q[i].revents = POLLNVAL;
	}
	r = wait_ready(q, (int)nfds, ns == 0, deadline, POLLERR | POLLHUP);
	put_files(q, (int)nfds);
	if (r >= 0) {
		for (uint64_t i = 0; i < nfds; i++)
			fds[i].revents = (short)q[i].revents;
		if (copy_to_user(ufds, fds, nfds * sizeof(*fds)))
			r = -EFAULT;
	}
out:
	kfree(fds);
	kfree(q);
	return r;
}

SYSCALL(poll)
{
	int ms = (int)arg[2];
	uint64_t ns = ms < 0 ? UINT64_MAX : (uint64_t)ms * 1000000;

	return do_poll(arg[0], arg[1], ns, deadline_after(ns));
}

/* A user timespec as ns (UINT64_MAX for a NULL pointer: no timeout). */
static long get_timeout(uint64_t uts, uint64_t *ns)
{
	struct timespec ts;

	*ns = UINT64_MAX;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC)
		return -EINVAL;
	*ns = (uint64_t)ts.tv_sec >= UINT64_MAX / NSEC - 1 ? UINT64_MAX - 1
							  : ts.tv_sec * NSEC + ts.tv_nsec;
	return 0;
}

/* The time left until deadline, written back as Linux does for select,
 * pselect6 and ppoll (a failed write is ignored, as there). */
static void put_left(uint64_t uts, uint64_t deadline, bool timeval)
{
	uint64_t now = clock_uptime_ns(), left = deadline > now ? deadline - now : 0;

	if (timeval) {
		struct timeval tv = { .tv_sec = left / NSEC, .tv_usec = left % NSEC / 1000 };
		copy_to_user(uts, &tv, sizeof(tv));
	} else {
		struct timespec ts = { .tv_sec = left / NSEC, .tv_nsec = left % NSEC };
		copy_to_user(uts, &ts, sizeof(ts));
	}
}

/* A signal mask is accepted when its size is the kernel's sigset_t. */
static long check_sigmask(uint64_t mask, uint64_t size)
{
	return mask && size != _NSIG / 8 ? -EINVAL : 0;
}

SYSCALL(ppoll)
{
	uint64_t ns, deadline;
	long r;

	if ((r = get_timeout(arg[2], &ns)) || (r = check_sigmask(arg[3], arg[4])))
		return r;
	deadline = deadline_after(ns);
	r = do_poll(arg[0], arg[1], ns, deadline);
	if (arg[2] && r >= 0)
		put_left(arg[2], deadline, false);
	return r;
}

#define FDSET_WORDS(n) (((n) + 63) / 64)

/* select's core: the three bitmaps (NULL pointers allowed) in and out. */
static long do_select(int64_t nfds, uint64_t uin, uint64_t uout, uint64_t uex, uint64_t ns,
		      uint64_t deadline)
{
	uint64_t sets[3][FDSET_WORDS(FD_MAX)], usets[3] = { uin, uout, uex };
	static const unsigned want[3] = { IN_SET, OUT_SET, EX_SET };
	size_t bytes;
	struct req *q;
	int *fdof, n = 0;
	long r;

	if (nfds < 0)
		return -EINVAL;
	nfds = MIN(nfds, FD_MAX);
	bytes = FDSET_WORDS(nfds) * 8;
	kmemset(sets, 0, sizeof(sets));
	for (int s = 0; s < 3; s++)
		if (usets[s] && copy_from_user(sets[s], usets[s], bytes))
			return -EFAULT;
	q = kzalloc(nfds * sizeof(*q) + 1);
	fdof = kmalloc(nfds * sizeof(*fdof) + 1);
	if (!q || !fdof) {
		r = -ENOMEM;
		goto out;
	}
	for (int fd = 0; fd < nfds; fd++) {
		unsigned events = 0, in = 0;
		for (int s = 0; s < 3; s++) {
			if (sets[s][fd / 64] >> (fd % 64) & 1) {
				events |= want[s];
				in |= 1u << s;
			}
		}
		if (!events)
			continue;
		if (!(q[n].f = fd_get(fd))) {
			r = -EBADF;
			goto put;
		}
		q[n].events = events;
		q[n].sets = in;
		fdof[n++] = fd;
	}
	r = wait_ready(q, n, ns == 0, deadline, 0);
	if (r < 0)
		goto put;
	/* The sets come back holding just the ready descriptors. */
	r = 0;
	kmemset(sets, 0, sizeof(sets));
	for (int i = 0; i < n; i++) {
		for (int s = 0; s < 3; s++) {
			if ((q[i].sets >> s & 1) && (q[i].revents & want[s])) {
				sets[s][fdof[i] / 64] |= 1ull << (fdof[i] % 64);
				r++;
			}
		}
	}
	for (int s = 0; s < 3; s++)
		if (usets[s] && copy_to_user(usets[s], sets[s], bytes))
			r = -EFAULT;
put:
	put_files(q, n);
out:
	kfree(q);
	kfree(fdof);
	return r;
}

SYSCALL(select)
{
	uint64_t ns = UINT64_MAX, deadline;
	struct timeval tv;
	long r;

	if (arg[4]) {
		if (copy_from_user(&tv, arg[4], sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		ns = (uint64_t)tv.tv_sec >= UINT64_MAX / NSEC - 1
			     ? UINT64_MAX - 1
			     : tv.tv_sec * NSEC + (uint64_t)tv.tv_usec * 1000;
	}
	deadline = deadline_after(ns);
	r = do_select((int64_t)(int)arg[0], arg[1], arg[2], arg[3], ns, deadline);
	if (arg[4] && r >= 0)
		put_left(arg[4], deadline, true);
	return r;
}

SYSCALL(pselect6)
{
	uint64_t ns, deadline;
	struct {
		uint64_t mask, size;
	} sig;
	long r;

	if ((r = get_timeout(arg[4], &ns)))
		return r;
	if (arg[5]) {
		if (copy_from_user(&sig, arg[5], sizeof(sig)))
			return -EFAULT;
		if ((r = check_sigmask(sig.mask, sig.size)))
			return r;
	}
	deadline = deadline_after(ns);
	r = do_select((int64_t)(int)arg[0], arg[1], arg[2], arg[3], ns, deadline);
	if (arg[4] && r >= 0)
		put_left(arg[4], deadline, false);
	return r;
}
