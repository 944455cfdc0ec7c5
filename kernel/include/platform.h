/* SPDX-License-Identifier: MIT */
/*
 * What the machine has: CPUs, interrupt controllers, timers, the PCI
 * configuration window. With the `acpi` feature it comes from the ACPI
 * tables (drivers/acpi.c); without it, from the standard PC layout that
 * QEMU and uhyve provide.
 */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <stdint.h>
#include <hermit/boot_info.h>

#define PLATFORM_MAX_CPUS 64
#define PLATFORM_MAX_IOAPICS 8
#define PLATFORM_MAX_OVERRIDES 16

/* MADT interrupt-source-override flags (polarity, trigger mode). */
#define IRQ_POLARITY_MASK 0x3
#define IRQ_POLARITY_LOW 0x3
#define IRQ_TRIGGER_MASK 0xc
#define IRQ_TRIGGER_LEVEL 0xc

struct ioapic_desc {
	uint8_t id;
	uint32_t gsi_base;
	uint64_t base;
};

struct irq_override {
	uint8_t isa_irq;
	uint32_t gsi;
	uint16_t flags;
};

struct platform {
	uint64_t rsdp;
	uint64_t lapic_base;
	int ncpus;
	uint32_t apic_ids[PLATFORM_MAX_CPUS];
	int nioapics;
	struct ioapic_desc ioapics[PLATFORM_MAX_IOAPICS];
	int noverrides;
	struct irq_override overrides[PLATFORM_MAX_OVERRIDES];
	uint64_t hpet_base;	   /* 0: none */
	uint64_t mcfg_base;	   /* PCI ECAM of segment 0, 0: none */
	uint8_t mcfg_bus_start, mcfg_bus_end;
	const char *source; /* "ACPI" or "defaults" */
};

extern struct platform platform;

/* Before paging_init (the RSDP search reads the BIOS data area in page 0). */
void platform_early(const struct boot_info *bi);
/* Fill in `platform`; logs one line per ACPI table at Debug. */
void platform_init(const struct boot_info *bi);
/* The GSI and override flags of an ISA IRQ. */
uint32_t platform_isa_gsi(uint8_t irq, uint16_t *flags);

#ifdef HERMIT_FEATURE_ACPI
uint64_t acpi_find_rsdp(const struct boot_info *bi);
/* Parse the ACPI tables into platform; returns 0, or -1 if there are none. */
int acpi_parse(struct platform *p);
#endif

#endif
