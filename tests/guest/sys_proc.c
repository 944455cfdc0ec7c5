/*
 * sys_proc: the process and miscellaneous system calls (arch_prctl,
 * set_tid_address, the id calls, uname, getrandom, sched_yield, sysinfo,
 * rt_sigaction, rt_sigprocmask, unknown numbers), with Linux's return values
 * and errno. Ids are checked by their relations, not by their values.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#define ARCH_SET_FS   0x1002
#define ARCH_GET_FS   0x1003
#define GRND_NONBLOCK 1
#define KERNEL_ADDR   ((void *)0xffff800000001000UL)
#define SIGSET_SIZE   8
#define BIT(sig)      (1UL << ((sig)-1))

/* The kernel's struct sigaction on x86_64 (not libc's). */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static __thread int tls_value = 1234;

#include "check.h"

/*
 * raw_syscall2: a system call that touches neither errno nor anything else
 * reached through FS, for the moments when FS points at a fake TLS block.
 */
static long raw_syscall2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

static void *fs_word0(void)
{
	void *v;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static void test_arch_prctl(void)
{
	/* musl's thread pointer points at itself, so %fs:0 is FS's base. */
	static struct {
		void *self;
		long pad[31];
	} fake;
	unsigned long old = 0, got = 0;
	long set, get, restore;
	void *seen;

	fake.self = &fake;
	RET("arch_prctl(ARCH_GET_FS)", syscall(SYS_arch_prctl, ARCH_GET_FS, &old), 0);
	check(old != 0 && old == (unsigned long)pthread_self(), "ARCH_GET_FS is the thread pointer",
	      old, (long)pthread_self());
	set = raw_syscall2(SYS_arch_prctl, ARCH_SET_FS, (long)&fake);
	seen = fs_word0();
	get = raw_syscall2(SYS_arch_prctl, ARCH_GET_FS, (long)&got);
	restore = raw_syscall2(SYS_arch_prctl, ARCH_SET_FS, old);
	check(set == 0, "ARCH_SET_FS to a new block", set, 0);
	check(seen == &fake, "%fs:0 reads the new block", (long)seen, (long)&fake);
	check(get == 0 && got == (unsigned long)&fake, "ARCH_GET_FS returns the new base", got,
	      (long)&fake);
	check(restore == 0, "ARCH_SET_FS back to the original", restore, 0);
	check(tls_value == 1234, "TLS works after the round trip", tls_value, 1234);
	errno = 0;
	syscall(SYS_close, 57);
	check(errno == EBADF, "errno (in TLS) works after the round trip", errno, EBADF);
	ERR("arch_prctl with unknown code 0x9999 -> EINVAL", syscall(SYS_arch_prctl, 0x9999, 0),
	    EINVAL);
	ERR("ARCH_GET_FS into (void *)1 -> EFAULT", syscall(SYS_arch_prctl, ARCH_GET_FS, (void *)1),
	    EFAULT);
	ERR("ARCH_SET_FS to a kernel-half address -> EPERM",
	    syscall(SYS_arch_prctl, ARCH_SET_FS, KERNEL_ADDR), EPERM);
}

static void test_ids(void)
{
	static int clear_tid;
	long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid);
	long ppid = syscall(SYS_getppid);

	printf("# pid %ld tid %ld ppid %ld uid %ld gid %ld\n", pid, tid, ppid, syscall(SYS_getuid),
	       syscall(SYS_getgid));
	check(pid > 0, "getpid is positive", pid, 1);
	check(tid == pid, "gettid == getpid in the main thread", tid, pid);
	check(ppid >= 0 && ppid != pid, "getppid is not getpid", ppid, pid);
	RET("set_tid_address returns the tid", syscall(SYS_set_tid_address, &clear_tid), tid);
	RET("getuid == geteuid", syscall(SYS_getuid), syscall(SYS_geteuid));
	RET("getgid == getegid", syscall(SYS_getgid), syscall(SYS_getegid));
	RET("getpid is stable", syscall(SYS_getpid), pid);
}

static void test_uname(void)
{
	struct utsname u;

	memset(&u, 0, sizeof(u));
	RET("uname", syscall(SYS_uname, &u), 0);
	printf("# uname: %s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version, u.machine);
	check(u.sysname[0] != 0, "uname sysname is set", 0, 1);
	check(u.release[0] != 0, "uname release is set", 0, 1);
	check(strcmp(u.machine, "x86_64") == 0, "uname machine is x86_64", u.machine[0], 'x');
	ERR("uname into (void *)1 -> EFAULT", syscall(SYS_uname, (void *)1), EFAULT);
}

static void test_getrandom(void)
{
	static unsigned char a[64], b[64], big[4096];
	long zero = 0;

	RET("getrandom 64 bytes", syscall(SYS_getrandom, a, sizeof(a), 0), sizeof(a));
	for (unsigned i = 0; i < sizeof(a); i++)
		zero += a[i] == 0;
	check(zero < 16, "getrandom filled the buffer", zero, 0);
	RET("getrandom again", syscall(SYS_getrandom, b, sizeof(b), 0), sizeof(b));
	check(memcmp(a, b, sizeof(a)) != 0, "two getrandom calls differ", 0, 1);
	RET("getrandom with GRND_NONBLOCK", syscall(SYS_getrandom, a, sizeof(a), GRND_NONBLOCK),
	    sizeof(a));
	RET("getrandom 4096 bytes", syscall(SYS_getrandom, big, sizeof(big), 0), sizeof(big));
	RET("getrandom of 0 bytes", syscall(SYS_getrandom, a, 0, 0), 0);
	ERR("getrandom with invalid flags 0x100 -> EINVAL",
	    syscall(SYS_getrandom, a, sizeof(a), 0x100), EINVAL);
	ERR("getrandom into (void *)1 -> EFAULT", syscall(SYS_getrandom, (void *)1, 16, 0), EFAULT);
}

static void handler(int sig)
{
	(void)sig;
}

static void test_sigaction(void)
{
	struct ksigaction act = {handler, SA_RESTART, NULL, BIT(SIGUSR2)};
	struct ksigaction old, cur, dfl = {SIG_DFL, 0, NULL, 0};

	memset(&old, 0xff, sizeof(old));
	RET("rt_sigaction installs a SIGUSR1 handler",
	    syscall(SYS_rt_sigaction, SIGUSR1, &act, &old, SIGSET_SIZE), 0);
	check(old.handler == SIG_DFL, "the old SIGUSR1 action was SIG_DFL", (long)old.handler,
	      (long)SIG_DFL);
	memset(&cur, 0, sizeof(cur));
	RET("rt_sigaction reads the action back",
	    syscall(SYS_rt_sigaction, SIGUSR1, NULL, &cur, SIGSET_SIZE), 0);
	check(cur.handler == handler, "the handler reads back", (long)cur.handler, (long)handler);
	check(cur.flags & SA_RESTART, "the flags read back", cur.flags, SA_RESTART);
	check(cur.mask == BIT(SIGUSR2), "the mask reads back", cur.mask, BIT(SIGUSR2));
	RET("rt_sigaction restores SIG_DFL",
	    syscall(SYS_rt_sigaction, SIGUSR1, &dfl, NULL, SIGSET_SIZE), 0);
	ERR("rt_sigaction with sigsetsize 4 -> EINVAL",
	    syscall(SYS_rt_sigaction, SIGUSR1, &act, NULL, 4), EINVAL);
	ERR("rt_sigaction on signal 0 -> EINVAL",
	    syscall(SYS_rt_sigaction, 0, &act, NULL, SIGSET_SIZE), EINVAL);
	ERR("rt_sigaction on signal 65 -> EINVAL",
	    syscall(SYS_rt_sigaction, 65, &act, NULL, SIGSET_SIZE), EINVAL);
	ERR("rt_sigaction catching SIGKILL -> EINVAL",
	    syscall(SYS_rt_sigaction, SIGKILL, &act, NULL, SIGSET_SIZE), EINVAL);
}

static unsigned long blocked(void)
{
	unsigned long m = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, SIGSET_SIZE);
	return m;
}

static void test_sigprocmask(void)
{
	unsigned long old = ~0UL, set = BIT(SIGUSR1), kill = BIT(SIGKILL) | BIT(SIGSTOP);

	RET("rt_sigprocmask reads the mask",
	    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &old, SIGSET_SIZE), 0);
	check(!(old & set), "SIGUSR1 starts unblocked", old, 0);
	RET("rt_sigprocmask blocks SIGUSR1",
	    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, SIGSET_SIZE), 0);
	check(blocked() == (old | set), "the mask reads back with SIGUSR1", blocked(), old | set);
	RET("rt_sigprocmask unblocks SIGUSR1",
	    syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, SIGSET_SIZE), 0);
	check(blocked() == old, "the mask reads back without SIGUSR1", blocked(), old);
	RET("rt_sigprocmask(SIG_BLOCK) of SIGKILL and SIGSTOP",
	    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &kill, NULL, SIGSET_SIZE), 0);
	check(blocked() == old, "SIGKILL and SIGSTOP are never blocked", blocked(), old);
	RET("rt_sigprocmask(SIG_SETMASK) restores the mask",
	    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, SIGSET_SIZE), 0);
	ERR("rt_sigprocmask with unknown how 99 -> EINVAL",
	    syscall(SYS_rt_sigprocmask, 99, &set, NULL, SIGSET_SIZE), EINVAL);
	ERR("rt_sigprocmask with sigsetsize 4 -> EINVAL",
	    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL);
	ERR("rt_sigprocmask from (void *)1 -> EFAULT",
	    syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, SIGSET_SIZE), EFAULT);
}

static void test_misc(void)
{
	struct sysinfo si;

	RET("sched_yield", syscall(SYS_sched_yield), 0);
	memset(&si, 0, sizeof(si));
	RET("sysinfo", syscall(SYS_sysinfo, &si), 0);
	printf("# sysinfo: totalram %lu KiB, freeram %lu KiB, mem_unit %u\n", si.totalram / 1024,
	       si.freeram / 1024, si.mem_unit);
	check(si.mem_unit == 1, "sysinfo mem_unit is 1", si.mem_unit, 1);
	check(si.totalram > 0 && si.freeram > 0 && si.freeram <= si.totalram,
	      "sysinfo: 0 < freeram <= totalram", si.freeram, si.totalram);
	ERR("unknown system call 999 -> ENOSYS", syscall(999), ENOSYS);
	ERR("system call number -1 -> ENOSYS", syscall(-1), ENOSYS);
	ERR("system call number 1000000 -> ENOSYS", syscall(1000000), ENOSYS);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_arch_prctl();
	test_ids();
	test_uname();
	test_getrandom();
	test_sigaction();
	test_sigprocmask();
	test_misc();
	printf("%d checks, %d failed\n", checks, failed);
	return failed != 0;
}
