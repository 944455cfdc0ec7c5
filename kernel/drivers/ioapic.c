/* SPDX-License-Identifier: MIT */
/* The IOAPICs: every line masked at start; ISA IRQs routed on demand with
 * the polarity and trigger mode of the MADT's overrides. */
#include "irq.h"
#include "log.h"
#include "platform.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPICVER 0x01
#define IOREDTBL 0x10

#define RED_MASKED (1u << 16)
#define RED_LEVEL (1u << 15)
#define RED_ACTIVE_LOW (1u << 13)

static uint32_t ioapic_read(const struct ioapic_desc *io, uint32_t reg)
{
	volatile uint32_t *base = (volatile uint32_t *)io->base;

	base[IOREGSEL / 4] = reg;
	return base[IOWIN / 4];
}

static void ioapic_write(const struct ioapic_desc *io, uint32_t reg, uint32_t v)
{
	volatile uint32_t *base = (volatile uint32_t *)io->base;

	base[IOREGSEL / 4] = reg;
	base[IOWIN / 4] = v;
}

static uint32_t lines(const struct ioapic_desc *io)
{
	return ((ioapic_read(io, IOAPICVER) >> 16) & 0xff) + 1;
}

void ioapic_init(void)
{
	for (int i = 0; i < platform.nioapics; i++) {
		const struct ioapic_desc *io = &platform.ioapics[i];
		for (uint32_t l = 0; l < lines(io); l++)
			ioapic_write(io, IOREDTBL + 2 * l, RED_MASKED);
	}
}

int ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint16_t flags)
{
	uint32_t lo = vector;

	for (int i = 0; i < platform.nioapics; i++) {
		const struct ioapic_desc *io = &platform.ioapics[i];
		if (gsi < io->gsi_base || gsi >= io->gsi_base + lines(io))
			continue;
		if ((flags & IRQ_POLARITY_MASK) == IRQ_POLARITY_LOW)
			lo |= RED_ACTIVE_LOW;
		if ((flags & IRQ_TRIGGER_MASK) == IRQ_TRIGGER_LEVEL)
			lo |= RED_LEVEL;
		ioapic_write(io, IOREDTBL + 2 * (gsi - io->gsi_base) + 1, apic_id() << 24);
		ioapic_write(io, IOREDTBL + 2 * (gsi - io->gsi_base), lo);
		pr_debug("ioapic: GSI %u -> vector 0x%x%s%s", gsi, vector,
			 lo & RED_LEVEL ? ", level" : "", lo & RED_ACTIVE_LOW ? ", active low" : "");
		return 0;
	}
	pr_warn("ioapic: no IOAPIC serves GSI %u", gsi);
	return -1;
}

int ioapic_route_isa(uint8_t irq)
{
	uint16_t flags;
	uint32_t gsi = platform_isa_gsi(irq, &flags);

	return ioapic_route_gsi(gsi, VEC_ISA_BASE + irq, flags);
}
