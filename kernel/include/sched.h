/* SPDX-License-Identifier: MIT */
/*
 * Threads and the scheduler: per-CPU run queues (round robin, a 10 ms
 * slice armed only while others wait: tickless), idle CPUs halt and steal
 * work, blocking and wake-up from any CPU. Kernel code is not preempted (it
 * runs with interrupts off); app code is, at its next interrupt.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdint.h>
#include <stdbool.h>
#include "arch.h"
#include "timer.h"

enum thread_state { T_RUNNING, T_RUNNABLE, T_BLOCKED, T_WAKING, T_EXITED };

struct thread {
	uint64_t ctx;			/* saved RSP of switch_to */
	uint64_t kstack_top;		/* its system-call stack */
	uint64_t fs_base;		/* the app's TLS pointer */
	uint8_t *fpu;			/* XSAVE/FXSAVE area, 64-byte aligned */
	void *fpu_alloc;
	int tid;
	volatile int state;		/* enum thread_state */
	volatile int on_cpu;		/* still running on (or leaving) a CPU */
	volatile int queued;		/* claimed by whoever puts it on a run queue */
	uint32_t cpu;			/* where it runs or ran last */
	uint64_t affinity;		/* allowed CPUs, bit per CPU index */
	bool idle;			/* a CPU's idle thread */
	bool kthread;			/* a kernel thread (kthread_create) */
	const char *name;		/* a kernel thread's, for reports */
	bool own_kstack;		/* kstack from kstack_alloc, to free */
	bool fpu_live;			/* its FPU state is in this CPU's registers */
	bool fpu_used;			/* its FPU area holds a state to load */
	uint64_t clear_child_tid;	/* CLONE_CHILD_CLEARTID */
	struct syscall_frame *frame;	/* of the system call in progress */
	struct thread *next;		/* run queue or wait list */
	struct thread *all_next;	/* every live thread */
	struct timer timer;		/* sleeps and timeouts */
	volatile int wake_result;	/* set by the waker: 0 or -errno */
};

void sched_init(void);
/* For a hang report (an NMI from the host): every CPU's current thread and
 * run queue, and every thread with its state and, when it is not running,
 * where it stopped (a backtrace from its saved context). Reads without
 * locks: the other CPUs are stopped or the report is best effort. */
void sched_dump(void);
void sched_init_cpu(struct cpu *c);
struct thread *sched_make_idle(struct cpu *c, bool running);
uint64_t fpu_area_size(void);
/* This CPU's idle loop; never returns. */
noreturn void sched_idle(void);
/* Give up the CPU: the current thread stays runnable unless its state was
 * changed (blocked, exited) before. */
void schedule(void);
/* Make a blocked thread runnable (on its CPU, or an idle one). */
void sched_wakeup(struct thread *t, int result);
/* Block the current thread until sched_wakeup or the deadline (monotonic
 * ns, 0: none); `held` is released once it is safely blocked. Returns the
 * waker's result, or -ETIMEDOUT. */
int sched_block(struct spinlock *held, uint64_t deadline);
void sched_sleep_until(uint64_t deadline);
/* Start a kernel thread running fn(arg) (never returning); NULL when
 * memory is out. */
struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg);
/* Called by a new thread's first code, after its first switch. */
void sched_finish_switch(struct thread *prev);
/* Start a thread (clone): runnable on the least loaded allowed CPU. */
void sched_start(struct thread *t);
/* The current thread ends (freed once off its stack); the last one to end
 * ends the program with code. */
noreturn void sched_exit_thread(int code);
/* Move the current thread to a CPU its affinity allows. */
void sched_migrate(void);
/* After a system call or interrupt, before returning to the app. */
void sched_preempt_point(void);

struct thread *thread_current(void);
struct thread *thread_alloc(void);
void thread_free(struct thread *t);
struct thread *thread_find(int tid);
int thread_count(void);
/* Lazy FPU (arch/x86_64/cpu.c): before switching away from t; on #NM
 * (true if it was the lazy load); the parent's state for a clone child. */
void fpu_switch_out(struct thread *t);
void fpu_switch_in(void);
bool fpu_trap(void);
void fpu_snapshot(struct thread *from, struct thread *to);

/* arch/x86_64/switch.S */
struct thread *switch_to(struct thread *prev, uint64_t *prev_ctx, uint64_t next_ctx);
void clone_child_start(void);
void thread_first_start(void);
void kthread_start(void);

#endif
