/* SPDX-License-Identifier: MIT */
/* Boot CPU set-up: descriptor tables, FPU/SSE, the legacy PIC, syscall MSRs. */
#include "arch.h"
#include "cpu.h"
#include "log.h"
#include "sched.h"

extern char syscall_entry[];
extern char boot_stack_guard[], boot_stack[], boot_stack_top[];

struct cpu cpus[MAX_CPUS];
uint32_t ncpus = 1;
static GUARDED_STACK(main_kstack, KSTACK_SIZE);
static GUARDED_STACK(bsp_ist[7], KSTACK_SIZE);

static const char *const ist_names[7] = {
	"IST1 stack (interrupts)", "IST2 stack (#DF)", "IST3 stack (NMI)", "IST4 stack (#MC)",
	"IST5 stack (#PF)",	   "IST6 stack (#GP)", "IST7 stack (#SS)",
};

uint64_t cpu_main_kstack_top(void)
{
	return (uint64_t)main_kstack.stack + KSTACK_SIZE;
}

/* The 8259 PICs still route the PIT to vector 8 (#DF) after the BIOS:
 * move them out of the exception range and mask every line. */
static void pic_disable(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/*
 * The app uses SSE (x86_64 baseline) and maybe AVX: enable what CPUID has.
 * XSAVE is switched on only with AVX, the first state FXSAVE cannot hold:
 * QEMU 7.2's TCG hangs on the CR4.OSXSAVE write with the seed's
 * `-cpu qemu64,...,xsave` (XSAVE without AVX), and gains nothing there.
 */
static bool use_xsave;
static uint64_t fpu_size = 512;

void fpu_init(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if ((r.ecx & CPUID1_ECX_XSAVE) && (r.ecx & CPUID1_ECX_AVX)) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv(0, 7); /* x87, SSE, AVX */
		use_xsave = true;
		fpu_size = MAX(cpuid(0xd, 0).ebx, 576u);
	}
	__asm__ volatile("fninit");
}

uint64_t fpu_area_size(void)
{
	return fpu_size;
}

static void fpu_reset(void)
{
	uint32_t mxcsr = 0x1f80;

	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
}

static void xsave_to(uint8_t *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"(7), "d"(0) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static void xrstor_from(const uint8_t *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"(7), "d"(0) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/*
 * Lazy FPU switching: a thread's FPU/SSE/AVX registers are loaded only when
 * it first uses them after a switch (CR0.TS makes that trap with #NM), and
 * saved at the next switch only if they were loaded. Threads that compute
 * with integers only never pay for an XSAVE (nor does an emulating KVM that
 * cannot run one).
 */
void fpu_switch_out(struct thread *t)
{
	if (t->fpu_live) {
		xsave_to(t->fpu);
		t->fpu_live = false;
	}
}

void fpu_switch_in(void)
{
	write_cr0(read_cr0() | CR0_TS);
}

bool fpu_trap(void)
{
	struct thread *t = this_cpu()->current;

	if (!t || t->idle || t->fpu_live)
		return false;
	__asm__ volatile("clts");
	if (t->fpu_used)
		xrstor_from(t->fpu);
	else
		fpu_reset(); /* a fresh thread: the reset state */
	t->fpu_live = t->fpu_used = true;
	return true;
}

void fpu_snapshot(struct thread *from, struct thread *to)
{
	if (from->fpu_live)
		xsave_to(to->fpu);
	else if (from->fpu_used)
		kmemcpy(to->fpu, from->fpu, fpu_size);
	to->fpu_used = from->fpu_used || from->fpu_live;
}

static bool use_fsgsbase;

/* Feature `fsgsbase`: the app's FS base through WRFSBASE when the CPU has
 * it (CR4.FSGSBASE on), else through the MSR as without the feature. */
static void fsgsbase_init(void)
{
#ifdef HERMIT_FEATURE_FSGSBASE
	bool boot = !use_fsgsbase && this_cpu()->id == 0;

	if (cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & CPUID7_EBX_FSGSBASE)) {
		write_cr4(read_cr4() | CR4_FSGSBASE);
		use_fsgsbase = true;
		if (boot)
			pr_info("fsgsbase: FS base through RDFSBASE/WRFSBASE");
	} else if (boot) {
		pr_info("fsgsbase: this CPU has no FSGSBASE; FS base through the MSR");
	}
#endif
}

void cpu_set_fs_base(uint64_t v)
{
	if (use_fsgsbase)
		__asm__ volatile("wrfsbase %0" : : "r"(v) : "memory");
	else
		wrmsr(MSR_FS_BASE, v);
}

uint64_t cpu_fs_base(void)
{
	uint64_t v;

	if (!use_fsgsbase)
		return rdmsr(MSR_FS_BASE);
	__asm__ volatile("rdfsbase %0" : "=r"(v));
	return v;
}

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	wrmsr(MSR_STAR, (uint64_t)0x08 << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC);
}

/* The per-CPU part of CPU set-up, for an application processor. */
void cpu_init_ap(struct cpu *c, const uint64_t ist[7])
{
	gdt_init(c, ist);
	idt_load();
	fpu_init();
	fsgsbase_init();
	syscall_init();
}

void cpu_init(void)
{
	stack_register("boot stack", (uint64_t)boot_stack_guard, (uint64_t)boot_stack,
		       (uint64_t)boot_stack_top);
	uint64_t ist[7];

	stack_register("kernel stack of the main thread", (uint64_t)main_kstack.guard,
		       (uint64_t)main_kstack.stack, (uint64_t)main_kstack.stack + KSTACK_SIZE);
	for (int i = 0; i < 7; i++) {
		ist[i] = (uint64_t)bsp_ist[i].stack + KSTACK_SIZE;
		stack_register(ist_names[i], (uint64_t)bsp_ist[i].guard,
			       (uint64_t)bsp_ist[i].stack, ist[i]);
	}
	gdt_init(&cpus[0], ist);
	cpus[0].kstack_top = cpu_main_kstack_top();
	cpus[0].online = 1;
	idt_init();
	pic_disable();
	fpu_init();
	fsgsbase_init();
	syscall_init();
}
