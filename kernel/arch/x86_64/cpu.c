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
	syscall_init();
}
