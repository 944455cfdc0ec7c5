/* SPDX-License-Identifier: MIT */
/*
 * Exceptions (DESIGN.md D9). A page fault inside an app memory area maps a
 * page and returns; every other exception prints one report (what, where,
 * the registers, a frame-pointer backtrace with symbol names) and ends the
 * machine with the status a Linux shell would show for the signal.
 */
#include <errno.h>
#include "cpu.h"
#include "irq.h"
#include "log.h"
#include "mm.h"
#include "power.h"
#include "sched.h"
#include "trap.h"

#define SIGFPE 8
#define SIGSEGV 11
#define SIGILL 4
#define SIGBUS 7
#define SIGTRAP 5

static const struct {
	const char *name, *mnemonic;
	int sig;
} exceptions[32] = {
	[0] = { "divide error", "#DE", SIGFPE },
	[1] = { "debug", "#DB", SIGTRAP },
	[2] = { "non-maskable interrupt", "NMI", SIGBUS },
	[3] = { "breakpoint", "#BP", SIGTRAP },
	[4] = { "overflow", "#OF", SIGSEGV },
	[5] = { "bound range exceeded", "#BR", SIGSEGV },
	[6] = { "invalid opcode", "#UD", SIGILL },
	[7] = { "device not available", "#NM", SIGFPE },
	[8] = { "double fault", "#DF", SIGSEGV },
	[10] = { "invalid TSS", "#TS", SIGSEGV },
	[11] = { "segment not present", "#NP", SIGBUS },
	[12] = { "stack-segment fault", "#SS", SIGBUS },
	[13] = { "general protection", "#GP", SIGSEGV },
	[14] = { "page fault", "#PF", SIGSEGV },
	[16] = { "x87 floating-point error", "#MF", SIGFPE },
	[17] = { "alignment check", "#AC", SIGBUS },
	[18] = { "machine check", "#MC", SIGBUS },
	[19] = { "SIMD floating-point error", "#XM", SIGFPE },
	[20] = { "virtualization exception", "#VE", SIGSEGV },
	[21] = { "control protection", "#CP", SIGSEGV },
};

static void print_cause(struct trap_frame *f, uint64_t cr2)
{
	const struct stack_desc *s;

	if (f->vector != 14)
		return;
	kprintf("  cr2 %p: %s of a %s page%s\n", (void *)cr2,
		f->error & 16 ? "instruction fetch" : f->error & 2 ? "write" : "read",
		f->error & 1 ? "protected" : "non-present", f->error & 8 ? " (reserved bit set)" : "");
	if (cr2 < PAGE_SIZE)
		kprintf("  cause: NULL pointer dereference\n");
	else if ((s = stack_for_guard(cr2)))
		kprintf("  cause: stack overflow: %p is in the guard below the %s (%p-%p)\n",
			(void *)cr2, s->name, (void *)s->base, (void *)s->top);
	else if (kstack_in_guard(cr2))
		kprintf("  cause: kernel stack overflow: %p is in the guard below a thread's kernel stack\n",
			(void *)cr2);
	else if (cr2 >= VM_BRK_BASE && cr2 < VM_STACK_TOP)
		kprintf("  cause: no app memory area allows this access\n");
}

static void print_addr(const char *prefix, uint64_t a)
{
	uint64_t off;
	const char *name = symbol_name(a, &off);

	if (name)
		kprintf("%s%p <%s+0x%lx>\n", prefix, (void *)a, name, (unsigned long)off);
	else
		kprintf("%s%p\n", prefix, (void *)a);
}

/* Did the function holding rip set up its frame (push %rbp; mov %rsp,%rbp)
 * before rip? gcc leaves leaf functions without a frame even under
 * -fno-omit-frame-pointer; then RBP is still the caller's frame. */
static bool frame_set_up(uint64_t rip)
{
	static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	static const uint8_t prologue[4] = { 0x55, 0x48, 0x89, 0xe5 };
	uint64_t off;
	const uint8_t *f;

	if (!symbol_name(rip, &off) || !paging_mapped(rip - off, 8, false))
		return true; /* nothing better to go on than RBP */
	f = (const uint8_t *)(rip - off);
	if (!kmemcmp(f, endbr64, 4)) {
		f += 4;
		off -= 4;
	}
	return !kmemcmp(f, prologue, 4) && off >= 4;
}

/* Is ret a return address, i.e. does a call instruction end there? */
static bool after_call(uint64_t ret)
{
	const uint8_t *p = (const uint8_t *)ret;

	if (!paging_mapped(ret - 6, 6, false))
		return false;
	return p[-5] == 0xe8 ||				    /* call rel32 */
	       (p[-2] == 0xff && (p[-1] & 0xf8) == 0xd0) || /* call *%reg */
	       (p[-6] == 0xff && p[-5] == 0x15);	    /* call *rel32(%rip) */
}

/* Follow the RBP chain while it points at mapped, aligned memory; first
 * recover the caller of a frameless leaf from the return address at RSP. */
void trap_backtrace(uint64_t rip, uint64_t rbp, uint64_t rsp, const char *indent)
{
	char prefix[24];
	int i = 1;

	ksnprintf(prefix, sizeof(prefix), "%s#0  ", indent);
	print_addr(prefix, rip);
	if (!frame_set_up(rip) && paging_mapped(rsp, 8, false) &&
	    after_call(*(uint64_t *)rsp)) {
		ksnprintf(prefix, sizeof(prefix), "%s#1  ", indent);
		print_addr(prefix, *(uint64_t *)rsp), i++;
	}
	for (; i < 32 && rbp && !(rbp & 7); i++) {
		uint64_t *fp = (uint64_t *)rbp;
		if (!paging_mapped(rbp, 16, false) || !fp[1])
			break;
		ksnprintf(prefix, sizeof(prefix), "%s#%-2d ", indent, i);
		print_addr(prefix, fp[1]);
		if (fp[0] <= rbp)
			break;
		rbp = fp[0];
	}
}

static void print_regs(struct trap_frame *f)
{
	kprintf("  rax %016lx rbx %016lx rcx %016lx\n", f->rax, f->rbx, f->rcx);
	kprintf("  rdx %016lx rsi %016lx rdi %016lx\n", f->rdx, f->rsi, f->rdi);
	kprintf("  rbp %016lx rsp %016lx r8  %016lx\n", f->rbp, f->rsp, f->r8);
	kprintf("  r9  %016lx r10 %016lx r11 %016lx\n", f->r9, f->r10, f->r11);
	kprintf("  r12 %016lx r13 %016lx r14 %016lx\n", f->r12, f->r13, f->r14);
	kprintf("  r15 %016lx rflags %08lx cs %lx ss %lx\n", f->r15, f->rflags, f->cs, f->ss);
}

static noreturn void fatal(struct trap_frame *f)
{
	uint64_t cr2 = read_cr2();
	const char *name = "unknown exception", *mn = "?";
	int sig = SIGSEGV;

	if (f->vector < 32 && exceptions[f->vector].name) {
		name = exceptions[f->vector].name;
		mn = exceptions[f->vector].mnemonic;
		sig = exceptions[f->vector].sig;
	}
	/* One report at a time: a CPU that faults while another reports
	 * (every CPU gets the host's NMI) stops here; the first ends the VM. */
	static int reporting = -1;
	int me = (int)this_cpu()->id, was = -1;

	if (!__atomic_compare_exchange_n(&reporting, &was, me, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST) && was != me) {
		for (;;) {
			cli();
			hlt();
		}
	}
	if (this_cpu()->fault_depth > 1) {
		kprintf("[hermit] FAULT: %s (vector %lu) at %p while reporting a fault\n", name,
			f->vector, (void *)f->rip);
		power_exit(128 + sig);
	}
	kprintf("[hermit] FAULT: %s (%s, vector %lu), error code 0x%lx, on CPU %u\n", name, mn,
		f->vector, f->error, this_cpu()->id);
	print_addr("  rip ", f->rip);
	print_cause(f, cr2);
	print_regs(f);
	kprintf("  backtrace:\n");
	trap_backtrace(f->rip, f->rbp, f->rsp, "    ");
	if (f->vector == 2)
		sched_dump();
	kprintf("[hermit] the app is terminated (status %d, as for signal %d)\n", 128 + sig, sig);
	power_exit(128 + sig);
}

static irq_handler handlers[256];

void irq_set_handler(uint8_t vector, irq_handler fn)
{
	handlers[vector] = fn;
}

bool irq_dispatch(uint8_t vector)
{
	if (!handlers[vector])
		return false;
	handlers[vector](vector);
	return true;
}

/* Was the app running (not kernel code on the thread's own stack, not an
 * idle thread) when this trap came? */
static bool from_app(const struct trap_frame *f)
{
	struct thread *t = this_cpu()->current;

	return t && !t->idle && !(f->rsp <= t->kstack_top && f->rsp > t->kstack_top - KSTACK_SIZE);
}

/* Called on the IST stack: an interrupted app's frame moves to the top of
 * its thread's kernel stack, so that the handler may switch threads and the
 * IST stack is free again. Faults that must not move (#DF, NMI, #MC) stay. */
struct trap_frame *trap_enter(struct trap_frame *f)
{
	struct trap_frame *k;

	if (f->vector == 2 || f->vector == 8 || f->vector == 18 || !from_app(f))
		return f;
	k = (struct trap_frame *)(this_cpu()->current->kstack_top - sizeof(*k));
	*k = *f;
	return k;
}

void trap_dispatch(struct trap_frame *f)
{
	struct cpu *c = this_cpu();
	bool app = from_app(f);

	if (f->vector >= 32) {
		if (f->vector != VEC_SPURIOUS && !irq_dispatch(f->vector)) {
			pr_warn("unexpected interrupt, vector %lu", f->vector);
			apic_eoi();
		}
		if (app)
			sched_preempt_point();
		return;
	}
	if (f->vector == 7 && fpu_trap())
		return;
	c->fault_depth++;
	if (f->vector == 14 && c->fault_depth == 1) {
		int err = vm_fault(read_cr2(), f->error);
		if (err == 0) {
			c->fault_depth--;
			return;
		}
		if (err == -ENOMEM)
			kprintf("[hermit] out of memory: no frame for the page at %p\n",
				(void *)read_cr2());
	}
	fatal(f);
}
