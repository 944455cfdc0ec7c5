/* SPDX-License-Identifier: MIT */
/*
 * The VM and its vCPUs on the Linux KVM API: in-kernel interrupt
 * controllers (a LAPIC per vCPU, IOAPIC, PIC) and PIT, guest RAM at
 * guest-physical 0, and vCPUs that all start directly in 64-bit mode at the
 * kernel's entry (no real mode, no INIT/SIPI), as boot_info.h's entry
 * contract says: vCPU n has APIC id n and enters with RSI = n.
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

/* Fill err with "vCPU id: what: why" from errno; returns -1. */
static int vcpu_fail(char *err, unsigned id, const char *what)
{
	snprintf(err, ERRLEN, "vCPU %u: %s: %s", id, what, strerror(errno));
	return -1;
}

/* Open /dev/kvm and check its API version. */
int vm_open(struct vm *vm, char *err)
{
	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
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
	return 0;
}

/* How many vCPUs this host's KVM allows in one VM (the KVM API's rule:
 * KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS, else 4). */
unsigned vm_max_cpus(struct vm *vm)
{
	int n = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (n <= 0)
		n = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	return n > 0 ? (unsigned)n : 4;
}

/* Create vCPU id and map its kvm_run. The in-kernel LAPIC that
 * KVM_CREATE_IRQCHIP promised comes with it, with APIC id = id. */
static int vm_create_cpu(struct vm *vm, unsigned id, char *err)
{
	struct vcpu *c = &vm->cpus[id];

	c->id = id;
	c->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (c->fd < 0)
		return vcpu_fail(err, id, "KVM_CREATE_VCPU");
	c->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED) {
		c->run = NULL;
		return vcpu_fail(err, id, "mmap of kvm_run");
	}
	return 0;
}

/* Create the VM (after vm_open), its devices, guest RAM and ncpus vCPUs. */
int vm_create(struct vm *vm, struct guest *g, unsigned ncpus, char *err)
{
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = g->size,
	    .userspace_addr = (uint64_t)(uintptr_t)g->mem,
	};
	struct kvm_pit_config pit = {0};
	unsigned i;
	int n;

	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return vm_fail(err, "KVM_CREATE_VM");
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0)
		return vm_fail(err, "KVM_SET_TSS_ADDR");
	/* Before any vCPU: every vCPU created afterwards gets a LAPIC. */
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return vm_fail(err, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return vm_fail(err, "KVM_CREATE_PIT2");
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return vm_fail(err, "KVM_SET_USER_MEMORY_REGION");
	vm->cpuid = cpuid_supported(vm->kvm, err);
	if (!vm->cpuid)
		return -1;
	n = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (n < (int)sizeof(struct kvm_run))
		return vm_fail(err, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)n;
	vm->cpus = calloc(ncpus, sizeof(*vm->cpus));
	if (!vm->cpus) {
		snprintf(err, ERRLEN, "out of memory for %u vCPUs", ncpus);
		return -1;
	}
	vm->ncpus = ncpus;
	for (i = 0; i < ncpus; i++)
		vm->cpus[i].fd = -1;
	for (i = 0; i < ncpus; i++)
		if (vm_create_cpu(vm, i, err) < 0)
			return -1;
	return 0;
}

/* Give vCPU c what KVM supports of the host's CPUID, with its APIC id. */
static int vm_set_cpuid(struct vm *vm, const struct vcpu *c, char *err)
{
	struct kvm_cpuid2 *t = cpuid_for_cpu(vm->cpuid, c->id);
	int r;

	if (!t) {
		snprintf(err, ERRLEN, "vCPU %u: CPUID: out of memory", c->id);
		return -1;
	}
	r = ioctl(c->fd, KVM_SET_CPUID2, t);
	free(t);
	return r < 0 ? vcpu_fail(err, c->id, "KVM_SET_CPUID2") : 0;
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
static int vm_set_sregs(const struct vcpu *c, char *err)
{
	struct kvm_sregs sr;

	if (ioctl(c->fd, KVM_GET_SREGS, &sr) < 0)
		return vcpu_fail(err, c->id, "KVM_GET_SREGS");
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
	if (ioctl(c->fd, KVM_SET_SREGS, &sr) < 0)
		return vcpu_fail(err, c->id, "KVM_SET_SREGS");
	return 0;
}

/* Set up vCPU id to enter at entry in 64-bit mode with RDI = rdi,
 * RSI = id and RSP = its own stack, LAYOUT_STACK(id). It is made runnable
 * at once: with an in-kernel LAPIC, KVM would otherwise hold every vCPU
 * but 0 until an INIT/SIPI that nobody sends. */
int vm_boot_cpu(struct vm *vm, unsigned id, uint64_t entry, uint64_t rdi, char *err)
{
	const struct vcpu *c = &vm->cpus[id];
	struct kvm_regs regs = {
	    .rip = entry,
	    .rdi = rdi,
	    .rsi = id,
	    .rsp = LAYOUT_STACK(id),
	    .rflags = 2,
	};
	struct kvm_fpu fpu = {
	    .fcw = 0x37f, /* the x87 and SSE power-on defaults */
	    .mxcsr = 0x1f80,
	};
	struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};

	if (vm_set_cpuid(vm, c, err) < 0 || vm_set_sregs(c, err) < 0)
		return -1;
	if (ioctl(c->fd, KVM_SET_FPU, &fpu) < 0)
		return vcpu_fail(err, id, "KVM_SET_FPU");
	if (ioctl(c->fd, KVM_SET_REGS, &regs) < 0)
		return vcpu_fail(err, id, "KVM_SET_REGS");
	if (ioctl(c->fd, KVM_SET_MP_STATE, &mp) < 0)
		return vcpu_fail(err, id, "KVM_SET_MP_STATE");
	return 0;
}

/* The guest's TSC frequency in kHz, 0 if KVM cannot say. */
uint64_t vm_tsc_khz(struct vm *vm)
{
	int khz;

	if (ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ) <= 0)
		return 0;
	khz = ioctl(vm->cpus[0].fd, KVM_GET_TSC_KHZ, 0);
	return khz > 0 ? (uint64_t)khz : 0;
}

/* The guest's TSC now (vCPU 0's), 0 if unreadable. */
uint64_t vm_guest_tsc(struct vm *vm)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = {.hdr.nmsrs = 1, .e.index = MSR_IA32_TSC};

	if (ioctl(vm->cpus[0].fd, KVM_GET_MSRS, &m) != 1)
		return 0;
	return m.e.data;
}

/* Close what vm_open and vm_create made; the vCPU threads have ended. */
void vm_destroy(struct vm *vm)
{
	unsigned i;

	for (i = 0; i < vm->ncpus; i++) {
		if (vm->cpus[i].run)
			munmap(vm->cpus[i].run, vm->run_size);
		if (vm->cpus[i].fd >= 0)
			close(vm->cpus[i].fd);
	}
	free(vm->cpus);
	free(vm->cpuid);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	memset(vm, 0, sizeof(*vm));
	vm->kvm = vm->fd = -1;
}

/* Print vCPU c's registers on stderr (for crash reports). */
void vm_dump_regs(const struct vcpu *c, const struct image *im)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	const char *sym = NULL;
	uint64_t off = 0;

	if (ioctl(c->fd, KVM_GET_REGS, &r) < 0 || ioctl(c->fd, KVM_GET_SREGS, &s) < 0) {
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
