/* SPDX-License-Identifier: MIT */
/*
 * The vCPU run loop: KVM_RUN until the guest exits through the EXIT
 * hypercall, breaks the hypercall protocol, or dies. Every way of ending
 * prints what happened (a crash with the registers) and maps to one of the
 * exit statuses in uhyve.h.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "uhyve.h"

#define HC_PORTS  0x100 /* ports UHYVE_PORT_BASE.. belong to hypercalls */
#define NO_STATUS -1

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *run_exit_name(unsigned reason)
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
static void run_insn_bytes(const struct guest *g, uint64_t rip, char *out, size_t outlen)
{
	const uint8_t *p = guest_ptr(g, rip, 8);
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; p && i < 8 && n + 4 < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%02x", i ? " " : "", p[i]);
}

/* Where the vCPU is, as "rip 0x... <sym+off>". */
static void run_where(struct vm *vm, const struct image *im, char *out, size_t outlen)
{
	struct kvm_regs r;
	const char *sym = NULL;
	uint64_t off = 0;

	if (ioctl(vm->vcpu, KVM_GET_REGS, &r) < 0) {
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

/* An I/O exit: a hypercall, or a port nobody serves. Returns an exit
 * status to end the guest, or NO_STATUS to go on. */
static int run_io(struct vm *vm, const struct hc_env *env, const struct image *im,
		  struct run_stats *st)
{
	struct kvm_run *run = vm->run;
	unsigned port = run->io.port, call = port - UHYVE_PORT_BASE;
	char err[ERRLEN], where[160];
	uint32_t arg;
	int status = 0, r;

	if (port >= UHYVE_PORT_BASE && call < HC_PORTS && run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.size == 4 && run->io.count == 1) {
		memcpy(&arg, (uint8_t *)run + run->io.data_offset, 4);
		if (call < UHYVE_HC_COUNT)
			st->calls[call]++;
		r = hc_handle(env, call, arg, &status, err);
		if (r == HC_CONTINUE)
			return NO_STATUS;
		if (r == HC_EXIT)
			return status;
	} else {
		snprintf(err, ERRLEN,
			 "the guest used I/O port 0x%x (%s, size %u), which uhyve does not serve",
			 port, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.size);
	}
	run_where(vm, im, where, sizeof(where));
	fprintf(stderr, "uhyve: %s (%s)\n", err, where);
	return UHYVE_EXIT_HYPERCALL;
}

/* KVM_EXIT_INTERNAL_ERROR: KVM itself could not go on. */
static int run_internal_error(struct vm *vm, const struct guest *g, const struct image *im,
			      bool verbose)
{
	struct kvm_regs r;
	char where[160], bytes[40] = "";

	run_where(vm, im, where, sizeof(where));
	if (ioctl(vm->vcpu, KVM_GET_REGS, &r) == 0)
		run_insn_bytes(g, r.rip, bytes, sizeof(bytes));
	if (vm->run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION) {
		fprintf(
		    stderr,
		    "uhyve: this host's KVM cannot run this guest: it emulates instructions and "
		    "failed on the one at %s (bytes %s); use hermit-qemu instead\n",
		    where, bytes);
		if (verbose)
			vm_dump_regs(vm, im);
		return UHYVE_EXIT_EMULATION;
	}
	fprintf(stderr, "uhyve: KVM internal error (suberror %u) at %s (bytes %s)\n",
		vm->run->internal.suberror, where, bytes);
	vm_dump_regs(vm, im);
	return UHYVE_EXIT_CRASH;
}

/* Every other exit that ends the guest: say what happened, show registers. */
static int run_crash(struct vm *vm, const struct image *im)
{
	struct kvm_run *run = vm->run;

	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr, "uhyve: the guest triple-faulted (KVM_EXIT_SHUTDOWN): a fault "
				"happened that no exception handler could take\n");
		break;
	case KVM_EXIT_MMIO:
		fprintf(stderr,
			"uhyve: the guest %s %u bytes at guest-physical 0x%llx, outside "
			"guest memory\n",
			run->mmio.is_write ? "wrote" : "read", run->mmio.len,
			(unsigned long long)run->mmio.phys_addr);
		break;
	case KVM_EXIT_HLT:
		fprintf(stderr, "uhyve: the guest halted with nothing to wake it\n");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr,
			"uhyve: KVM could not enter the guest (hardware entry failure "
			"reason 0x%llx)\n",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		fprintf(stderr, "uhyve: unexpected VM exit %u (%s)\n", run->exit_reason,
			run_exit_name(run->exit_reason));
	}
	vm_dump_regs(vm, im);
	return UHYVE_EXIT_CRASH;
}

/* Run the guest to its end; returns uhyve's exit status. */
int run_guest(struct vm *vm, const struct hc_env *env, const struct image *im, bool verbose,
	      struct run_stats *st)
{
	double t0 = now_ms();
	int status = NO_STATUS;

	while (status == NO_STATUS) {
		unsigned reason;

		if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "uhyve: KVM_RUN: %s\n", strerror(errno));
			status = UHYVE_EXIT_NOKVM;
			break;
		}
		reason = vm->run->exit_reason;
		st->exits[reason < 64 ? reason : 63]++;
		if (reason == KVM_EXIT_IO)
			status = run_io(vm, env, im, st);
		else if (reason == KVM_EXIT_INTERNAL_ERROR)
			status = run_internal_error(vm, env->g, im, verbose);
		else if (reason != KVM_EXIT_INTR)
			status = run_crash(vm, im);
	}
	st->boot_ms = now_ms() - t0;
	return status;
}

/* The -v summary of VM exits and hypercalls. */
void run_print_stats(const struct run_stats *st)
{
	uint64_t total = 0;
	const char *sep = " (";
	unsigned i;

	for (i = 0; i < 64; i++)
		total += st->exits[i];
	fprintf(stderr, "uhyve: VM exits: %llu", (unsigned long long)total);
	for (i = 0; i < 64; i++) {
		if (!st->exits[i])
			continue;
		fprintf(stderr, "%s%s %llu", sep, run_exit_name(i),
			(unsigned long long)st->exits[i]);
		sep = ", ";
	}
	fprintf(stderr, "%s\nuhyve: hypercalls:", total ? ")" : "");
	for (i = 0; i < UHYVE_HC_COUNT; i++)
		fprintf(stderr, "%s %s %llu", i ? "," : "", hc_name(i),
			(unsigned long long)st->calls[i]);
	fprintf(stderr, "\n");
}
