/* SPDX-License-Identifier: MIT */
/*
 * PCI: configuration space, enumeration of every bus, device and function,
 * BARs, MSI-X and INTx, and the driver registry (kernel/include/pci.h).
 *
 * The firmware (SeaBIOS under QEMU) or uhyve (its devices' BARs lie between
 * guest RAM and the IOAPIC) has assigned the BARs and the interrupt lines
 * by the time the kernel runs; this code sizes and maps what it finds and
 * does not reassign anything.
 */
#include <errno.h>
#include <hermit/portio.h>
#include "irq.h"
#include "log.h"
#include "mm.h"
#include "pci.h"
#ifdef HERMIT_FEATURE_TCP
#include "netdev.h"
#endif
#include "platform.h"
#include "spinlock.h"
#include "uhyve.h"
#include "virtio.h"
#ifdef HERMIT_FEATURE_VIRTIO_FS
#include "virtio_fs.h"
#endif

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc
#define ECAM_BUS_SIZE  (1ul << 20)
#define FOURGIB	       (1ull << 32)

#define MSIX_CTRL	   2
#define MSIX_TABLE	   4
#define MSIX_CTRL_ENABLE   (1u << 15)
#define MSIX_CTRL_MASKALL  (1u << 14)
#define MSIX_ENTRY_SIZE	   16
#define MSIX_VECTOR_MASKED 1u
#define MSI_ADDRESS	   0xfee00000u

static volatile uint8_t *ecam; /* NULL: port I/O */
static uint8_t ecam_bus_start, ecam_bus_end;
static struct spinlock config_lock = SPINLOCK_INIT; /* the 0xcf8 pair is shared */
static struct pci_dev *devices, **devices_tail = &devices;

struct driver {
	uint16_t vendor, device;
	pci_probe_fn probe;
	struct driver *next;
};
static struct driver *drivers;

/* Interrupt handlers per device vector; INTx lines are shared, so a vector
 * may have several. */
struct irq_action {
	pci_irq_fn fn;
	void *ctx;
	struct irq_action *next;
};
static struct irq_action *actions[VEC_DEV_END - VEC_DEV_BASE];
static uint8_t next_vector = VEC_DEV_BASE;
static uint8_t intx_vector[256]; /* by GSI (the PC's ISA range and beyond) */

/* Configuration space -------------------------------------------------- */

static volatile uint8_t *ecam_addr(const struct pci_dev *d, uint16_t off)
{
	return ecam + ((uint64_t)(d->bus - ecam_bus_start) << 20) + ((uint64_t)d->dev << 15) +
	       ((uint64_t)d->fn << 12) + off;
}

static bool use_ecam(const struct pci_dev *d)
{
	return ecam && d->bus >= ecam_bus_start && d->bus <= ecam_bus_end;
}

static void port_select(const struct pci_dev *d, uint16_t off)
{
	outl(CONFIG_ADDRESS, 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->dev << 11 |
				 (uint32_t)d->fn << 8 | (off & 0xfc));
}

uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
	uint32_t v;

	if (use_ecam(d))
		return *(volatile uint32_t *)ecam_addr(d, off);
	spin_lock(&config_lock);
	port_select(d, off);
	v = inl(CONFIG_DATA);
	spin_unlock(&config_lock);
	return v;
}

uint16_t pci_read16(const struct pci_dev *d, uint16_t off)
{
	if (use_ecam(d))
		return *(volatile uint16_t *)ecam_addr(d, off);
	return pci_read32(d, off & ~3) >> ((off & 2) * 8);
}

uint8_t pci_read8(const struct pci_dev *d, uint16_t off)
{
	if (use_ecam(d))
		return *ecam_addr(d, off);
	return pci_read32(d, off & ~3) >> ((off & 3) * 8);
}

void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{
	if (use_ecam(d)) {
		*(volatile uint32_t *)ecam_addr(d, off) = v;
		return;
	}
	spin_lock(&config_lock);
	port_select(d, off);
	outl(CONFIG_DATA, v);
	spin_unlock(&config_lock);
}

void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
	if (use_ecam(d)) {
		*(volatile uint16_t *)ecam_addr(d, off) = v;
		return;
	}
	spin_lock(&config_lock);
	port_select(d, off);
	outw(CONFIG_DATA + (off & 2), v);
	spin_unlock(&config_lock);
}

void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v)
{
	if (use_ecam(d)) {
		*ecam_addr(d, off) = v;
		return;
	}
	spin_lock(&config_lock);
	port_select(d, off);
	outb(CONFIG_DATA + (off & 3), v);
	spin_unlock(&config_lock);
}

/* ECAM when ACPI has an MCFG whose window lies in the identity map (below
 * 4 GiB, mapped uncached since no RAM is there); the ports otherwise. */
static void config_init(void)
{
	uint64_t end =
	    platform.mcfg_base +
	    ((uint64_t)platform.mcfg_bus_end - platform.mcfg_bus_start + 1) * ECAM_BUS_SIZE;

	if (platform.mcfg_base && end <= FOURGIB) {
		ecam = (volatile uint8_t *)platform.mcfg_base;
		ecam_bus_start = platform.mcfg_bus_start;
		ecam_bus_end = platform.mcfg_bus_end;
		pr_info("pci: configuration through ECAM at 0x%lx (buses %u-%u)",
			(unsigned long)platform.mcfg_base, ecam_bus_start, ecam_bus_end);
		return;
	}
	if (platform.mcfg_base)
		pr_warn("pci: ECAM at 0x%lx is above 4 GiB; using ports 0xcf8/0xcfc",
			(unsigned long)platform.mcfg_base);
	pr_info("pci: configuration through ports 0xcf8/0xcfc");
}

/* Names --------------------------------------------------------------- */

struct id_name {
	uint16_t vendor, device;
	const char *name;
};

static const struct id_name vendors[] = {
    {0x8086, 0, "Intel"},  {0x1af4, 0, "Red Hat"}, {0x1b36, 0, "Red Hat"},
    {0x1234, 0, "QEMU"},   {0x10ec, 0, "Realtek"}, {0x1022, 0, "AMD"},
    {0x10de, 0, "NVIDIA"}, {0x15ad, 0, "VMware"},  {0x1013, 0, "Cirrus Logic"},
};

static const struct id_name device_names[] = {
    {0x8086, 0x1237, "440FX host bridge"},
    {0x8086, 0x7000, "PIIX3 ISA bridge"},
    {0x8086, 0x7010, "PIIX3 IDE controller"},
    {0x8086, 0x7020, "PIIX3 USB controller"},
    {0x8086, 0x7113, "PIIX4 ACPI/power management"},
    {0x8086, 0x29c0, "Q35 host bridge"},
    {0x8086, 0x2918, "ICH9 LPC/ISA bridge"},
    {0x8086, 0x2922, "ICH9 AHCI SATA controller"},
    {0x8086, 0x2930, "ICH9 SMBus controller"},
    {0x8086, 0x100e, "82540EM ethernet (e1000)"},
    {0x8086, 0x10d3, "82574L ethernet (e1000e)"},
    {0x1234, 0x1111, "standard VGA"},
    {0x1013, 0x00b8, "GD5446 VGA"},
    {0x10ec, 0x8139, "RTL8139 ethernet"},
    {0x1b36, 0x0001, "PCI-PCI bridge"},
    {0x1b36, 0x0008, "PCIe host bridge"},
    {0x1b36, 0x000c, "PCIe root port"},
};

/* Virtio device types (virtio 1.x section 5). */
static const char *const virtio_types[] = {
    [1] = "net",     [2] = "block",  [3] = "console", [4] = "entropy source (rng)",
    [5] = "balloon", [8] = "SCSI",   [9] = "9p",      [16] = "GPU",
    [18] = "input",  [19] = "vsock", [26] = "fs",
};

const char *pci_vendor_name(uint16_t vendor)
{
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (vendors[i].vendor == vendor)
			return vendors[i].name;
	return NULL;
}

static void device_name(const struct pci_dev *d, char *buf, size_t size)
{
	unsigned t = virtio_pci_type(d);

	if (t) {
		const char *n =
		    t < sizeof(virtio_types) / sizeof(virtio_types[0]) ? virtio_types[t] : NULL;
		if (n)
			ksnprintf(buf, size, "virtio %s%s", n,
				  d->device < 0x1040 ? " (transitional)" : "");
		else
			ksnprintf(buf, size, "virtio device type %u", t);
		return;
	}
	for (size_t i = 0; i < sizeof(device_names) / sizeof(device_names[0]); i++) {
		if (device_names[i].vendor == d->vendor && device_names[i].device == d->device) {
			ksnprintf(buf, size, "%s", device_names[i].name);
			return;
		}
	}
	ksnprintf(buf, size, "device %04x", d->device);
}

/* Enumeration --------------------------------------------------------- */

/* Decode and size BAR i; returns how many BAR slots it takes (2 for 64-bit).
 * Decoding is off while the all-ones pattern is in the register. */
static int bar_probe(struct pci_dev *d, int i)
{
	uint16_t off = PCI_BAR0 + 4 * i, cmd = pci_read16(d, PCI_COMMAND);
	uint32_t lo = pci_read32(d, off), hi = 0, szlo, szhi = 0xffffffff;
	struct pci_bar *b = &d->bar[i];

	b->io = lo & 1;
	b->is64 = !b->io && ((lo >> 1) & 3) == 2;
	b->prefetch = !b->io && (lo & 8);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	pci_write32(d, off, 0xffffffff);
	szlo = pci_read32(d, off);
	pci_write32(d, off, lo);
	if (b->is64) {
		hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, 0xffffffff);
		szhi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
	}
	pci_write16(d, PCI_COMMAND, cmd);
	if (b->io) {
		b->addr = lo & ~3u;
		b->size = (uint16_t)(~(szlo & ~3u) + 1);
	} else {
		uint64_t mask = (uint64_t)szhi << 32 | (szlo & ~0xfu);
		if (!b->is64)
			mask |= 0xffffffff00000000ull;
		b->addr = ((uint64_t)hi << 32) | (lo & ~0xfu);
		b->size = mask ? ~mask + 1 : 0;
	}
	if (!szlo || szlo == 0xffffffff)
		b->size = 0;
	if (b->size)
		pr_debug("pci: %02x:%02x.%u BAR%d %s%s%s at 0x%lx, %lu bytes", d->bus, d->dev,
			 d->fn, i, b->io ? "I/O" : "memory", b->is64 ? " 64-bit" : "",
			 b->prefetch ? " prefetchable" : "", (unsigned long)b->addr,
			 (unsigned long)b->size);
	return b->is64 ? 2 : 1;
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from)
{
	uint8_t off;
	int guard = 48; /* a looping list must not hang the boot */

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	off = from ? pci_read8(d, from + 1) : pci_read8(d, PCI_CAP_PTR);
	for (off &= 0xfc; off >= 0x40 && guard--; off = pci_read8(d, off + 1) & 0xfc)
		if (pci_read8(d, off) == id)
			return off;
	return 0;
}

static void log_device(const struct pci_dev *d)
{
	const char *vn = pci_vendor_name(d->vendor);
	char name[64], irq[24] = "";

	device_name(d, name, sizeof(name));
	if (d->irq_pin)
		ksnprintf(irq, sizeof(irq), ", INT%c# line %u", 'A' + d->irq_pin - 1, d->irq_line);
	if (vn)
		pr_info("pci: %02x:%02x.%u %04x:%04x %s %s (class %02x:%02x%s%s)", d->bus, d->dev,
			d->fn, d->vendor, d->device, vn, name, d->class, d->subclass,
			d->msix_cap ? ", MSI-X" : "", irq);
	else
		pr_info("pci: %02x:%02x.%u %04x:%04x vendor %04x %s (class %02x:%02x%s%s)", d->bus,
			d->dev, d->fn, d->vendor, d->device, d->vendor, name, d->class, d->subclass,
			d->msix_cap ? ", MSI-X" : "", irq);
}

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor)
{
	struct pci_dev *d = kzalloc(sizeof(*d));

	if (!d) {
		pr_error("pci: out of memory at %02x:%02x.%u", bus, dev, fn);
		return;
	}
	d->bus = bus, d->dev = dev, d->fn = fn, d->vendor = vendor;
	d->device = pci_read16(d, PCI_DEVICE_ID);
	d->revision = pci_read8(d, PCI_REVISION);
	d->prog_if = pci_read8(d, PCI_PROG_IF);
	d->subclass = pci_read8(d, PCI_SUBCLASS);
	d->class = pci_read8(d, PCI_CLASS);
	d->header_type = pci_read8(d, PCI_HEADER_TYPE) & 0x7f;
	if (d->header_type == 0) {
		for (int i = 0; i < PCI_NUM_BARS; i += bar_probe(d, i))
			;
		d->subsys_vendor = pci_read16(d, PCI_SUBSYS_VENDOR);
		d->subsys_id = pci_read16(d, PCI_SUBSYS_ID);
	} else if (d->header_type == 1) {
		for (int i = 0; i < 2; i += bar_probe(d, i))
			;
	}
	d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	if (d->irq_pin > 4)
		d->irq_pin = 0;
	d->msix_cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	if (d->msix_cap)
		d->msix_size = (pci_read16(d, d->msix_cap + MSIX_CTRL) & 0x7ff) + 1;
	*devices_tail = d;
	devices_tail = &d->next;
	log_device(d);
}

/* Every bus, device and function: a brute-force scan finds devices behind
 * bridges without following the bridges' bus numbers. uhyve has bus 0
 * only (absent devices read all ones), and each port access there is a
 * VM exit, so its scan stops after bus 0. */
static void scan(void)
{
	unsigned first = ecam ? ecam_bus_start : 0, last = ecam ? ecam_bus_end : 255;

	if (uhyve_present())
		last = 0;

	for (unsigned bus = first; bus <= last; bus++) {
		for (uint8_t dev = 0; dev < 32; dev++) {
			struct pci_dev probe = {.bus = bus, .dev = dev};
			uint16_t vendor = pci_read16(&probe, PCI_VENDOR_ID);
			int nfn;

			if (vendor == 0xffff)
				continue;
			nfn = pci_read8(&probe, PCI_HEADER_TYPE) & 0x80 ? 8 : 1;
			for (uint8_t fn = 0; fn < nfn; fn++) {
				probe.fn = fn;
				vendor = pci_read16(&probe, PCI_VENDOR_ID);
				if (vendor != 0xffff)
					add_function(bus, dev, fn, vendor);
			}
		}
	}
}

/* Resources ------------------------------------------------------------ */

void pci_enable(struct pci_dev *d)
{
	pci_write16(d, PCI_COMMAND,
		    pci_read16(d, PCI_COMMAND) | PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
}

/* Below 4 GiB the identity map already covers a BAR (uncached, as no RAM is
 * there); above it, map the BAR's pages uncached. */
volatile void *pci_bar_map(struct pci_dev *d, int bar)
{
	struct pci_bar *b = &d->bar[bar];

	if (bar < 0 || bar >= PCI_NUM_BARS || b->io || !b->addr || !b->size)
		return NULL;
	if (b->addr + b->size > FOURGIB) {
		for (uint64_t pa = b->addr & ~(PAGE_SIZE - 1); pa < b->addr + b->size;
		     pa += PAGE_SIZE) {
			if (paging_mapped(pa, PAGE_SIZE, true))
				continue;
			if (paging_map(pa, pa, PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX)) {
				pr_error("pci: cannot map BAR%d of %02x:%02x.%u at 0x%lx", bar,
					 d->bus, d->dev, d->fn, (unsigned long)pa);
				return NULL;
			}
		}
	}
	return (volatile void *)b->addr;
}

/* Interrupts ----------------------------------------------------------- */

static void irq_trampoline(uint8_t vector)
{
	for (struct irq_action *a = actions[vector - VEC_DEV_BASE]; a; a = a->next)
		a->fn(a->ctx);
	apic_eoi();
}

static int vector_alloc(void)
{
	if (next_vector >= VEC_DEV_END)
		return -ENOSPC;
	return next_vector++;
}

static int action_add(uint8_t vector, pci_irq_fn fn, void *ctx)
{
	struct irq_action *a = kzalloc(sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->fn = fn, a->ctx = ctx;
	a->next = actions[vector - VEC_DEV_BASE];
	actions[vector - VEC_DEV_BASE] = a;
	irq_set_handler(vector, irq_trampoline);
	return 0;
}

int pci_msix_enable(struct pci_dev *d)
{
	uint32_t table;
	int bir;
	volatile uint8_t *base;
	uint16_t ctrl;

	if (!d->msix_cap)
		return -ENODEV;
	if (d->msix_on)
		return 0;
	table = pci_read32(d, d->msix_cap + MSIX_TABLE);
	bir = table & 7;
	if (bir >= PCI_NUM_BARS ||
	    (table & ~7u) + (uint64_t)d->msix_size * MSIX_ENTRY_SIZE > d->bar[bir].size ||
	    !(base = pci_bar_map(d, bir)))
		return -ENODEV;
	d->msix_table = (volatile uint32_t *)(base + (table & ~7u));
	for (uint16_t i = 0; i < d->msix_size; i++)
		d->msix_table[i * 4 + 3] = MSIX_VECTOR_MASKED;
	pci_enable(d);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | PCI_CMD_INTX_DISABLE);
	ctrl = pci_read16(d, d->msix_cap + MSIX_CTRL);
	pci_write16(d, d->msix_cap + MSIX_CTRL, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	d->msix_on = true;
	return 0;
}

/* Fixed delivery, physical destination: this CPU's local APIC. */
int pci_msix_route(struct pci_dev *d, uint16_t entry, pci_irq_fn fn, void *ctx)
{
	volatile uint32_t *e;
	int vector, err;

	if (!d->msix_on)
		return -ENODEV;
	if (entry >= d->msix_size)
		return -EINVAL;
	if (apic_id() > 255)
		return -ENOTSUP; /* needs interrupt remapping */
	if ((vector = vector_alloc()) < 0)
		return vector;
	if ((err = action_add(vector, fn, ctx)))
		return err;
	e = d->msix_table + entry * 4;
	e[0] = MSI_ADDRESS | apic_id() << 12;
	e[1] = 0;
	e[2] = vector;
	e[3] = 0;
	pr_debug("pci: %02x:%02x.%u MSI-X entry %u -> vector 0x%x", d->bus, d->dev, d->fn, entry,
		 vector);
	return 0;
}

/*
 * PCI INTx reaches the IOAPIC on the GSI that the firmware wrote into the
 * interrupt-line register. QEMU's PIIX3 (pc) and ICH9 (q35) route PIRQs to
 * GSIs 5, 9, 10 and 11 (SeaBIOS picks 10 and 11), level-triggered and, after
 * the chipset's inversion, active-high; QEMU's MADT says so with overrides
 * of those ISA IRQs. So: the override's flags when there is one, otherwise
 * level-triggered, active-high.
 */
int pci_intx_route(struct pci_dev *d, pci_irq_fn fn, void *ctx)
{
	uint16_t flags;
	uint32_t gsi;
	int err;

	if (!d->irq_pin || d->irq_line == 0xff || d->irq_line == 0)
		return -ENODEV;
	gsi = d->irq_line < 16 ? platform_isa_gsi(d->irq_line, &flags) : d->irq_line;
	if (d->irq_line >= 16 || !(flags & IRQ_TRIGGER_MASK))
		flags = IRQ_TRIGGER_LEVEL;
	if (gsi >= sizeof(intx_vector))
		return -EINVAL;
	if (!intx_vector[gsi]) {
		int v = vector_alloc();
		if (v < 0)
			return v;
		intx_vector[gsi] = v;
		if (ioapic_route_gsi(gsi, v, flags))
			return -ENODEV;
	}
	if ((err = action_add(intx_vector[gsi], fn, ctx)))
		return err;
	pci_enable(d);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) & ~PCI_CMD_INTX_DISABLE);
	pr_debug("pci: %02x:%02x.%u INTx -> GSI %u -> vector 0x%x", d->bus, d->dev, d->fn, gsi,
		 intx_vector[gsi]);
	return 0;
}

/* Drivers -------------------------------------------------------------- */

static bool matches(const struct driver *drv, const struct pci_dev *d)
{
	return (drv->vendor == PCI_ANY_ID || drv->vendor == d->vendor) &&
	       (drv->device == PCI_ANY_ID || drv->device == d->device);
}

static void attach(struct driver *drv, struct pci_dev *d)
{
	int err;

	if (d->bound || !matches(drv, d))
		return;
	err = drv->probe(d);
	if (!err)
		d->bound = true;
	else
		pr_warn("pci: %02x:%02x.%u %04x:%04x: the driver refused it (error %d)", d->bus,
			d->dev, d->fn, d->vendor, d->device, err);
}

int pci_register_driver(uint16_t vendor, uint16_t device, pci_probe_fn probe)
{
	struct driver *drv = kzalloc(sizeof(*drv));

	if (!drv)
		return -ENOMEM;
	drv->vendor = vendor, drv->device = device, drv->probe = probe;
	drv->next = drivers;
	drivers = drv;
	for (struct pci_dev *d = devices; d; d = d->next)
		attach(drv, d);
	return 0;
}

struct pci_dev *pci_devices(void)
{
	return devices;
}

void pci_init(void)
{
	int n = 0;

	config_init();
	scan();
	for (struct pci_dev *d = devices; d; d = d->next)
		n++;
	pr_info("pci: %d functions", n);
	/* The built-in drivers. */
	virtio_rng_init();
#ifdef HERMIT_FEATURE_VIRTIO_FS
	virtio_fs_init();
#endif
#ifdef HERMIT_FEATURE_TCP
	virtio_net_init();
#endif
#ifdef HERMIT_FEATURE_RTL8139
	rtl8139_init();
#endif
}
