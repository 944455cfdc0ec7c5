/*
 * thr_nofloat_clone: threads made with the raw clone system call, with the
 * flags musl's pthread_create passes, and no libc in the threads at all:
 * musl's pthread_create itself uses SSE (it clears structures with pxor),
 * so on a KVM that emulates instructions this is how uhyve's threads get
 * tested. Checks that the child starts on its stack with rax 0 and every
 * other register (but rcx and r11) as the parent had it; PARENT_SETTID and
 * CHILD_CLEARTID (with its futex wake, used to join); SETTLS: each thread's
 * FS points at its own block across yields, sleeps and CPU changes; a
 * futex-based lock counts N threads x M increments exactly.
 * Prints one line per check and "N checks, M failed"; exits 0 if all pass.
 */
#include "thr_nofloat.h"

#include <stdint.h>
#include <sys/syscall.h>

#define NTHREADS   4
#define ITERS	   200
#define INCS	   2000
#define STACK_SIZE (64 << 10)
/* What musl's pthread_create passes (CLONE_VM ... CLONE_DETACHED). */
#define CLONE_FLAGS	   0x7d0f00UL
#define FUTEX_WAIT	   0
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

/*
 * clone_check(flags, stack, ptid, ctid, tls, fn, arg): clone; the child
 * runs fn(arg, bad) on STACK and exits the thread with its result, where
 * bad counts the registers that were not as the parent left them: rax must
 * be 0, rsp the new stack, and rbx, rbp, r12-r15 (set to known values just
 * before the call) and rdi, rsi, rdx, r10, r8 (its arguments) unchanged.
 * The parent gets the child's tid or -errno.
 */
long clone_check(unsigned long flags, void *stack, int *ptid, int *ctid, void *tls,
		 long (*fn)(void *, long), void *arg);
__asm__(".text\n"
	".globl clone_check\n"
	".type clone_check,@function\n"
	"clone_check:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov 56(%rsp), %rax\n" /* arg */
	"	and $-16, %rsi\n"
	"	sub $16, %rsi\n"
	"	mov %r9, 0(%rsi)\n"
	"	mov %rax, 8(%rsi)\n"
	"	mov %rcx, %r10\n"
	"	movabs $0x1111111111111111, %rbx\n"
	"	movabs $0x2222222222222222, %rbp\n"
	"	movabs $0x3333333333333333, %r12\n"
	"	movabs $0x4444444444444444, %r13\n"
	"	movabs $0x5555555555555555, %r14\n"
	"	movabs $0x6666666666666666, %r15\n"
	"	mov $56, %eax\n" /* SYS_clone */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	"1:	xor %r11d, %r11d\n"
	"	movabs $0x1111111111111111, %rcx\n"
	"	cmp %rcx, %rbx\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	movabs $0x2222222222222222, %rcx\n"
	"	cmp %rcx, %rbp\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	movabs $0x3333333333333333, %rcx\n"
	"	cmp %rcx, %r12\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	movabs $0x4444444444444444, %rcx\n"
	"	cmp %rcx, %r13\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	movabs $0x5555555555555555, %rcx\n"
	"	cmp %rcx, %r14\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	movabs $0x6666666666666666, %rcx\n"
	"	cmp %rcx, %r15\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	cmp %rsi, %rsp\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	mov $0x7d0f00, %ecx\n" /* CLONE_FLAGS */
	"	cmp %rcx, %rdi\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	mov 16(%rsp), %rcx\n" /* the expected ptid, r10 and r8, left by main */
	"	cmp %rcx, %rdx\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	mov 24(%rsp), %rcx\n"
	"	cmp %rcx, %r10\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	mov 32(%rsp), %rcx\n"
	"	cmp %rcx, %r8\n"
	"	je 2f\n"
	"	inc %r11\n"
	"2:	mov 0(%rsp), %rax\n"
	"	mov 8(%rsp), %rdi\n"
	"	mov %r11, %rsi\n"
	"	xor %ebp, %ebp\n"
	"	call *%rax\n"
	"	mov %rax, %rdi\n"
	"	mov $60, %eax\n" /* SYS_exit: this thread only */
	"	syscall\n"
	"	hlt\n"
	".size clone_check, .-clone_check\n");

static long sys(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

static long sys4(long nr, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

/* A thread's TLS block: FS points at it; its first word points at itself. */
struct tls {
	struct tls *self;
	long id;
};

struct thread {
	struct tls tls;
	int ptid, ctid;
	long regs_bad, tls_bad, moves;
	unsigned char stack[STACK_SIZE] __attribute__((aligned(16)));
};

static struct thread threads[NTHREADS];

static long fs_word(long offset)
{
	long v;

	__asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"(offset));
	return v;
}

/* A futex lock: 0 free, 1 held, 2 held with waiters. */
static int lock_word;
static long counter;

static void lock(void)
{
	int c = 0;

	if (__atomic_compare_exchange_n(&lock_word, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&lock_word, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		sys4(SYS_futex, (long)&lock_word, FUTEX_WAIT_PRIVATE, 2, 0);
		c = __atomic_exchange_n(&lock_word, 2, __ATOMIC_ACQUIRE);
	}
}

static void unlock(void)
{
	if (__atomic_exchange_n(&lock_word, 0, __ATOMIC_RELEASE) == 2)
		sys4(SYS_futex, (long)&lock_word, FUTEX_WAKE_PRIVATE, 1, 0);
}

static long thread_main(void *arg, long regs_bad)
{
	struct thread *t = arg;
	struct timespec ts = {0, 200000};
	unsigned cpu = 0, last = ~0u;

	t->regs_bad = regs_bad;
	for (int i = 0; i < ITERS; i++) {
		if (i % 4 == 3)
			sys(SYS_nanosleep, (long)&ts, 0, 0);
		else
			sys(SYS_sched_yield, 0, 0, 0);
		t->tls_bad += fs_word(0) != (long)&t->tls || fs_word(8) != t->tls.id;
		sys(SYS_getcpu, (long)&cpu, 0, 0);
		t->moves += last != ~0u && cpu != last;
		last = cpu;
		for (int k = 0; k < INCS / ITERS; k++) {
			lock();
			counter++;
			unlock();
		}
	}
	return 0;
}

/* join: waits (80 s at most: on an emulating KVM under load a thread's
 * 2000 locked increments can take tens of seconds) for CHILD_CLEARTID to
 * clear T's ctid, which the kernel does, with a futex wake, when the thread
 * exits; 1 if it did. */
static int join(struct thread *t)
{
	struct timespec second = {1, 0};
	int v;

	for (int i = 0; i < 80; i++) {
		v = __atomic_load_n(&t->ctid, __ATOMIC_SEQ_CST);
		if (v == 0)
			return 1;
		/* Not private: Linux wakes the ctid as a shared futex. */
		sys4(SYS_futex, (long)&t->ctid, FUTEX_WAIT, v, (long)&second);
	}
	return 0;
}

int main(void)
{
	long tids_ok = 0, regs_bad = 0, tls_bad = 0, moves = 0, distinct = 1;
	long created = 0, joined = 0;

	for (int i = 0; i < NTHREADS; i++) {
		struct thread *t = &threads[i];
		unsigned char *top = t->stack + STACK_SIZE;
		long *expect, tid;

		t->tls = (struct tls){&t->tls, i + 1};
		t->ctid = -1;
		/* What the child checks its rdx, r10 and r8 against (just above
		 * the 16 bytes clone_check puts at the top of the stack). */
		top -= 32;
		expect = (long *)top;
		expect[0] = (long)&t->ptid;
		expect[1] = (long)&t->ctid;
		expect[2] = (long)&t->tls;
		tid = clone_check(CLONE_FLAGS, top, &t->ptid, &t->ctid, &t->tls, thread_main, t);
		if (tid > 0)
			created++;
		tids_ok += tid > 0 && t->ptid == tid;
	}
	check_eq(created, NTHREADS, "4 threads made with clone(musl's flags)");
	check_eq(tids_ok, NTHREADS, "PARENT_SETTID stored each child's tid");
	for (int i = 0; i < NTHREADS; i++)
		joined += join(&threads[i]);
	for (int i = 0; i < NTHREADS; i++) {
		regs_bad += threads[i].regs_bad;
		tls_bad += threads[i].tls_bad;
		moves += threads[i].moves;
		for (int j = 0; j < i; j++)
			distinct &= threads[i].ptid != threads[j].ptid;
	}
	check_eq(joined, NTHREADS,
		 "CHILD_CLEARTID cleared each ctid at exit (and woke the joiner)");
	check_eq(distinct, 1, "the tids are distinct");
	check_eq(regs_bad, 0, "children start with rax 0 on their stack, other registers intact");
	check_eq(tls_bad, 0, "SETTLS: each thread's FS block held across 4 x 200 switches");
	note("CPU changes seen:", moves);
	check_eq(counter, (long)NTHREADS * INCS, "futex lock: 4 threads x 2000 increments");
	return finish();
}
