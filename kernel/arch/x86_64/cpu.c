/* SPDX-License-Identifier: MIT */
/* Boot CPU set-up: descriptor tables, FPU/SSE, the legacy PIC, syscall MSRs. */
#include "arch.h"
#include "cpu.h"
#include "log.h"

extern char syscall_entry[];
extern char boot_stack_guard[], boot_stack[], boot_stack_top[];

static struct cpu boot_cpu;
static GUARDED_STACK(main_kstack, KSTACK_SIZE);

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
void fpu_init(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if ((r.ecx & CPUID1_ECX_XSAVE) && (r.ecx & CPUID1_ECX_AVX)) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv(0, 7); /* x87, SSE, AVX */
	}
	__asm__ volatile("fninit");
}

static bool use_fsgsbase;

/* Feature `fsgsbase`: the app's FS base through WRFSBASE when the CPU has
 * it (CR4.FSGSBASE on), else through the MSR as without the feature. */
static void fsgsbase_init(void)
{
#ifdef HERMIT_FEATURE_FSGSBASE
	if (cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & CPUID7_EBX_FSGSBASE)) {
		write_cr4(read_cr4() | CR4_FSGSBASE);
		use_fsgsbase = true;
		pr_info("fsgsbase: FS base through RDFSBASE/WRFSBASE");
	} else {
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

void cpu_init(void)
{
	stack_register("boot stack", (uint64_t)boot_stack_guard, (uint64_t)boot_stack,
		       (uint64_t)boot_stack_top);
	stack_register("kernel stack", (uint64_t)main_kstack.guard, (uint64_t)main_kstack.stack,
		       (uint64_t)main_kstack.stack + KSTACK_SIZE);
	gdt_init(&boot_cpu);
	boot_cpu.kstack_top = (uint64_t)main_kstack.stack + KSTACK_SIZE;
	idt_init();
	pic_disable();
	fpu_init();
	fsgsbase_init();
	syscall_init();
}
