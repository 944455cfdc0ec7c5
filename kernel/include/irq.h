/* SPDX-License-Identifier: MIT */
/* Interrupts: the vector plan, handlers, the local APIC and the IOAPICs. */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <stdint.h>
#include <stdbool.h>

#define VEC_TIMER 0x20	   /* the local APIC timer */
#define VEC_ISA_BASE 0x30  /* ISA IRQ n arrives on VEC_ISA_BASE + n */
#define VEC_DEV_BASE 0x40  /* [VEC_DEV_BASE, VEC_DEV_END): PCI devices, */
#define VEC_DEV_END 0xe0   /* MSI-X entries and INTx lines (drivers/pci.c) */
#define VEC_RESCHED 0xf0	   /* IPI: look at the run queue */
#define VEC_TLB 0xf1	   /* IPI: TLB shoot-down (mm/tlb.c) */
#define VEC_SPURIOUS 0xff

typedef void (*irq_handler)(uint8_t vector);

/* Call fn for every interrupt on vector (>= 32); the handler ends it (EOI). */
void irq_set_handler(uint8_t vector, irq_handler fn);
/* Run the handler of an interrupt vector; false if there is none. */
bool irq_dispatch(uint8_t vector);

void apic_init(void);
void apic_eoi(void);
uint32_t apic_id(void);
/* One interrupt on VEC_TIMER when the monotonic clock reaches deadline_ns
 * (at once if it has); 0 disarms. TSC-deadline mode where the CPU has it. */
void apic_timer_arm(uint64_t deadline_ns);
const char *apic_mode(void);
/* Fixed IPIs: to one CPU by APIC id, or to all others. */
void apic_send_ipi(uint32_t apic_id, uint8_t vector);
void apic_send_ipi_others(uint8_t vector);
/* Start an application processor: INIT, then SIPIs to page `page`. */
void apic_start_ap(uint32_t apic_id, uint8_t page);

void ioapic_init(void);
/* Route ISA IRQ irq (through the MADT overrides) to VEC_ISA_BASE + irq on
 * this CPU, unmasked. Returns 0, or -1 when no IOAPIC serves its GSI. */
int ioapic_route_isa(uint8_t irq);
/* Route GSI gsi to vector on this CPU, unmasked; flags as in the MADT
 * (IRQ_POLARITY_*, IRQ_TRIGGER_*). Returns 0, or -1 when no IOAPIC has it. */
int ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint16_t flags);

/* Wait for an interrupt with interrupts on, then turn them off again. */
static inline void irq_wait(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

#endif
