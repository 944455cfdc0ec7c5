/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of uhyve/pci.c and uhyve/vnet.c: the configuration ports
 * (the device at 00:01.0, all ones elsewhere), BAR sizing, the capability
 * list, the virtio transport (feature negotiation, queue set-up checks),
 * then frames both ways with a datagram socket pair standing in for the
 * tap device, and hostile chains on both queues ending the guest with
 * status 70 and a message. Guest RAM is fake, with guard pages around it.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "uhyve.h"
#include "fake_guest.h"

#define PAGE 4096
#define RAM  (1024 * 1024)
#define BAR  PCI_MMIO_BASE
#define QS   8

static struct guest g;
static struct pci_bus bus;
static struct vnet *n;
static int peer; /* the host's end of the "tap" */
static char err[ERRLEN];
static int ended = -1;

/* vnet.c ends the guest through run.c; here it is only recorded. */
bool run_end(struct run *r, int status)
{
	(void)r;
	ended = status;
	return true;
}

static uint32_t cfg_read(unsigned slot, unsigned off, unsigned size)
{
	uint32_t a = 0x80000000u | slot << 11 | (off & 0xfc), v = 0;

	pci_io(&bus, PCI_CONFIG_PORT, true, 4, (uint8_t *)&a);
	pci_io(&bus, (uint16_t)(PCI_DATA_PORT + (off & 3)), false, size, (uint8_t *)&v);
	return v;
}

static void cfg_write(unsigned slot, unsigned off, unsigned size, uint32_t v)
{
	uint32_t a = 0x80000000u | slot << 11 | (off & 0xfc);

	pci_io(&bus, PCI_CONFIG_PORT, true, 4, (uint8_t *)&a);
	pci_io(&bus, (uint16_t)(PCI_DATA_PORT + (off & 3)), true, size, (uint8_t *)&v);
}

static uint64_t mm_read(uint64_t off, unsigned len)
{
	uint64_t v = 0;

	CHECK(pci_mmio(&bus, BAR + off, false, len, (uint8_t *)&v, err) == 1);
	return v;
}

static int mm_write(uint64_t off, unsigned len, uint64_t v)
{
	err[0] = '\0';
	return pci_mmio(&bus, BAR + off, true, len, (uint8_t *)&v, err);
}

static void desc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	memcpy(g.mem + table + 16 * i, &addr, 8);
	memcpy(g.mem + table + 16 * i + 8, &len, 4);
	memcpy(g.mem + table + 16 * i + 12, &flags, 2);
	memcpy(g.mem + table + 16 * i + 14, &next, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, g.mem + gpa, 2);
	return v;
}

static void offer(uint64_t avail, uint16_t head)
{
	uint16_t idx = get16(avail + 2);

	memcpy(g.mem + avail + 4 + 2 * (idx % QS), &head, 2);
	idx++;
	memcpy(g.mem + avail + 2, &idx, 2);
}

/* Queue qi with its rings at base (desc, +0x100 avail, +0x200 used):
 * what pci_mmio says to enabling it. */
static int setup_queue(uint16_t qi, uint64_t base)
{
	mm_write(22, 2, qi);
	mm_write(24, 2, QS);
	mm_write(32, 4, base);
	mm_write(36, 4, base >> 32);
	mm_write(40, 8, base + 0x100);
	mm_write(48, 8, base + 0x200);
	return mm_write(28, 2, 1);
}

static void test_config_space(void)
{
	unsigned cap, types = 0;

	CHECK(cfg_read(1, 0, 4) == 0x10411af4);
	CHECK(cfg_read(1, 2, 2) == 0x1041);
	CHECK(cfg_read(1, 8, 4) == 0x02000001);
	CHECK(cfg_read(0, 0, 4) == 0xffffffff);
	CHECK(cfg_read(2, 0, 2) == 0xffff);
	CHECK(cfg_read(1, 0x10, 4) == (uint32_t)BAR);
	cfg_write(1, 0x10, 4, 0xffffffff);
	CHECK(cfg_read(1, 0x10, 4) == (uint32_t) ~(VNET_BAR_SIZE - 1));
	cfg_write(1, 0x10, 4, (uint32_t)BAR);
	cfg_write(1, 0, 4, 0); /* IDs are read-only */
	CHECK(cfg_read(1, 0, 4) == 0x10411af4);
	CHECK(cfg_read(1, 6, 2) & 0x10);
	for (cap = cfg_read(1, 0x34, 1); cap; cap = cfg_read(1, cap + 1, 1)) {
		if (cfg_read(1, cap, 1) == 0x09)
			types |= 1u << cfg_read(1, cap + 3, 1);
		else if (cfg_read(1, cap, 1) == 0x11)
			CHECK((cfg_read(1, cap + 2, 2) & 0x7ff) == VNET_MSIX - 1);
	}
	CHECK(types == 0x1e); /* common, notify, ISR, device */
	/* memory decoding off: the BAR does not answer */
	CHECK(pci_mmio(&bus, BAR, false, 4, (uint8_t *)&cap, err) == 0);
	cfg_write(1, 4, 2, 0x6);
	CHECK(pci_mmio(&bus, BAR + VNET_BAR_SIZE, false, 4, (uint8_t *)&cap, err) == 0);
}

static void test_transport(void)
{
	mm_write(20, 1, 0);
	CHECK(mm_read(20, 1) == 0);
	mm_write(0, 4, 1);
	CHECK(mm_read(4, 4) & 1); /* VERSION_1 */
	mm_write(20, 1, 1 | 2);
	mm_write(8, 4, 0);
	mm_write(12, 4, 1u << 5);
	mm_write(8, 4, 1);
	mm_write(12, 4, 0); /* no VERSION_1 */
	mm_write(20, 1, 1 | 2 | 8);
	CHECK(!(mm_read(20, 1) & 8));
	mm_write(20, 1, 0);
	mm_write(20, 1, 1 | 2);
	mm_write(8, 4, 0);
	mm_write(12, 4, 1u << 5 | 1u << 29);
	mm_write(8, 4, 1);
	mm_write(12, 4, 1);
	mm_write(20, 1, 1 | 2 | 8);
	CHECK(mm_read(20, 1) & 8);
	CHECK(mm_read(18, 2) == VNET_QUEUES);
	CHECK(mm_read(0x800, 4) == 0x01434802u && mm_read(0x806, 2) == 1); /* MAC, link up */
	mm_write(26, 2, 7);						   /* no such vector */
	CHECK(mm_read(26, 2) == 0xffff);
	/* a queue outside RAM, or misaligned, cannot be enabled */
	CHECK(setup_queue(1, RAM - 0x100) < 0 && CONTAINS(err, "virtio-net transmit queue") &&
	      CONTAINS(err, "outside guest memory"));
	CHECK(setup_queue(1, 0x10008) < 0 && CONTAINS(err, "not 16-byte aligned"));
	mm_write(24, 2, 3);
	CHECK(mm_write(28, 2, 1) < 0 && CONTAINS(err, "size 3 is not a power of two"));
	CHECK(setup_queue(0, 0x10000) == 1 && setup_queue(1, 0x20000) == 1);
	mm_write(20, 1, 1 | 2 | 8 | 4);
}

static void test_tx(void)
{
	uint8_t frame[64];
	ssize_t r;

	memset(g.mem + 0x30000, 0xee, 12); /* a header with junk in it */
	g.mem[0x30000] = 1;		   /* NEEDS_CSUM: negotiated? no */
	memcpy(g.mem + 0x30000 + 12, "0123456789", 10);
	memcpy(g.mem + 0x31000, "abcdefghij", 10);
	desc(0x20000, 0, 0x30000, 22, 1, 1);
	desc(0x20000, 1, 0x31000, 10, 0, 0);
	offer(0x20100, 0);
	CHECK(mm_write(0xc00 + 4, 2, 1) == 1);
	r = recv(peer, frame, sizeof(frame), MSG_DONTWAIT);
	CHECK(r == 32 && !memcmp(frame + 12, "0123456789abcdefghij", 20));
	CHECK(frame[0] == 0 && frame[1] == 0 && frame[10] == 0); /* no CSUM, GSO */
	CHECK(get16(0x20200 + 2) == 1 && n->tx_frames == 1);

	desc(0x20000, 2, 0x30000, 8, 0, 0); /* shorter than the header */
	offer(0x20100, 2);
	CHECK(mm_write(0xc04, 2, 1) < 0 && CONTAINS(err, "transmit queue: the chain at descriptor "
							 "2 is shorter than the 12-byte"));
	desc(0x20000, 3, 0x30000, 32, 2, 0); /* device-writable */
	offer(0x20100, 3);
	CHECK(mm_write(0xc04, 2, 1) < 0 && CONTAINS(err, "has device-writable buffers"));
	desc(0x20000, 4, 0x30000, 32, 1, 4); /* a loop */
	offer(0x20100, 4);
	CHECK(mm_write(0xc04, 2, 1) < 0 && CONTAINS(err, "(a loop)"));
}

/* Wait up to 2 s for the receive queue's used index to reach idx. */
static bool rx_used(uint16_t idx)
{
	for (int i = 0; i < 200; i++) {
		if (get16(0x10200 + 2) == idx)
			return true;
		poll(NULL, 0, 10);
	}
	return false;
}

static void test_rx(void)
{
	uint8_t frame[12 + 60] = {0};
	uint32_t len;

	memset(frame + 12, 0x5a, 60);
	desc(0x10000, 0, 0x40000, 2048, 2, 0);
	desc(0x10000, 1, 0x40800, 40, 2, 0); /* too small for the frame */
	offer(0x10100, 0);
	offer(0x10100, 1);
	CHECK(vnet_start(n, NULL, err) == 0);
	CHECK(send(peer, frame, sizeof(frame), 0) == sizeof(frame));
	CHECK(rx_used(1));
	memcpy(&len, g.mem + 0x10200 + 8, 4);
	CHECK(len == 72 && get16(0x40000 + 10) == 1 && g.mem[0x40000 + 71] == 0x5a);
	CHECK(send(peer, frame, sizeof(frame), 0) == sizeof(frame));
	CHECK(rx_used(2)); /* given back empty, the frame dropped */
	memcpy(&len, g.mem + 0x10200 + 16, 4);
	CHECK(len == 0 && n->rx_dropped >= 1);
	/* no buffer: the frame waits until the guest posts one and notifies */
	CHECK(send(peer, frame, sizeof(frame), 0) == sizeof(frame));
	poll(NULL, 0, 50);
	CHECK(get16(0x10200 + 2) == 2 && get16(0x10200 + 4 + 8 * QS) == 2); /* avail_event */
	desc(0x10000, 2, 0x41000, 2048, 2, 0);
	offer(0x10100, 2);
	mm_write(0xc00, 2, 0);
	CHECK(rx_used(3));
	/* a device-readable receive buffer ends the guest */
	desc(0x10000, 3, 0x41000, 2048, 0, 0);
	offer(0x10100, 3);
	CHECK(send(peer, frame, sizeof(frame), 0) == sizeof(frame));
	for (int i = 0; i < 200 && ended < 0; i++)
		poll(NULL, 0, 10);
	CHECK(ended == UHYVE_EXIT_HYPERCALL);
	vnet_stop(n);
}

int main(void)
{
	static const uint8_t mac[6] = {0x02, 0x48, 0x43, 1, 2, 3};
	int sv[2];

	fake_guest(&g, RAM);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) < 0) {
		perror("socketpair");
		return 2;
	}
	peer = sv[1];
	n = malloc(sizeof(*n));
	pci_bus_init(&bus);
	CHECK(vnet_init(n, &g, -1, sv[0], mac, err) == 0);
	pci_attach(&bus, 1, &n->fn);
	test_config_space();
	test_transport();
	test_tx();
	test_rx();
	vnet_free(n);
	free(n);
	return check_done("test_vnet");
}
