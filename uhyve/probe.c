/* SPDX-License-Identifier: MIT */
/*
 * `uhyve --check`: boot the tiny probe guest of probe.S and report what
 * this host's KVM can do. A KVM that emulates instructions in software
 * (rather than running the guest on VT-x/AMD-V) may reach 64-bit mode and
 * run integer code, slowly, yet fail on SSE arithmetic with an emulation
 * failure; hermit-c guests use SSE (musl's printf, any float), so such a
 * host is reported as unable to run them.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "probe.h"
#include "uhyve.h"

extern const uint8_t probe_code[], probe_code_end[];

#define PROBE_MEMORY (8 * MIB)
#define EMULATED_NS  20.0 /* slower per instruction than this: emulated */

struct probe {
	struct guest g;
	struct vm vm;
	int stage;	 /* the last port reached: 0, or PROBE_PORT_* */
	uint32_t result; /* the value of the SSE stage */
	double t_long, t_speed;
	char fail[ERRLEN]; /* why the probe stopped early */
};

/* Build and boot the probe VM. */
static int probe_setup(struct probe *p, char *err)
{
	size_t n = (size_t)(probe_code_end - probe_code);

	if (guest_alloc(&p->g, PROBE_MEMORY, err) < 0)
		return -1;
	guest_setup_paging(&p->g);
	memcpy(guest_ptr(&p->g, HERMIT_IMAGE_BASE, n), probe_code, n);
	if (vm_open(&p->vm, err) < 0 || vm_create(&p->vm, &p->g, 1, err) < 0)
		return -1;
	return vm_boot_cpu(&p->vm, 0, HERMIT_IMAGE_BASE, 0, err);
}

/* Run the probe until its SSE stage reports or it stops; fills p. */
static void probe_run(struct probe *p)
{
	const struct vcpu *c = &p->vm.cpus[0];
	struct kvm_run *run = c->run;

	while (p->stage != PROBE_PORT_SSE) {
		if (ioctl(c->fd, KVM_RUN, 0) < 0) {
			snprintf(p->fail, ERRLEN, "KVM_RUN failed");
			return;
		}
		if (run->exit_reason == KVM_EXIT_INTR)
			continue;
		if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
			snprintf(p->fail, ERRLEN, "KVM_EXIT_INTERNAL_ERROR (%s)",
				 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
				     ? "emulation failure: KVM emulates instructions"
				     : "internal error");
			return;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.size != 4) {
			snprintf(p->fail, ERRLEN, "unexpected VM exit %u (%s)", run->exit_reason,
				 vcpu_exit_name(run->exit_reason));
			return;
		}
		p->stage = run->io.port;
		if (p->stage == PROBE_PORT_LONG)
			p->t_long = now_ms();
		else if (p->stage == PROBE_PORT_SPEED)
			p->t_speed = now_ms();
		else
			memcpy(&p->result, (uint8_t *)run + run->io.data_offset, 4);
	}
}

/* Print the report and return the --check status. */
static int probe_report(const struct probe *p)
{
	double ns = 0;

	printf("uhyve: probe: 64-bit mode and port I/O: %s%s\n",
	       p->stage ? "yes" : "no: ", p->stage ? "" : p->fail);
	if (p->stage >= PROBE_PORT_SPEED) {
		ns = (p->t_speed - p->t_long) * 1e6 / (2.0 * PROBE_LOOPS);
		printf("uhyve: probe: guest speed: %.1f ns per instruction (%s)\n", ns,
		       ns > EMULATED_NS ? "emulated: KVM runs this guest in software"
					: "hardware virtualization");
	}
	if (p->stage >= PROBE_PORT_SPEED)
		printf("uhyve: probe: SSE arithmetic (cvtsi2sd, mulsd): %s%s\n",
		       p->stage == PROBE_PORT_SSE && p->result == PROBE_RESULT ? "yes"
		       : p->stage == PROBE_PORT_SSE			       ? "no: wrong result"
									       : "no: ",
		       p->stage == PROBE_PORT_SSE ? "" : p->fail);
	if (p->stage == PROBE_PORT_SSE && p->result == PROBE_RESULT) {
		printf("uhyve: this host's KVM can run hermit-c guests (%s)\n",
		       ns > EMULATED_NS ? "slowly: it emulates" : "hardware virtualization");
		return 0;
	}
	printf("uhyve: this host's KVM cannot run hermit-c guests (%s); use hermit-qemu instead\n",
	       p->stage >= PROBE_PORT_SPEED ? "it emulates instructions and fails on SSE arithmetic"
					    : "the probe guest did not run");
	return UHYVE_EXIT_EMULATION;
}

/* uhyve --check: 0 if this host's KVM runs hermit-c guests, else 69/72. */
int probe_check(bool verbose)
{
	struct probe p = {.vm = {.kvm = -1, .fd = -1}};
	char err[ERRLEN];
	int status;

	if (probe_setup(&p, err) < 0) {
		printf("uhyve: this host has no usable KVM (%s); use hermit-qemu instead\n", err);
		status = UHYVE_EXIT_NOKVM;
	} else {
		if (verbose)
			printf("uhyve: probe: guest TSC %llu kHz\n",
			       (unsigned long long)vm_tsc_khz(&p.vm));
		probe_run(&p);
		status = probe_report(&p);
		if (status && verbose)
			vm_dump_regs(&p.vm.cpus[0], NULL);
	}
	vm_destroy(&p.vm);
	guest_free(&p.g);
	return status;
}
