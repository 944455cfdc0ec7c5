/* SPDX-License-Identifier: MIT */
/*
 * PCI (feature `pci`): configuration space through ECAM (ACPI MCFG) or the
 * 0xcf8/0xcfc ports, the devices found at boot with their BARs, MSI-X or
 * INTx interrupts, and a registry through which drivers attach by ID.
 */
#ifndef KERNEL_PCI_H
#define KERNEL_PCI_H

#include <stdint.h>
#include <stdbool.h>

#define PCI_ANY_ID 0xffff

/* Configuration-space registers (type 0 header). */
#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_REVISION	   0x08
#define PCI_PROG_IF	   0x09
#define PCI_SUBCLASS	   0x0a
#define PCI_CLASS	   0x0b
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BAR0	   0x10
#define PCI_SUBSYS_VENDOR  0x2c
#define PCI_SUBSYS_ID	   0x2e
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d

#define PCI_CMD_IO	     (1u << 0)
#define PCI_CMD_MEM	     (1u << 1)
#define PCI_CMD_MASTER	     (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAPS	     (1u << 4)

#define PCI_CAP_MSI    0x05
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MSIX   0x11

#define PCI_NUM_BARS 6

struct pci_bar {
	uint64_t addr; /* physical (= virtual once mapped), 0 if unassigned */
	uint64_t size;
	bool io, is64, prefetch;
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device, subsys_vendor, subsys_id;
	uint8_t class, subclass, prog_if, revision, header_type;
	uint8_t irq_line, irq_pin; /* pin 0: no INTx */
	struct pci_bar bar[PCI_NUM_BARS];
	uint8_t msix_cap;	       /* offset of the MSI-X capability, 0: none */
	uint16_t msix_size;	       /* table entries */
	volatile uint32_t *msix_table; /* mapped, NULL until pci_msix_enable */
	bool msix_on;
	bool bound;	   /* a driver took it */
	void *driver_data; /* the driver's */
	struct pci_dev *next;
};

/* A driver's probe: 0 when it took the device, -errno otherwise. */
typedef int (*pci_probe_fn)(struct pci_dev *dev);
/* An interrupt handler with its context. */
typedef void (*pci_irq_fn)(void *ctx);

/* Enumerate every function, log one line per device and attach the
 * built-in drivers. Does nothing on uhyve (there is no PCI). */
void pci_init(void);

/* Attach probe to every device with this vendor and device ID (either may
 * be PCI_ANY_ID), those found already and any found later. */
int pci_register_driver(uint16_t vendor, uint16_t device, pci_probe_fn probe);
/* The devices found, for walking: pci_devices(); d; d = d->next. */
struct pci_dev *pci_devices(void);

uint32_t pci_read32(const struct pci_dev *d, uint16_t off);
uint16_t pci_read16(const struct pci_dev *d, uint16_t off);
uint8_t pci_read8(const struct pci_dev *d, uint16_t off);
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v);
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v);

/* The next capability with this ID after offset `from` (0: the first);
 * returns its offset in configuration space, or 0. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from);
/* Turn on memory and I/O decoding and bus mastering (DMA). */
void pci_enable(struct pci_dev *d);
/* A pointer to a memory BAR's registers (mapped uncached), or NULL. */
volatile void *pci_bar_map(struct pci_dev *d, int bar);

/* MSI-X: enable the table (INTx off); then route entries one by one to
 * fresh vectors on this CPU. Both return 0 or -errno (-ENODEV: no MSI-X). */
int pci_msix_enable(struct pci_dev *d);
int pci_msix_route(struct pci_dev *d, uint16_t entry, pci_irq_fn fn, void *ctx);
/* INTx through the IOAPIC, shared with other devices on the same line:
 * fn runs on every interrupt of that line and must check its device. */
int pci_intx_route(struct pci_dev *d, pci_irq_fn fn, void *ctx);

/* Names for the log: "Intel", "440FX host bridge", ... or NULL. */
const char *pci_vendor_name(uint16_t vendor);

#endif
