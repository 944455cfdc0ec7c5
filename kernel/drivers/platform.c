/* SPDX-License-Identifier: MIT */
/* The platform description, from ACPI or from PC defaults. */
#include "log.h"
#include "platform.h"

struct platform platform;

void platform_early(const struct boot_info *bi)
{
#ifdef HERMIT_FEATURE_ACPI
	platform.rsdp = acpi_find_rsdp(bi);
#else
	(void)bi;
#endif
}

/* The PC layout QEMU's pc machine and uhyve share: one IOAPIC at the usual
 * address, the PIT on GSI 2. */
static void pc_defaults(const struct boot_info *bi)
{
	platform.lapic_base = 0xfee00000;
	platform.ncpus = bi->cpu_count ? (int)bi->cpu_count : 1;
	for (int i = 0; i < platform.ncpus && i < PLATFORM_MAX_CPUS; i++)
		platform.apic_ids[i] = i;
	platform.nioapics = 1;
	platform.ioapics[0] = (struct ioapic_desc){ 0, 0, 0xfec00000 };
	platform.noverrides = 1;
	platform.overrides[0] = (struct irq_override){ 0, 2, 0 };
	platform.source = "defaults";
}

void platform_init(const struct boot_info *bi)
{
#ifdef HERMIT_FEATURE_ACPI
	if (acpi_parse(&platform) == 0) {
		platform.source = "ACPI";
		return;
	}
	if (bi->platform != HERMIT_PLATFORM_UHYVE)
		pr_warn("acpi: no usable ACPI tables; assuming a standard PC");
#else
	pr_info("acpi: feature off; assuming a standard PC");
#endif
	pc_defaults(bi);
}

uint32_t platform_isa_gsi(uint8_t irq, uint16_t *flags)
{
	for (int i = 0; i < platform.noverrides; i++) {
		if (platform.overrides[i].isa_irq == irq) {
			*flags = platform.overrides[i].flags;
			return platform.overrides[i].gsi;
		}
	}
	*flags = 0;
	return irq;
}
