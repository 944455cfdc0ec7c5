/* SPDX-License-Identifier: MIT */
/*
 * The CPUID table of each vCPU: what KVM_GET_SUPPORTED_CPUID offers, with
 * the initial APIC id set to the vCPU's id. KVM fills the ids in from the
 * host CPU that asked (leaf 1 EBX[31:24], the x2APIC id in EDX of the
 * topology leaves 0xb and 0x1f, AMD's extended APIC id in 0x8000001e EAX),
 * while the in-kernel LAPIC of vCPU n has id n: a kernel that reads its
 * APIC id from CPUID must see n.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "uhyve.h"

#define CPUID_MAX_ENTRIES 4096

/* KVM's supported CPUID table (malloc'd), or NULL with err set. */
struct kvm_cpuid2 *cpuid_supported(int kvm, char *err)
{
	unsigned n = 128;
	struct kvm_cpuid2 *c;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c) {
			snprintf(err, ERRLEN, "CPUID: out of memory");
			return NULL;
		}
		c->nent = n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG || n >= CPUID_MAX_ENTRIES) {
			snprintf(err, ERRLEN, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return NULL;
		}
		n *= 2;
	}
}

/* A copy of supported (malloc'd) with vCPU id's APIC id; NULL if out of
 * memory. */
struct kvm_cpuid2 *cpuid_for_cpu(const struct kvm_cpuid2 *supported, unsigned id)
{
	size_t size = sizeof(*supported) + supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	unsigned i;

	if (!c)
		return NULL;
	memcpy(c, supported, size);
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffffu) | (id & 0xffu) << 24;
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = id;
		else if (e->function == 0x8000001e)
			e->eax = id;
	}
	return c;
}
