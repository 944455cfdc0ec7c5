/* SPDX-License-Identifier: MIT */
/*
 * virtio-net (device type 1) on the shared virtio transport: queue 0
 * receives, queue 1 sends. Negotiated: MAC, STATUS (link changes come as
 * configuration interrupts), MRG_RXBUF (a frame may span several receive
 * buffers; the first one's header says how many), CSUM (the device
 * completes TCP/UDP checksums of frames we send: the stack leaves the
 * pseudo-header sum in place and we say where it is) and GUEST_CSUM (the
 * device marks frames whose checksums it vouches for), and EVENT_IDX by the
 * transport. No GSO: frames are at most MTU + 14 bytes both ways.
 *
 * Receive buffers are 2 KiB, two per frame of memory; sending copies the
 * frame into one of the send queue's 2 KiB slots behind its header, so each
 * frame is a single descriptor. Send completions are collected lazily (on
 * the next send), so the send queue raises no interrupts.
 */
#include <errno.h>
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "netdev.h"
#include "virtio.h"

#define NET_F_CSUM	 (1ull << 0)
#define NET_F_GUEST_CSUM (1ull << 1)
#define NET_F_MTU	 (1ull << 3)
#define NET_F_MAC	 (1ull << 5)
#define NET_F_MRG_RXBUF	 (1ull << 15)
#define NET_F_STATUS	 (1ull << 16)

#define NET_S_LINK_UP 1

#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2

#define BUF_SIZE  2048
#define RX_QSIZE  256
#define TX_QSIZE  256
#define FRAME_MAX (14 + 1500)

/* The header in front of every frame (VERSION_1: num_buffers always). */
struct net_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
} __attribute__((packed));

struct vnet {
	struct netdev nd;
	struct virtio_dev vdev;
	struct virtq *rx, *tx;
	uint16_t rx_size, tx_size;
	uint8_t **tx_free; /* free send slots (a stack) */
	uint16_t tx_nfree;
	uint8_t frame[FRAME_MAX]; /* a frame that spans buffers, put together */
};

static int rx_post(struct vnet *v, uint8_t *buf)
{
	struct virtq_buf in = {buf, BUF_SIZE};

	return virtq_add(v->rx, NULL, 0, &in, 1, buf);
}

static void rx_interrupt(struct virtq *q)
{
	struct vnet *v = q->ctx;

	virtq_disable_cb(q);
	netdev_rx_kick(&v->nd);
}

/* One frame from buf (and, with MRG_RXBUF, the buffers after it). Every
 * buffer taken goes back to the device. */
static void rx_frame(struct vnet *v, uint8_t *buf, uint32_t len)
{
	struct net_hdr *h = (struct net_hdr *)buf;
	unsigned nbufs = v->vdev.features & NET_F_MRG_RXBUF ? h->num_buffers : 1;
	unsigned flags = h->flags & (HDR_F_DATA_VALID | HDR_F_NEEDS_CSUM) ? NETDEV_RX_CSUM_OK : 0;
	size_t have = 0;
	bool bad = len < sizeof(*h) || nbufs == 0;

	if (!bad && nbufs == 1) {
		netdev_rx(&v->nd, buf + sizeof(*h), len - sizeof(*h), flags);
		rx_post(v, buf);
		return;
	}
	/* The frame spans buffers: gather them (dropping it if it would not
	 * fit; the buffers are taken all the same). */
	uint8_t *data = buf + sizeof(*h);
	uint32_t n = bad ? 0 : len - sizeof(*h);

	for (unsigned i = 1;; i++) {
		if (have + n <= sizeof(v->frame))
			kmemcpy(v->frame + have, data, n);
		else
			bad = true;
		have += n;
		rx_post(v, buf);
		if (i >= nbufs)
			break;
		if (!(buf = virtq_get(v->rx, &len))) {
			bad = true;
			break;
		}
		data = buf, n = len;
	}
	if (bad)
		v->nd.rx_dropped++;
	else
		netdev_rx(&v->nd, v->frame, have, flags);
}

static int vnet_rx_poll(struct netdev *nd)
{
	struct vnet *v = nd->priv;
	int n = 0;
	uint32_t len;
	uint8_t *buf;

	for (;;) {
		while ((buf = virtq_get(v->rx, &len))) {
			rx_frame(v, buf, len);
			n++;
		}
		virtq_kick(v->rx);
		if (virtq_enable_cb(v->rx))
			return n;
		virtq_disable_cb(v->rx);
	}
}

/* Send slots the device is done with go back on the free stack. */
static void tx_reclaim(struct vnet *v)
{
	uint8_t *slot;
	uint32_t len;

	while ((slot = virtq_get(v->tx, &len)))
		v->tx_free[v->tx_nfree++] = slot;
}

static int vnet_xmit(struct netdev *nd, const struct netdev_seg *seg, unsigned nseg,
		     const struct netdev_csum *csum)
{
	struct vnet *v = nd->priv;
	struct net_hdr *h;
	struct virtq_buf out;
	size_t len = 0;
	uint8_t *slot;

	tx_reclaim(v);
	if (!v->tx_nfree) {
		nd->tx_dropped++;
		return -ENOBUFS;
	}
	slot = v->tx_free[--v->tx_nfree];
	h = (struct net_hdr *)slot;
	kmemset(h, 0, sizeof(*h));
	for (unsigned i = 0; i < nseg; i++) {
		if (len + seg[i].len > BUF_SIZE - sizeof(*h)) {
			v->tx_free[v->tx_nfree++] = slot;
			nd->tx_dropped++;
			return -EMSGSIZE;
		}
		kmemcpy(slot + sizeof(*h) + len, seg[i].data, seg[i].len);
		len += seg[i].len;
	}
	if (csum && csum->start && (v->vdev.features & NET_F_CSUM)) {
		h->flags = HDR_F_NEEDS_CSUM;
		h->csum_start = csum->start;
		h->csum_offset = csum->offset;
	}
	out = (struct virtq_buf){slot, sizeof(*h) + len};
	if (virtq_add(v->tx, &out, 1, NULL, 0, slot)) {
		v->tx_free[v->tx_nfree++] = slot;
		nd->tx_dropped++;
		return -ENOBUFS;
	}
	virtq_kick(v->tx);
	nd->tx_frames++;
	return 0;
}

static const struct netdev_ops vnet_ops = {
	.xmit = vnet_xmit,
	.rx_poll = vnet_rx_poll,
};

static bool link_status(struct vnet *v)
{
	uint16_t status = NET_S_LINK_UP;

	if (v->vdev.features & NET_F_STATUS)
		virtio_config_read(&v->vdev, 6, &status, sizeof(status));
	return status & NET_S_LINK_UP;
}

static void config_changed(struct virtio_dev *vdev)
{
	struct vnet *v = vdev->ctx;

	netdev_link_changed(&v->nd, link_status(v));
}

/* n buffers of BUF_SIZE, two per frame; NULL when memory is out. */
static uint8_t *buffers(unsigned n)
{
	uint64_t pa = frame_alloc_contig((n * BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);

	return pa ? (uint8_t *)pa : NULL;
}

static int vnet_probe(struct pci_dev *pci)
{
	struct vnet *v;
	uint8_t *rxb, *txb;
	int err;

	if (virtio_pci_type(pci) != VIRTIO_ID_NET)
		return -ENODEV;
	if (!(v = kzalloc(sizeof(*v))))
		return -ENOMEM;
	err = virtio_pci_init(&v->vdev, pci,
			      NET_F_CSUM | NET_F_GUEST_CSUM | NET_F_MAC | NET_F_MRG_RXBUF |
				      NET_F_STATUS);
	if (err)
		goto fail;
	v->vdev.ctx = v;
	v->vdev.config_changed = config_changed;
	if ((err = virtq_setup(&v->vdev, 0, RX_QSIZE, rx_interrupt, v, &v->rx)) ||
	    (err = virtq_setup(&v->vdev, 1, TX_QSIZE, NULL, v, &v->tx)))
		goto fail;
	v->rx_size = v->rx->size;
	v->tx_size = v->tx->size;
	rxb = buffers(v->rx_size);
	txb = buffers(v->tx_size);
	v->tx_free = kmalloc(v->tx_size * sizeof(*v->tx_free));
	if (!rxb || !txb || !v->tx_free) {
		err = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < v->tx_size; i++)
		v->tx_free[v->tx_nfree++] = txb + i * BUF_SIZE;
	for (unsigned i = 0; i < v->rx_size; i++)
		rx_post(v, rxb + i * BUF_SIZE);
	virtq_disable_cb(v->tx);

	if (v->vdev.features & NET_F_MAC)
		virtio_config_read(&v->vdev, 0, v->nd.mac, 6);
	else
		kmemcpy(v->nd.mac, (uint8_t[]){0x02, 0x48, 0x43, 0, 0, 1}, 6);
	v->nd.kind = "virtio-net";
	v->nd.mtu = 1500;
	v->nd.flags = (v->vdev.features & NET_F_CSUM ? NETDEV_F_TX_CSUM : 0) |
		      (v->vdev.features & NET_F_GUEST_CSUM ? NETDEV_F_RX_CSUM : 0);
	v->nd.ops = &vnet_ops;
	v->nd.priv = v;
	v->nd.link_up = link_status(v);
	virtio_ready(&v->vdev);
	virtq_kick(v->rx);
	pci->driver_data = v;
	pr_debug("virtio-net: %s, queues of %u/%u, features 0x%lx", v->vdev.msix ? "MSI-X" : "INTx",
		 v->rx_size, v->tx_size, (unsigned long)v->vdev.features);
	return netdev_register(&v->nd);
fail:
	pr_warn("virtio-net: %02x:%02x.%u: not usable (error %d)", pci->bus, pci->dev, pci->fn, err);
	if (v->vdev.common)
		virtio_reset(&v->vdev);
	return err;
}

void virtio_net_init(void)
{
	pci_register_driver(0x1af4, 0x1041, vnet_probe);
	pci_register_driver(0x1af4, 0x1000, vnet_probe); /* transitional */
}
