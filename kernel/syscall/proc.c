/* SPDX-License-Identifier: MIT */
/* The process as Linux describes it: one process (pid 1), root
 * credentials, signal state kept but not yet delivered. */
#include <signal.h>
#include <sys/random.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include "clock.h"
#include "cpu.h"
#include "log.h"
#include "power.h"
#include "random.h"
#include "sched.h"
#include "syscall.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define NSIG_MAX 64
#define SIGSET_SIZE 8
#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))

/* The kernel's view of struct k_sigaction (not musl's struct sigaction). */
struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

static struct ksigaction actions[NSIG_MAX];
static uint64_t sigmask;

/* Linux's TASK_SIZE_MAX: FS bases at or above it are refused with EPERM. */
#define USER_ADDR_MAX 0x7ffffffff000ull

SYSCALL(arch_prctl)
{
	uint64_t fs;

	switch (arg[0]) {
	case ARCH_SET_FS:
		if (arg[1] >= USER_ADDR_MAX)
			return -EPERM;
		cpu_set_fs_base(arg[1]);
		thread_current()->fs_base = arg[1];
		return 0;
	case ARCH_GET_FS:
		fs = cpu_fs_base();
		return copy_to_user(arg[1], &fs, sizeof(fs));
	case ARCH_SET_GS:
	case ARCH_GET_GS:
		return -EPERM; /* GS holds the kernel's per-CPU data (DESIGN.md D2) */
	default:
		return -EINVAL;
	}
}

SYSCALL(getpid)
{
	(void)arg;
	return 1;
}

SYSCALL(getppid)
{
	(void)arg;
	return 0;
}

#define ROOT_ID(name)      \
	SYSCALL(name)      \
	{                  \
		(void)arg; \
		return 0;  \
	}
ROOT_ID(getuid)
ROOT_ID(geteuid)
ROOT_ID(getgid)
ROOT_ID(getegid)

SYSCALL(uname)
{
	struct utsname u;

	kmemset(&u, 0, sizeof(u));
	kmemcpy(u.sysname, "Hermit", 7);
	kmemcpy(u.nodename, "hermit", 7);
	kmemcpy(u.release, "0.1.0-hermit-c", 15);
	kmemcpy(u.version, "#1 SMP", 7);
	kmemcpy(u.machine, "x86_64", 7);
	return copy_to_user(arg[0], &u, sizeof(u));
}

SYSCALL(sysinfo)
{
	struct sysinfo si;

	kmemset(&si, 0, sizeof(si));
	si.uptime = clock_uptime_ns() / 1000000000ull;
	si.totalram = frames_total() * PAGE_SIZE;
	si.freeram = frames_free() * PAGE_SIZE;
	si.procs = 1;
	si.mem_unit = 1;
	return copy_to_user(arg[0], &si, sizeof(si));
}

SYSCALL(getrandom)
{
	uint64_t len = MIN(arg[1], 33554431ull); /* Linux's cap per call */

	if (arg[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) ||
	    (arg[2] & GRND_RANDOM && arg[2] & GRND_INSECURE))
		return -EINVAL;
	if (!vm_user_ok(arg[0], len, true))
		return -EFAULT;
	random_fill((void *)arg[0], len);
	return (long)len;
}

bool signal_ignored(int sig)
{
	return sig >= 1 && sig <= NSIG_MAX && actions[sig - 1].handler == (uint64_t)SIG_IGN;
}

SYSCALL(rt_sigaction)
{
	uint64_t sig = arg[0];
	struct ksigaction act;

	if (arg[3] != SIGSET_SIZE || sig < 1 || sig > NSIG_MAX)
		return -EINVAL;
	if (arg[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (arg[1] && copy_from_user(&act, arg[1], sizeof(act)))
		return -EFAULT;
	if (arg[2] && copy_to_user(arg[2], &actions[sig - 1], sizeof(act)))
		return -EFAULT;
	if (arg[1])
		actions[sig - 1] = act;
	return 0;
}

SYSCALL(rt_sigprocmask)
{
	uint64_t set, old = sigmask;

	if (arg[3] != SIGSET_SIZE)
		return -EINVAL;
	if (arg[1]) {
		if (copy_from_user(&set, arg[1], sizeof(set)))
			return -EFAULT;
		switch (arg[0]) {
		case SIG_BLOCK:
			sigmask |= set;
			break;
		case SIG_UNBLOCK:
			sigmask &= ~set;
			break;
		case SIG_SETMASK:
			sigmask = set;
			break;
		default:
			return -EINVAL;
		}
		sigmask &= ~UNBLOCKABLE;
	}
	if (arg[2] && copy_to_user(arg[2], &old, sizeof(old))) {
		sigmask = old;
		return -EFAULT;
	}
	return 0;
}

SYSCALL(exit_group)
{
	power_exit((int)arg[0]);
}
