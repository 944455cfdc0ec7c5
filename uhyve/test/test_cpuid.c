/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of uhyve/cpuid.c: each vCPU's copy of the supported CPUID
 * table carries its own initial APIC id, in leaf 1, in the x2APIC
 * topology leaves and in AMD's extended APIC id leaf, and nothing else
 * changes.
 */
#include <linux/kvm.h>
#include <stdlib.h>

#include "check.h"
#include "uhyve.h"

/* A table like KVM's on a host whose CPU 5 asked for it. */
static struct kvm_cpuid2 *host_table(void)
{
	static const struct kvm_cpuid_entry2 e[] = {
	    {.function = 0, .eax = 0x1f, .ebx = 0x68747541},
	    {.function = 1,
	     .eax = 0xa10f11,
	     .ebx = 0x05020800,
	     .ecx = 0x81202000,
	     .edx = 0x78bfbff},
	    {.function = 0xb, .index = 0, .flags = 1, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 5},
	    {.function = 0xb, .index = 1, .flags = 1, .eax = 4, .ebx = 8, .ecx = 0x201, .edx = 5},
	    {.function = 0x1f, .index = 0, .flags = 1, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 5},
	    {.function = 0x80000001, .ebx = 0x40000000, .ecx = 0x400393},
	    {.function = 0x8000001e, .eax = 5, .ebx = 0x102, .ecx = 0x300},
	};
	unsigned n = sizeof(e) / sizeof(e[0]);
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

	c->nent = n;
	memcpy(c->entries, e, sizeof(e));
	return c;
}

/* The entry of function/index in c, NULL if absent. */
static const struct kvm_cpuid_entry2 *leaf(const struct kvm_cpuid2 *c, uint32_t function,
					   uint32_t index)
{
	unsigned i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == function && c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

/* Entries of a and b differ only where the APIC id lives. */
static int same_but_ids(const struct kvm_cpuid2 *a, const struct kvm_cpuid2 *b)
{
	unsigned i;

	if (a->nent != b->nent)
		return 0;
	for (i = 0; i < a->nent; i++) {
		struct kvm_cpuid_entry2 x = a->entries[i], y = b->entries[i];

		if (x.function == 1)
			x.ebx &= 0xffffff, y.ebx &= 0xffffff;
		if (x.function == 0xb || x.function == 0x1f)
			x.edx = y.edx = 0;
		if (x.function == 0x8000001e)
			x.eax = y.eax = 0;
		if (memcmp(&x, &y, sizeof(x)))
			return 0;
	}
	return 1;
}

static void test_ids(void)
{
	struct kvm_cpuid2 *host = host_table();
	unsigned ids[] = {0, 1, 3, 63}, k;

	for (k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		unsigned id = ids[k];
		struct kvm_cpuid2 *c = cpuid_for_cpu(host, id);

		CHECK(c != NULL);
		if (!c)
			continue;
		CHECK(leaf(c, 1, 0)->ebx >> 24 == id);
		CHECK((leaf(c, 1, 0)->ebx & 0xffffff) == 0x020800);
		CHECK(leaf(c, 0xb, 0)->edx == id && leaf(c, 0xb, 1)->edx == id);
		CHECK(leaf(c, 0x1f, 0)->edx == id);
		CHECK(leaf(c, 0x8000001e, 0)->eax == id);
		CHECK(same_but_ids(host, c));
		free(c);
	}
	CHECK(leaf(host, 1, 0)->ebx == 0x05020800); /* the original is untouched */
	free(host);
}

/* A table without the topology leaves stays as it is. */
static void test_plain(void)
{
	struct kvm_cpuid2 *host = calloc(1, sizeof(*host) + sizeof(host->entries[0]));
	struct kvm_cpuid2 *c;

	host->nent = 1;
	host->entries[0] = (struct kvm_cpuid_entry2){.function = 0, .eax = 1, .edx = 9};
	c = cpuid_for_cpu(host, 2);
	CHECK(c && c->nent == 1 && !memcmp(c->entries, host->entries, sizeof(host->entries[0])));
	free(c);
	free(host);
}

int main(void)
{
	test_ids();
	test_plain();
	return check_done("test_cpuid");
}
