/* SPDX-License-Identifier: MIT */
/*
 * The VM and its one vCPU on the Linux KVM API: in-kernel interrupt
 * controllers and PIT, guest RAM at guest-physical 0, and a vCPU that
 * starts directly in 64-bit mode at the kernel's entry (no real mode, no
 * INIT/SIPI), as boot_info.h's entry contract says.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uhyve.h"

#define CR0_PE	       (1ull << 0)
#define CR0_MP	       (1ull << 1)
#define CR0_ET	       (1ull << 4)
#define CR0_NE	       (1ull << 5)
#define CR0_PG	       (1ull << 31)
#define CR4_PAE	       (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_SCE       (1ull << 0)
#define EFER_LME       (1ull << 8)
#define EFER_LMA       (1ull << 10)
#define EFER_NXE       (1ull << 11)
#define MSR_IA32_TSC   0x10

/* Intel needs three pages for a real-mode TSS it never uses here; put
 * them where guest RAM can never be (GUEST_MEM_MAX lies below). */
#define KVM_TSS_ADDR 0xfffbd000ul

/* Fill err with "what: why" from errno; returns -1. */
static int vm_fail(char *err, const char *what)
{
	snprintf(err, ERRLEN, "%s: %s", what, strerror(errno));
	return -1;
}

/* Open /dev/kvm, create the VM and its devices, and plug in guest RAM. */
int vm_create(struct vm *vm, struct guest *g, char *err)
{
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = g->size,
	    .userspace_addr = (uint64_t)(uintptr_t)g->mem,
	};
	struct kvm_pit_config pit = {0};
	int n;

	memset(vm, 0, sizeof(*vm));
	vm->fd = vm->vcpu = -1;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0) {
		snprintf(err, ERRLEN,
			 "/dev/kvm: cannot open: %s (no usable KVM here; use hermit-qemu)",
			 strerror(errno));
		return -1;
	}
	if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(err, ERRLEN, "/dev/kvm: unexpected KVM API version");
		return -1;
	}
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return vm_fail(err, "KVM_CREATE_VM");
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0)
		return vm_fail(err, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return vm_fail(err, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return vm_fail(err, "KVM_CREATE_PIT2");
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return vm_fail(err, "KVM_SET_USER_MEMORY_REGION");
	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		return vm_fail(err, "KVM_CREATE_VCPU");
	n = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (n < (int)sizeof(struct kvm_run))
		return vm_fail(err, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)n;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return vm_fail(err, "mmap of the vCPU's kvm_run");
	}
	return 0;
}

/* Give the vCPU what KVM supports of the host's CPUID. */
static int vm_set_cpuid(struct vm *vm, char *err)
{
	unsigned n = 128;
	struct kvm_cpuid2 *c;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return vm_fail(err, "CPUID");
		c->nent = n;
		if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		free(c);
		if (errno != E2BIG || n >= 4096)
			return vm_fail(err, "KVM_GET_SUPPORTED_CPUID");
		n *= 2;
	}
	if (ioctl(vm->vcpu, KVM_SET_CPUID2, c) < 0) {
		free(c);
		return vm_fail(err, "KVM_SET_CPUID2");
	}
	free(c);
	return 0;
}

/* A flat 64-bit segment for selector sel (code or data). */
static struct kvm_segment vm_segment(uint16_t sel, int code)
{
	struct kvm_segment s = {
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = sel,
	    .type = code ? 11 : 3, /* execute/read or read/write, accessed */
	    .present = 1,
	    .dpl = 0,
	    .db = code ? 0 : 1,
	    .s = 1,
	    .l = code ? 1 : 0,
	    .g = 1,
	};
	return s;
}

/* Long mode with paging (page tables and GDT from guest_setup_paging). */
static int vm_set_sregs(struct vm *vm, char *err)
{
	struct kvm_sregs sr;

	if (ioctl(vm->vcpu, KVM_GET_SREGS, &sr) < 0)
		return vm_fail(err, "KVM_GET_SREGS");
	sr.cs = vm_segment(GDT_CODE, 1);
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = vm_segment(GDT_DATA, 0);
	sr.tr.type = 11; /* busy 64-bit TSS: VMX requires a usable TR */
	sr.tr.present = 1;
	sr.tr.limit = 0x67;
	sr.ldt.type = 2;
	sr.ldt.present = 1;
	sr.gdt.base = LAYOUT_GDT;
	sr.gdt.limit = 3 * 8 - 1;
	sr.idt.base = 0;
	sr.idt.limit = 0;
	sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
	sr.cr3 = LAYOUT_PML4;
	sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sr.efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sr) < 0)
		return vm_fail(err, "KVM_SET_SREGS");
	return 0;
}

/* Set up the boot vCPU to enter at entry with RDI=rdi, RSI=0, RSP=rsp. */
int vm_boot_cpu(struct vm *vm, uint64_t entry, uint64_t rdi, uint64_t rsp, char *err)
{
	struct kvm_regs regs = {
	    .rip = entry,
	    .rdi = rdi,
	    .rsi = 0,
	    .rsp = rsp,
	    .rflags = 2,
	};
	struct kvm_fpu fpu = {
	    .fcw = 0x37f, /* the x87 and SSE power-on defaults */
	    .mxcsr = 0x1f80,
	};

	if (vm_set_cpuid(vm, err) < 0 || vm_set_sregs(vm, err) < 0)
		return -1;
	if (ioctl(vm->vcpu, KVM_SET_FPU, &fpu) < 0)
		return vm_fail(err, "KVM_SET_FPU");
	if (ioctl(vm->vcpu, KVM_SET_REGS, &regs) < 0)
		return vm_fail(err, "KVM_SET_REGS");
	return 0;
}

/* The guest's TSC frequency in kHz, 0 if KVM cannot say. */
uint64_t vm_tsc_khz(struct vm *vm)
{
	int khz;

	if (ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ) <= 0)
		return 0;
	khz = ioctl(vm->vcpu, KVM_GET_TSC_KHZ, 0);
	return khz > 0 ? (uint64_t)khz : 0;
}

/* The guest's TSC now, 0 if unreadable. */
uint64_t vm_guest_tsc(struct vm *vm)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = {.hdr.nmsrs = 1, .e.index = MSR_IA32_TSC};

	if (ioctl(vm->vcpu, KVM_GET_MSRS, &m) != 1)
		return 0;
	return m.e.data;
}

void vm_destroy(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	memset(vm, 0, sizeof(*vm));
	vm->kvm = vm->fd = vm->vcpu = -1;
}

/* Print the vCPU's registers on stderr (for crash reports). */
void vm_dump_regs(struct vm *vm, const struct image *im)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	const char *sym = NULL;
	uint64_t off = 0;

	if (ioctl(vm->vcpu, KVM_GET_REGS, &r) < 0 || ioctl(vm->vcpu, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "uhyve:   (registers unreadable: %s)\n", strerror(errno));
		return;
	}
	if (im)
		sym = image_symbol(im, r.rip, &off);
	if (sym)
		fprintf(stderr, "uhyve:   rip %016llx <%s+0x%llx>\n", (unsigned long long)r.rip,
			sym, (unsigned long long)off);
	else
		fprintf(stderr, "uhyve:   rip %016llx\n", (unsigned long long)r.rip);
#define R(a, b, c)                                                                                 \
	fprintf(stderr, "uhyve:   %-3s %016llx  %-3s %016llx  %-3s %016llx\n", #a,                 \
		(unsigned long long)r.a, #b, (unsigned long long)r.b, #c, (unsigned long long)r.c)
	R(rax, rbx, rcx);
	R(rdx, rsi, rdi);
	R(rsp, rbp, r8);
	R(r9, r10, r11);
	R(r12, r13, r14);
#undef R
	fprintf(stderr, "uhyve:   r15 %016llx  rflags %08llx\n", (unsigned long long)r.r15,
		(unsigned long long)r.rflags);
	fprintf(stderr,
		"uhyve:   cr0 %08llx cr2 %016llx cr3 %016llx cr4 %08llx efer %llx cs %04x\n",
		(unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
		(unsigned long long)s.cr4, (unsigned long long)s.efer, s.cs.selector);
}
