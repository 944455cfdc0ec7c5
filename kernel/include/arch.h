/* SPDX-License-Identifier: MIT */
/* x86_64 CPU set-up: per-CPU data in GS, descriptor tables, traps, the
 * system-call entry, and the stacks they run on (DESIGN.md D2). */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdint.h>
#include "lib.h"
#include "spinlock.h"

#define PAGE_SIZE 4096ul
#define KSTACK_SIZE (32 * 1024) /* system calls keep two paths (2 x 4 KiB) on it */

#define MAX_CPUS 64

struct thread;
struct timer;

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* Per-CPU data, reached through GS; the assembly uses the offsets below. */
struct cpu {
	struct cpu *self;    /* gs:0 */
	uint64_t kstack_top; /* gs:8: the system-call stack of the running thread */
	uint64_t user_rsp;   /* gs:16: scratch during system-call entry */
	uint32_t id;	     /* index, 0 = the boot CPU */
	uint32_t apic_id;
	uint32_t fault_depth; /* > 0 while a fault is being handled */
	volatile uint32_t online;
	volatile uint32_t halted; /* in the idle HLT: wake it with an IPI */
	volatile uint32_t need_resched;
	volatile uint64_t tlb_seen; /* the last TLB shoot-down done here */
	volatile uint32_t tlb_lazy; /* idle: flushes before running a thread */
	struct thread *current, *idle;
	/* The run queue (sched/sched.c) and the timer queue (sched/timer.c). */
	struct spinlock rq_lock;
	struct thread *rq_head, *rq_tail;
	uint32_t rq_len;
	struct spinlock timer_lock;
	struct timer *timers;
	struct timer *volatile timer_running; /* whose callback runs now */
	uint64_t gdt[5];
	struct tss tss;
};

extern struct cpu cpus[MAX_CPUS];
extern uint32_t ncpus; /* CPUs online */

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* What an exception or interrupt stub saves; the order matches isr.S. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* What the system-call entry saves; the order matches syscall.S. */
struct syscall_frame {
	uint64_t nr, r15, r14, r13, r12, rbp, rbx;
	uint64_t r9, r8, r10, rdx, rsi, rdi;
	uint64_t rip, rflags, rsp;
};

/* A stack with an unmapped guard page below it (unmapped by paging_init). */
#define GUARDED_STACK(name, size)                                       \
	struct {                                                        \
		uint8_t guard[PAGE_SIZE];                               \
		uint8_t stack[size];                                    \
	} __attribute__((aligned(PAGE_SIZE))) name

/* A named stack, so a fault in its guard page can be called an overflow. */
struct stack_desc {
	const char *name;
	uint64_t guard, base, top; /* [guard, base) guard page; [base, top) stack */
};

void cpu_init(void);
void cpu_init_ap(struct cpu *c, const uint64_t ist[7]);
/* Load this CPU's GDT and TSS (IST stacks from ist_tops) and set GS. */
void gdt_init(struct cpu *cpu, const uint64_t ist_tops[7]);
void idt_init(void);
void idt_load(void);
void syscall_init(void);
void fpu_init(void);
uint64_t cpu_main_kstack_top(void);
/* The app's FS base (its TLS pointer). */
void cpu_set_fs_base(uint64_t v);
uint64_t cpu_fs_base(void);

void stack_register(const char *name, uint64_t guard, uint64_t base, uint64_t top);
const struct stack_desc *stack_for_guard(uint64_t addr);
const struct stack_desc *stack_at(size_t i);

/* Enter the app's _start on its initial stack; never returns. */
noreturn void arch_enter_app(uint64_t entry, uint64_t sp);

#endif
