/* SPDX-License-Identifier: MIT */
/* Threads as Linux and musl's pthreads see them: clone, exit, the thread
 * id, affinity, signals sent to a thread, membarrier. */
#include <signal.h>
#include "futex.h"
#include "log.h"
#include "power.h"
#include "sched.h"
#include "syscall.h"

/* clone flags (Linux ABI; <sched.h> is shadowed by the kernel's own). */
#define CLONE_VM 0x100
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000

#define SIGNAMES_MAX 32

static const char *const signames[SIGNAMES_MAX] = {
	[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
};

static int put_tid(uint64_t uaddr, int tid)
{
	return copy_to_user(uaddr, &tid, sizeof(tid));
}

SYSCALL(clone)
{
	uint64_t flags = arg[0], newsp = arg[1], ptid = arg[2], ctid = arg[3], tls = arg[4];
	struct thread *me = thread_current(), *t;
	struct syscall_frame *f;
	uint64_t *sp;

	if ((flags & (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND)) !=
	    (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND)) {
		pr_warn("clone: only threads (CLONE_VM|CLONE_THREAD|CLONE_SIGHAND) exist here, "
			"flags 0x%lx refused", (unsigned long)flags);
		return -ENOSYS;
	}
	if ((flags & CLONE_PARENT_SETTID) && !vm_user_ok(ptid, 4, true))
		return -EFAULT;
	if (!(t = thread_alloc()))
		return -EAGAIN;
	/* The child returns from this very call, with 0, on its own stack. */
	f = (struct syscall_frame *)(t->kstack_top - sizeof(*f));
	*f = *me->frame;
	if (newsp)
		f->rsp = newsp;
	sp = (uint64_t *)f;
	*--sp = (uint64_t)clone_child_start;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->ctx = (uint64_t)sp;
	t->fs_base = flags & CLONE_SETTLS ? tls : cpu_fs_base();
	fpu_snapshot(me, t); /* the child starts with the parent's FPU/SSE registers */
	t->affinity = me->affinity;
	t->cpu = me->cpu;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ctid;
	if (flags & CLONE_PARENT_SETTID)
		put_tid(ptid, t->tid);
	if ((flags & CLONE_CHILD_SETTID) && put_tid(ctid, t->tid))
		pr_warn("clone: CLONE_CHILD_SETTID address %p is not writable", (void *)ctid);
	sched_start(t);
	return t->tid;
}

/* One thread ends; the last one ends the program with its code. */
SYSCALL(exit)
{
	struct thread *me = thread_current();
	int zero = 0;

	if (me->clear_child_tid && copy_to_user(me->clear_child_tid, &zero, sizeof(zero)) == 0)
		futex_wake(me->clear_child_tid, 1, FUTEX_BITSET_MATCH_ANY);
	sched_exit_thread((int)arg[0]);
}

SYSCALL(set_tid_address)
{
	thread_current()->clear_child_tid = arg[0];
	return thread_current()->tid;
}

SYSCALL(gettid)
{
	(void)arg;
	return thread_current()->tid;
}

SYSCALL(sched_yield)
{
	(void)arg;
	schedule();
	return 0;
}

SYSCALL(set_robust_list)
{
	/* Accepted: robust mutexes of threads that die holding them are not
	 * recovered (threads here only die with the whole program). */
	return arg[1] == 24 ? 0 : -EINVAL;
}

static struct thread *target(uint64_t pid)
{
	return pid == 0 ? thread_current() : thread_find((int)pid);
}

static uint64_t online_cpus(void)
{
	uint64_t m = 0;

	for (uint32_t i = 0; i < MAX_CPUS; i++)
		if (cpus[i].online)
			m |= 1ull << i;
	return m;
}

SYSCALL(sched_getaffinity)
{
	struct thread *t = target(arg[0]);
	uint64_t mask;

	if (!t)
		return -ESRCH;
	if (arg[1] < sizeof(mask) || (arg[1] & (sizeof(long) - 1)))
		return -EINVAL;
	mask = t->affinity & online_cpus();
	if (copy_to_user(arg[2], &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}

SYSCALL(sched_setaffinity)
{
	struct thread *t = target(arg[0]);
	uint64_t mask = 0;

	if (!t)
		return -ESRCH;
	if (copy_from_user(&mask, arg[2], MIN(arg[1], sizeof(mask))))
		return -EFAULT;
	mask &= online_cpus();
	if (!mask)
		return -EINVAL;
	t->affinity = mask;
	if (t == thread_current() && !((mask >> t->cpu) & 1))
		sched_migrate();
	return 0;
}

SYSCALL(getcpu)
{
	uint32_t cpu = thread_current()->cpu, node = 0;

	if (arg[0] && copy_to_user(arg[0], &cpu, sizeof(cpu)))
		return -EFAULT;
	if (arg[1] && copy_to_user(arg[1], &node, sizeof(node)))
		return -EFAULT;
	return 0;
}

/* A signal sent to a thread: without signal delivery, an ignored signal is
 * dropped and any other ends the program as its default action would. */
static long kill_thread(int tid, int sig)
{
	if (!thread_find(tid))
		return -ESRCH;
	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (sig == 0 || signal_ignored(sig))
		return 0;
	kprintf("[hermit] thread %d got signal %d (%s): the app is terminated (status %d)\n", tid,
		sig, sig < SIGNAMES_MAX && signames[sig] ? signames[sig] : "?", 128 + sig);
	power_exit(128 + sig);
}

SYSCALL(tkill)
{
	return kill_thread((int)arg[0], (int)arg[1]);
}

SYSCALL(tgkill)
{
	if (arg[0] != 1)
		return -ESRCH;
	return kill_thread((int)arg[1], (int)arg[2]);
}

enum {
	MEMBARRIER_CMD_QUERY = 0,
	MEMBARRIER_CMD_GLOBAL = 1,
	MEMBARRIER_CMD_GLOBAL_EXPEDITED = 2,
	MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 4,
	MEMBARRIER_CMD_PRIVATE_EXPEDITED = 8,
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 16,
	MEMBARRIER_SUPPORTED = 0x1f,
};

static volatile int private_registered;

SYSCALL(membarrier)
{
	switch (arg[1] ? -1 : (int)arg[0]) {
	case MEMBARRIER_CMD_QUERY:
		return MEMBARRIER_SUPPORTED;
	case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
		return 0;
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
		private_registered = 1;
		return 0;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
		if (!private_registered)
			return -EPERM;
		/* fall through */
	case MEMBARRIER_CMD_GLOBAL:
	case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
		/* Every CPU takes an interrupt and answers it: a full barrier
		 * on each. */
		tlb_shootdown();
		return 0;
	default:
		return -EINVAL;
	}
}
