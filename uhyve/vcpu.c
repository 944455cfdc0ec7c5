/* SPDX-License-Identifier: MIT */
/*
 * One vCPU's run loop: KVM_RUN until the guest exits through the EXIT
 * hypercall, breaks the hypercall protocol, or dies on this vCPU, or until
 * another vCPU has ended it. Every way of ending prints what happened on
 * which vCPU (a crash with its registers) and maps to one of the exit
 * statuses in uhyve.h; only the first vCPU to end the guest reports
 * (run_end), so a guest that ends says why exactly once.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "uhyve.h"

#define HC_PORTS 0x100 /* ports UHYVE_PORT_BASE.. belong to hypercalls */

const char *vcpu_exit_name(unsigned reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		return "io";
	case KVM_EXIT_MMIO:
		return "mmio";
	case KVM_EXIT_HLT:
		return "hlt";
	case KVM_EXIT_SHUTDOWN:
		return "shutdown";
	case KVM_EXIT_FAIL_ENTRY:
		return "fail_entry";
	case KVM_EXIT_INTR:
		return "intr";
	case KVM_EXIT_INTERNAL_ERROR:
		return "internal_error";
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return "irq_window_open";
	case KVM_EXIT_SYSTEM_EVENT:
		return "system_event";
	}
	return "other";
}

/* The instruction bytes at rip (identity-mapped) as hex, for reports. */
static void vcpu_insn_bytes(const struct guest *g, uint64_t rip, char *out, size_t outlen)
{
	const uint8_t *p = guest_ptr(g, rip, 8);
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; p && i < 8 && n + 4 < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%02x", i ? " " : "", p[i]);
}

/* Where vCPU c is, as "rip 0x... <sym+off>". */
static void vcpu_where(const struct vcpu *c, const struct image *im, char *out, size_t outlen)
{
	struct kvm_regs r;
	const char *sym = NULL;
	uint64_t off = 0;

	if (ioctl(c->fd, KVM_GET_REGS, &r) < 0) {
		snprintf(out, outlen, "rip unknown");
		return;
	}
	if (im)
		sym = image_symbol(im, r.rip, &off);
	if (sym)
		snprintf(out, outlen, "rip 0x%llx <%s+0x%llx>", (unsigned long long)r.rip, sym,
			 (unsigned long long)off);
	else
		snprintf(out, outlen, "rip 0x%llx", (unsigned long long)r.rip);
}

static void vcpu_crash(struct run *r, struct vcpu *c);

/* PCI configuration ports: true if the exit was one (string I/O too). */
static bool vcpu_pci_io(struct pci_bus *pci, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned i;

	for (i = 0; i < run->io.count; i++)
		if (!pci_io(pci, run->io.port, write, run->io.size, data + i * run->io.size))
			return false;
	return true;
}

/* An MMIO exit: a device's BAR, or an access outside guest memory. */
static void vcpu_mmio(struct run *r, struct vcpu *c)
{
	struct kvm_run *run = c->run;
	char err[ERRLEN], where[160];
	int k = 0;

	if (atomic_load(&r->stop))
		return;
	if (r->env->pci)
		k = pci_mmio(r->env->pci, run->mmio.phys_addr, run->mmio.is_write, run->mmio.len,
			     run->mmio.data, err);
	if (k > 0)
		return;
	if (k == 0) {
		vcpu_crash(r, c);
		return;
	}
	if (!run_end(r, UHYVE_EXIT_HYPERCALL))
		return;
	vcpu_where(c, r->im, where, sizeof(where));
	fprintf(stderr, "uhyve: %s (vCPU %u, %s)\n", err, c->id, where);
}

/* An I/O exit: a hypercall, or a port nobody serves. Ends the guest
 * (through run_end) or lets the vCPU go on. */
static void vcpu_io(struct run *r, struct vcpu *c)
{
	struct kvm_run *run = c->run;
	unsigned port = run->io.port, call = port - UHYVE_PORT_BASE;
	char err[ERRLEN], where[160];
	uint32_t arg;
	int status = 0, hc;

	if (atomic_load(&r->stop))
		return; /* another vCPU has ended the guest: serve nothing more */
	if (r->env->pci && vcpu_pci_io(r->env->pci, run))
		return;
	if (port >= UHYVE_PORT_BASE && call < HC_PORTS && run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.size == 4 && run->io.count == 1) {
		memcpy(&arg, (uint8_t *)run + run->io.data_offset, 4);
		if (call < UHYVE_HC_COUNT)
			c->st.calls[call]++;
		hc = hc_handle(r->env, call, arg, &status, err);
		if (hc == HC_CONTINUE)
			return;
		if (hc == HC_EXIT) {
			run_end(r, status);
			return;
		}
	} else {
		snprintf(err, ERRLEN,
			 "the guest used I/O port 0x%x (%s, size %u), which uhyve does not serve",
			 port, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.size);
	}
	if (!run_end(r, UHYVE_EXIT_HYPERCALL))
		return;
	vcpu_where(c, r->im, where, sizeof(where));
	fprintf(stderr, "uhyve: %s (vCPU %u, %s)\n", err, c->id, where);
}

/* KVM_EXIT_INTERNAL_ERROR: KVM itself could not go on. */
static void vcpu_internal_error(struct run *r, struct vcpu *c)
{
	bool emulation = c->run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION;
	struct kvm_regs regs;
	char where[160], bytes[40] = "";

	if (!run_end(r, emulation ? UHYVE_EXIT_EMULATION : UHYVE_EXIT_CRASH))
		return;
	vcpu_where(c, r->im, where, sizeof(where));
	if (ioctl(c->fd, KVM_GET_REGS, &regs) == 0)
		vcpu_insn_bytes(r->env->g, regs.rip, bytes, sizeof(bytes));
	if (emulation) {
		fprintf(
		    stderr,
		    "uhyve: this host's KVM cannot run this guest: it emulates instructions and "
		    "failed on the one at %s on vCPU %u (bytes %s); use hermit-qemu instead\n",
		    where, c->id, bytes);
		if (r->verbose)
			vm_dump_regs(c, r->im);
		return;
	}
	fprintf(stderr, "uhyve: KVM internal error (suberror %u) on vCPU %u at %s (bytes %s)\n",
		c->run->internal.suberror, c->id, where, bytes);
	vm_dump_regs(c, r->im);
}

/* Every other exit that ends the guest: say what happened, show registers. */
static void vcpu_crash(struct run *r, struct vcpu *c)
{
	struct kvm_run *run = c->run;

	if (!run_end(r, UHYVE_EXIT_CRASH))
		return;
	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr,
			"uhyve: the guest triple-faulted on vCPU %u (KVM_EXIT_SHUTDOWN): a fault "
			"happened that no exception handler could take\n",
			c->id);
		break;
	case KVM_EXIT_MMIO:
		fprintf(stderr,
			"uhyve: the guest %s %u bytes at guest-physical 0x%llx on vCPU %u, outside "
			"guest memory\n",
			run->mmio.is_write ? "wrote" : "read", run->mmio.len,
			(unsigned long long)run->mmio.phys_addr, c->id);
		break;
	case KVM_EXIT_HLT:
		fprintf(stderr, "uhyve: the guest halted vCPU %u with nothing to wake it\n", c->id);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(
		    stderr,
		    "uhyve: KVM could not enter vCPU %u (hardware entry failure reason 0x%llx)\n",
		    c->id, (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		fprintf(stderr, "uhyve: unexpected VM exit %u (%s) on vCPU %u\n", run->exit_reason,
			vcpu_exit_name(run->exit_reason), c->id);
	}
	vm_dump_regs(c, r->im);
}

/* Run vCPU c until the guest ends, on this vCPU or another. */
void vcpu_loop(struct run *r, struct vcpu *c)
{
	while (!atomic_load(&r->stop)) {
		unsigned reason;

		if (ioctl(c->fd, KVM_RUN, 0) < 0) {
			int e = errno;

			/* EINTR: run_end's kick, seen at the loop's test */
			if (e == EINTR || e == EAGAIN)
				continue;
			if (run_end(r, UHYVE_EXIT_NOKVM))
				fprintf(stderr, "uhyve: vCPU %u: KVM_RUN: %s\n", c->id,
					strerror(e));
			return;
		}
		reason = c->run->exit_reason;
		c->st.exits[reason < 64 ? reason : 63]++;
		if (reason == KVM_EXIT_IO)
			vcpu_io(r, c);
		else if (reason == KVM_EXIT_MMIO)
			vcpu_mmio(r, c);
		else if (reason == KVM_EXIT_INTERNAL_ERROR)
			vcpu_internal_error(r, c);
		else if (reason != KVM_EXIT_INTR)
			vcpu_crash(r, c);
	}
}
