/* SPDX-License-Identifier: MIT */
/*
 * Network devices (feature `tcp`): what a NIC driver (virtio-net, RTL8139)
 * gives the network stack, and what it gets back. Drivers know nothing of
 * lwIP; kernel/net/netif.c makes each netdev an lwIP netif.
 *
 * A driver's probe fills a struct netdev (name prefix, MAC, MTU, flags,
 * ops) and calls netdev_register once the device can send and receive.
 * Receiving is NAPI-like: the device's interrupt calls netdev_rx_kick, which
 * wakes the device's receive thread; that thread calls ops->rx_poll, and
 * rx_poll hands each received frame to netdev_rx (which copies it) until
 * the device has no more, re-enabling the device's interrupt before it
 * returns (checking once more after re-enabling, so no frame is stranded).
 * Sending: ops->xmit, called by the stack with its core lock held, from any
 * thread; it must not block.
 */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spinlock.h"

#define NETDEV_MAX_SEGS 32

/* Device capabilities (netdev.flags). */
#define NETDEV_F_TX_CSUM  (1u << 0) /* the device completes TCP/UDP checksums (csum below) */
#define NETDEV_F_RX_CSUM  (1u << 1) /* received frames need no checksum checks */

/* Per-frame flags for netdev_rx. */
#define NETDEV_RX_CSUM_OK (1u << 0) /* the device vouches for this frame's checksums */

/* One piece of a frame to send. */
struct netdev_seg {
	const void *data;
	size_t len;
};

/* Checksum offload for one frame to send (only with NETDEV_F_TX_CSUM): the
 * device computes the ones' complement sum from byte `start` of the frame to
 * its end and stores it at start + offset. The stack has put the
 * pseudo-header sum there. start == 0: nothing to do. */
struct netdev_csum {
	uint16_t start, offset;
};

struct netdev;

struct netdev_ops {
	/* Send one Ethernet frame of nseg pieces (total at most mtu + 14
	 * bytes, without FCS). 0, or -errno: -ENOBUFS when the device has no
	 * room now (the frame is dropped; TCP retransmits). Never blocks. */
	int (*xmit)(struct netdev *nd, const struct netdev_seg *seg, unsigned nseg,
		    const struct netdev_csum *csum);
	/* Deliver received frames through netdev_rx until none is left, then
	 * re-enable the interrupt (and check once more). Runs in the device's
	 * receive thread. Returns the number of frames delivered. */
	int (*rx_poll)(struct netdev *nd);
};

struct netdev {
	/* Filled by the driver before netdev_register. */
	const char *kind; /* "virtio-net", "rtl8139": for the log */
	uint8_t mac[6];
	uint16_t mtu; /* IP MTU, 1500 normally */
	unsigned flags;
	bool link_up;
	const struct netdev_ops *ops;
	void *priv; /* the driver's */

	/* Kept by netdev.c and the stack. */
	char name[8]; /* "en0", "en1", ... */
	void *stack;  /* the lwIP netif */
	struct thread *rx_thread;
	volatile int rx_pending; /* a kick arrived since rx_poll last started */
	bool rx_waiting;	 /* the receive thread sleeps (under rx_lock) */
	struct spinlock rx_lock;
	uint64_t rx_frames, tx_frames, rx_dropped, tx_dropped;
	struct netdev *next;
};

/* Make the device known (from its probe): it gets a name, and once the
 * scheduler runs a receive thread and a place in the stack (addresses,
 * DHCP). 0 or -errno. */
int netdev_register(struct netdev *nd);
/* From the driver's interrupt (or anywhere): frames are waiting. */
void netdev_rx_kick(struct netdev *nd);
/* From rx_poll: one received frame (copied; the buffer is the driver's
 * again when this returns). flags: NETDEV_RX_*. */
void netdev_rx(struct netdev *nd, const void *frame, size_t len, unsigned flags);
/* The link came up or went down. */
void netdev_link_changed(struct netdev *nd, bool up);
/* Once the scheduler runs: give every device its receive thread and
 * attach it to the stack. Devices registered later are started at once. */
void netdev_start(void);
/* The frame-level self-test (env=HERMIT_SELFTEST=net). */
void netdev_selftest(void);
/* The registered devices, for walking: netdev_first(); d; d = d->next. */
struct netdev *netdev_first(void);

/* Drivers (attached through PCI by pci_init). */
void virtio_net_init(void);
void rtl8139_init(void);

#endif
