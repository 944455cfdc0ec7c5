/* SPDX-License-Identifier: MIT */
/*
 * A PCI bus for the guest: bus 0 with up to 32 single-function devices,
 * configuration space through the legacy ports (0xcf8 selects, 0xcfc-0xcff
 * carry the data; the kernel's pci.c uses exactly these), and dispatch of
 * guest accesses to memory BARs, which uhyve places in the hole between
 * guest RAM and the IOAPIC (PCI_MMIO_BASE..PCI_MMIO_END), as firmware
 * would: the kernel sizes and maps them and assigns nothing.
 *
 * Reads of an absent device, function or register give all ones, so a
 * guest that probes finds nothing where nothing is. Configuration writes
 * change only the bits of a function's wmask; a BAR reads back its size
 * mask while the guest sizes it.
 */
#include <string.h>

#include "bytes.h"
#include "uhyve.h"

#define CFG_COMMAND    0x04
#define CFG_STATUS     0x06
#define CFG_BAR0       0x10
#define CFG_CAP_PTR    0x34
#define CMD_MEM	       0x2
#define STATUS_CAPLIST 0x10
#define CAP_START      0x40

void pci_bus_init(struct pci_bus *b)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
}

/* A type 0 header: IDs, class code and revision (class << 8 | revision),
 * the command register's I/O, memory, bus-master and INTx-disable bits
 * writable, no interrupt pin. */
void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_rev)
{
	memset(f, 0, sizeof(*f));
	put16(f->cfg + 0x00, vendor);
	put16(f->cfg + 0x02, device);
	put32(f->cfg + 0x08, class_rev);
	put16(f->wmask + CFG_COMMAND, 0x0407);
	f->wmask[0x3c] = 0xff; /* interrupt line: the guest's scratch byte */
	f->cap_end = CAP_START;
}

/* A 32-bit memory BAR of size bytes (a power of two, at least 16) at addr. */
void pci_set_bar(struct pci_func *f, int bar, uint32_t addr, uint32_t size)
{
	f->bar_size[bar] = size;
	put32(f->cfg + CFG_BAR0 + 4 * bar, addr);
	put32(f->wmask + CFG_BAR0 + 4 * bar, ~(size - 1));
}

/* Append a capability (its first byte the ID; uhyve links the list) and
 * return its offset in configuration space. */
unsigned pci_add_cap(struct pci_func *f, const void *cap, unsigned len)
{
	unsigned off = f->cap_end, p = CFG_CAP_PTR;

	while (f->cfg[p])
		p = f->cfg[p] + 1u;
	f->cfg[p] = (uint8_t)off;
	memcpy(f->cfg + off, cap, len);
	f->cfg[off + 1] = 0;
	f->cfg[CFG_STATUS] |= STATUS_CAPLIST;
	f->cap_end = (off + len + 3) & ~3u;
	return off;
}

void pci_attach(struct pci_bus *b, unsigned slot, struct pci_func *f)
{
	b->slot[slot] = f;
}

/* The function the latch selects, or NULL (and *off its register). */
static struct pci_func *selected(struct pci_bus *b, unsigned *off)
{
	uint32_t a = b->addr;

	if (!(a & 0x80000000u) || ((a >> 16) & 0xff) || ((a >> 8) & 7))
		return NULL;
	*off = a & 0xfc;
	return b->slot[(a >> 11) & 0x1f];
}

static void cfg_write(struct pci_func *f, unsigned off, const uint8_t *data, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++)
		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~f->wmask[off + i]) |
					    (data[i] & f->wmask[off + i]));
	if (f->ops && f->ops->cfg_written)
		f->ops->cfg_written(f, off, len);
}

/* An access to the configuration ports: true if port is one of them
 * (reads are filled into data), false otherwise. */
bool pci_io(struct pci_bus *b, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	struct pci_func *f;
	unsigned off = 0;

	if (port < PCI_CONFIG_PORT || port >= PCI_DATA_PORT + 4)
		return false;
	pthread_mutex_lock(&b->lock);
	if (port < PCI_DATA_PORT) {
		/* only a 32-bit access to 0xcf8 is the address latch */
		if (port == PCI_CONFIG_PORT && size == 4 && write)
			b->addr = get32(data);
		else if (port == PCI_CONFIG_PORT && size == 4)
			put32(data, b->addr);
		else if (!write)
			memset(data, 0xff, size);
	} else {
		f = selected(b, &off);
		off += port - PCI_DATA_PORT;
		if (off + size > 256)
			f = NULL;
		if (!f && !write)
			memset(data, 0xff, size);
		else if (!write)
			memcpy(data, f->cfg + off, size);
		else if (f)
			cfg_write(f, off, data, size);
	}
	pthread_mutex_unlock(&b->lock);
	return true;
}

/* A guest access to guest-physical gpa outside RAM: 1 if a memory BAR
 * (with memory decoding on) holds it and its device served it, 0 if no BAR
 * does, -1 with err if the device refused it. */
int pci_mmio(struct pci_bus *b, uint64_t gpa, bool write, unsigned len, uint8_t *data, char *err)
{
	struct pci_func *f = NULL;
	uint64_t base = 0;
	unsigned s;
	int bar = 0;

	pthread_mutex_lock(&b->lock);
	for (s = 0; s < PCI_SLOTS && !f; s++) {
		struct pci_func *c = b->slot[s];

		if (!c || !(c->cfg[CFG_COMMAND] & CMD_MEM))
			continue;
		for (bar = 0; bar < PCI_BARS; bar++) {
			base = get32(c->cfg + CFG_BAR0 + 4 * bar) & ~0xfu;
			if (c->bar_size[bar] && gpa >= base && gpa - base < c->bar_size[bar] &&
			    len <= c->bar_size[bar] - (gpa - base)) {
				f = c;
				break;
			}
		}
	}
	pthread_mutex_unlock(&b->lock);
	if (!f)
		return 0;
	return f->ops->bar_access(f, bar, gpa - base, data, len, write, err) < 0 ? -1 : 1;
}
