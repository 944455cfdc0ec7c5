/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables (feature `acpi`): the RSDP from boot_info or the BIOS
 * areas, every table of the RSDT/XSDT logged at Debug, and what the kernel
 * uses: MADT (CPUs, IOAPICs, interrupt overrides), HPET, MCFG. The FADT is
 * read at power-off (common/acpi.c).
 */
#include <hermit/acpi.h>
#include "log.h"
#include "platform.h"

#define SDT_HEADER 36

/* MADT entry types. */
enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_X2APIC = 9 };

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

uint64_t acpi_find_rsdp(const struct boot_info *bi)
{
	if (bi->platform == HERMIT_PLATFORM_UHYVE && !bi->rsdp)
		return 0; /* uhyve has no firmware tables; boot_info says it all */
	return acpi_rsdp(bi->rsdp);
}

static void add_cpu(struct platform *p, uint32_t apic_id)
{
	if (p->ncpus < PLATFORM_MAX_CPUS)
		p->apic_ids[p->ncpus++] = apic_id;
}

static void madt_entry(struct platform *p, const uint8_t *e)
{
	switch (e[0]) {
	case MADT_LAPIC:
		if (e[1] >= 8 && (rd32(e + 4) & 3)) /* enabled or online-capable */
			add_cpu(p, e[3]);
		break;
	case MADT_X2APIC:
		if (e[1] >= 16 && (rd32(e + 8) & 3))
			add_cpu(p, rd32(e + 4));
		break;
	case MADT_IOAPIC:
		if (e[1] >= 12 && p->nioapics < PLATFORM_MAX_IOAPICS) {
			p->ioapics[p->nioapics++] = (struct ioapic_desc){ e[2], rd32(e + 8), rd32(e + 4) };
			pr_debug("acpi: IOAPIC %u at 0x%x, GSI base %u", e[2], rd32(e + 4), rd32(e + 8));
		}
		break;
	case MADT_OVERRIDE:
		if (e[1] >= 10 && p->noverrides < PLATFORM_MAX_OVERRIDES) {
			uint16_t flags = e[8] | e[9] << 8;
			p->overrides[p->noverrides++] = (struct irq_override){ e[3], rd32(e + 4), flags };
			pr_debug("acpi: ISA IRQ %u -> GSI %u, flags 0x%x", e[3], rd32(e + 4), flags);
		}
		break;
	}
}

static void parse_madt(struct platform *p, const uint8_t *t, uint32_t len)
{
	p->lapic_base = rd32(t + SDT_HEADER);
	for (uint32_t off = SDT_HEADER + 8; off + 2 <= len;) {
		const uint8_t *e = t + off;
		if (e[1] < 2 || off + e[1] > len)
			break;
		madt_entry(p, e);
		off += e[1];
	}
}

static void parse_table(struct platform *p, const uint8_t *t, uint32_t len)
{
	if (!kmemcmp(t, "APIC", 4))
		parse_madt(p, t, len);
	else if (!kmemcmp(t, "HPET", 4) && len >= 56)
		p->hpet_base = rd64(t + 44);
	else if (!kmemcmp(t, "MCFG", 4) && len >= 44 + 16) {
		p->mcfg_base = rd64(t + 44);
		p->mcfg_bus_start = t[44 + 10];
		p->mcfg_bus_end = t[44 + 11];
	}
}

int acpi_parse(struct platform *p)
{
	const uint8_t *t;
	uint32_t len;

	if (!p->rsdp)
		return -1;
	pr_debug("acpi: RSDP at 0x%lx", (unsigned long)p->rsdp);
	for (uint32_t i = 0; (t = acpi_table_nth(p->rsdp, i, &len)); i++) {
		pr_debug("acpi: table %.4s at %p, %u bytes, OEM %.6s", (const char *)t, (void *)t, len,
			 (const char *)t + 10);
		parse_table(p, t, len);
	}
	if (!p->lapic_base || !p->ncpus)
		return -1;
	pr_debug("acpi: %d CPUs, local APIC at 0x%lx, HPET at 0x%lx, MCFG at 0x%lx (buses %u-%u)",
		 p->ncpus, (unsigned long)p->lapic_base, (unsigned long)p->hpet_base,
		 (unsigned long)p->mcfg_base, p->mcfg_bus_start, p->mcfg_bus_end);
	return 0;
}
