/* SPDX-License-Identifier: MIT */
/*
 * Network devices: registration, one receive thread per device (the
 * driver's interrupt only kicks it), and the hand-over of frames to the
 * stack. Also the frame-level self-test behind env=HERMIT_SELFTEST=net,
 * which proves a driver sends and receives without the TCP/IP stack: an
 * ARP request for QEMU's user-network gateway and its answer.
 */
#include <errno.h>
#include "clock.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "net.h"
#include "netdev.h"
#include "sched.h"

static struct netdev *devices, **devices_tail = &devices;
static struct spinlock devices_lock = SPINLOCK_INIT;
static unsigned ndevices;
static bool started; /* the scheduler runs: threads can be made */

struct netdev *netdev_first(void)
{
	return devices;
}

/* The device's receive thread: sleeps until kicked, then lets the driver
 * deliver what arrived. */
static void rx_thread(void *arg)
{
	struct netdev *nd = arg;

	for (;;) {
		spin_lock(&nd->rx_lock);
		while (!nd->rx_pending) {
			nd->rx_waiting = true;
			sched_block(&nd->rx_lock, 0);
			spin_lock(&nd->rx_lock);
		}
		nd->rx_pending = 0;
		spin_unlock(&nd->rx_lock);
		nd->ops->rx_poll(nd);
		/* Kernel threads are not preempted: let others run between
		 * bursts. */
		if (this_cpu()->need_resched)
			schedule();
	}
}

void netdev_rx_kick(struct netdev *nd)
{
	struct thread *t = NULL;

	spin_lock(&nd->rx_lock);
	nd->rx_pending = 1;
	if (nd->rx_waiting) {
		nd->rx_waiting = false;
		t = nd->rx_thread;
	}
	spin_unlock(&nd->rx_lock);
	if (t)
		sched_wakeup(t, 0);
}

/* The self-test's sniffer: set while it waits for an ARP reply. */
static struct {
	struct netdev *nd;
	uint8_t ip[4];
	volatile bool got;
	uint8_t mac[6];
} arp_probe;

static bool selftest_sniff(struct netdev *nd, const uint8_t *f, size_t len)
{
	if (arp_probe.nd != nd || len < 42)
		return false;
	/* Ethertype ARP, opcode 2 (reply), sender IP = the one asked for. */
	if (f[12] != 0x08 || f[13] != 0x06 || f[20] != 0 || f[21] != 2 ||
	    kmemcmp(f + 28, arp_probe.ip, 4))
		return false;
	kmemcpy(arp_probe.mac, f + 22, 6);
	arp_probe.got = true;
	return true;
}

void netdev_rx(struct netdev *nd, const void *frame, size_t len, unsigned flags)
{
	nd->rx_frames++;
	if (arp_probe.nd && selftest_sniff(nd, frame, len))
		return;
	if (!nd->stack || net_input(nd, frame, len, flags))
		nd->rx_dropped++;
}

static int start_one(struct netdev *nd)
{
	nd->rx_thread = kthread_create(nd->name, rx_thread, nd);
	if (!nd->rx_thread) {
		pr_warn("%s: no memory for its receive thread; the device stays off", nd->name);
		return -ENOMEM;
	}
	net_attach(nd);
	netdev_rx_kick(nd); /* frames that came before */
	return 0;
}

void netdev_link_changed(struct netdev *nd, bool up)
{
	if (nd->link_up == up)
		return;
	nd->link_up = up;
	pr_info("%s: link %s", nd->name, up ? "up" : "down");
	if (nd->stack)
		net_link_changed(nd);
}

/* Drivers register at PCI probe time, before the scheduler runs: the
 * device is listed now and gets its thread and its netif in netdev_start. */
int netdev_register(struct netdev *nd)
{
	spin_lock(&devices_lock);
	ksnprintf(nd->name, sizeof(nd->name), "en%u", ndevices++);
	nd->next = NULL;
	*devices_tail = nd;
	devices_tail = &nd->next;
	spin_unlock(&devices_lock);
	pr_info("%s: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s%s%s", nd->name,
		nd->kind, nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5],
		nd->mtu, nd->link_up ? "up" : "down",
		nd->flags & NETDEV_F_TX_CSUM ? ", checksum offload" : "",
		nd->flags & NETDEV_F_RX_CSUM ? ", checksums checked by the device" : "");
	if (started)
		return start_one(nd);
	return 0;
}

void netdev_start(void)
{
	started = true;
	for (struct netdev *nd = devices; nd; nd = nd->next)
		start_one(nd);
}

/* ARP who-has 10.0.2.2 tell 10.0.2.15 (QEMU user networking's gateway and
 * the address its DHCP server hands out first), on every device. */
void netdev_selftest(void)
{
	static const uint8_t gw[4] = {10, 0, 2, 2}, me[4] = {10, 0, 2, 15};

	if (!devices)
		kprintf("[hermit] selftest net: no network device\n");
	for (struct netdev *nd = devices; nd; nd = nd->next) {
		uint8_t f[60] = {0};
		struct netdev_seg seg = {f, sizeof(f)};
		uint64_t deadline;
		int err;

		kmemset(f, 0xff, 6);
		kmemcpy(f + 6, nd->mac, 6);
		f[12] = 0x08, f[13] = 0x06;		  /* ARP */
		f[15] = 1, f[16] = 0x08, f[18] = 6, f[19] = 4; /* Ethernet, IPv4 */
		f[21] = 1;				  /* request */
		kmemcpy(f + 22, nd->mac, 6);
		kmemcpy(f + 28, me, 4);
		kmemcpy(f + 38, gw, 4);
		kmemcpy(arp_probe.ip, gw, 4);
		arp_probe.got = false;
		arp_probe.nd = nd;
		err = nd->ops->xmit(nd, &seg, 1, NULL);
		deadline = clock_uptime_ns() + 3000000000ull;
		while (!err && !arp_probe.got && clock_uptime_ns() < deadline)
			sched_sleep_until(clock_uptime_ns() + 1000000);
		arp_probe.nd = NULL;
		if (arp_probe.got)
			kprintf("[hermit] selftest net %s: ARP reply: 10.0.2.2 is at "
				"%02x:%02x:%02x:%02x:%02x:%02x (%lu frames in, %lu out)\n",
				nd->name, arp_probe.mac[0], arp_probe.mac[1], arp_probe.mac[2],
				arp_probe.mac[3], arp_probe.mac[4], arp_probe.mac[5],
				(unsigned long)nd->rx_frames, (unsigned long)nd->tx_frames);
		else
			kprintf("[hermit] selftest net %s: no ARP reply (xmit %d, %lu frames in)\n",
				nd->name, err, (unsigned long)nd->rx_frames);
	}
}
