/* SPDX-License-Identifier: MIT */
/*
 * A virtio-net device (virtio 1.x, modern PCI only: 1af4:1041) backed by a
 * tap device, so that the kernel's own virtio drivers run on uhyve as they
 * do on QEMU. Everything lives in BAR 0 (layout below) behind capabilities
 * in configuration space; interrupts are MSI-X only, delivered with
 * KVM_SIGNAL_MSI from the address and data the guest wrote into the table.
 *
 * Offered: VERSION_1, MAC, STATUS (the link is always up), CSUM (the host
 * kernel completes checksums through the tap's virtio-net header),
 * GUEST_CSUM (frames the host vouches for are marked DATA_VALID) and
 * EVENT_IDX. Not offered: MRG_RXBUF (the guest's receive buffers must hold
 * a whole frame; smaller ones get the frame dropped), GSO, multiqueue,
 * control queue, indirect descriptors.
 *
 * Transmitting runs on the vCPU that notified; receiving on a thread of
 * its own that reads the tap and waits for receive buffers when the guest
 * has none (it asks for the guest's notification then). A malformed queue
 * or chain ends the guest with status 70 and the queue's message.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bytes.h"
#include "uhyve.h"

/* BAR 0 */
#define BAR_COMMON 0x0000
#define BAR_ISR	   0x0400
#define BAR_DEVICE 0x0800
#define BAR_NOTIFY 0x0c00
#define BAR_TABLE  0x1000
#define BAR_PBA	   0x1800
#define COMMON_LEN 0x38
#define DEVICE_LEN 8
#define NOTIFY_MUL 4

/* Virtio PCI capability types */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR	   3
#define CAP_DEVICE 4

#define F_CSUM	     (1ull << 0)
#define F_GUEST_CSUM (1ull << 1)
#define F_MAC	     (1ull << 5)
#define F_STATUS     (1ull << 16)
#define F_EVENT_IDX  (1ull << 29)
#define F_VERSION_1  (1ull << 32)
#define OFFERED	     (F_VERSION_1 | F_EVENT_IDX | F_MAC | F_STATUS | F_CSUM | F_GUEST_CSUM)

#define STATUS_DRIVER_OK   4
#define STATUS_FEATURES_OK 8
#define NO_VECTOR	   0xffff
#define HDR_F_NEEDS_CSUM   1
#define HDR_F_DATA_VALID   2
#define MSIX_ENABLE	   0x80 /* in the high byte of message control */
#define MSIX_MASKALL	   0x40

enum { RXQ = 0, TXQ = 1 };

/* A read of [off, off+len) from a register block of size bytes (zeros
 * past its end), or a write into it (nothing past its end). */
static void block_access(uint8_t *blk, size_t size, uint64_t off, uint8_t *data, unsigned len,
			 bool write)
{
	unsigned i;

	for (i = 0; i < len; i++) {
		if (write && off + i < size)
			blk[off + i] = data[i];
		else if (!write)
			data[i] = off + i < size ? blk[off + i] : 0;
	}
}

/* Interrupts --------------------------------------------------------- */

/* Raise MSI-X vector v (NO_VECTOR: none); a masked one becomes pending.
 * Without MSI-X there is no interrupt at all (no INTx pin), only the ISR. */
static void vnet_irq(struct vnet *n, uint16_t v)
{
	struct kvm_msi m;

	n->isr |= 1;
	if (!n->msix_on || v >= VNET_MSIX)
		return;
	if (n->msix_masked || (n->msix_table[v][3] & 1)) {
		n->msix_pending |= 1u << v;
		return;
	}
	n->msix_pending &= ~(1u << v);
	memset(&m, 0, sizeof(m));
	m.address_lo = n->msix_table[v][0];
	m.address_hi = n->msix_table[v][1];
	m.data = n->msix_table[v][2];
	n->irqs++;
	if (n->vm_fd >= 0)
		ioctl(n->vm_fd, KVM_SIGNAL_MSI, &m);
}

/* Deliver pending vectors that are no longer masked. */
static void vnet_unmasked(struct vnet *n)
{
	uint16_t v;

	for (v = 0; v < VNET_MSIX; v++)
		if ((n->msix_pending & (1u << v)) && !n->msix_masked && !(n->msix_table[v][3] & 1))
			vnet_irq(n, v);
}

/* The guest changed configuration space: MSI-X enable and mask bits. */
static void vnet_cfg_written(struct pci_func *f, unsigned off, unsigned len)
{
	struct vnet *n = f->priv;
	uint8_t ctrl = f->cfg[n->msix_cap + 3];

	(void)off, (void)len;
	pthread_mutex_lock(&n->lock);
	n->msix_on = ctrl & MSIX_ENABLE;
	n->msix_masked = ctrl & MSIX_MASKALL;
	vnet_unmasked(n);
	pthread_mutex_unlock(&n->lock);
}

/* The transport ---------------------------------------------------------- */

static void vnet_reset(struct vnet *n)
{
	unsigned i;

	n->dfselect = n->gfselect = 0;
	n->features = 0;
	n->msix_config = NO_VECTOR;
	n->qsel = 0;
	n->status = n->isr = 0;
	n->frame_len = 0;
	for (i = 0; i < VNET_QUEUES; i++) {
		const char *name = n->q[i].vq.name;

		memset(&n->q[i], 0, sizeof(n->q[i]));
		n->q[i].vq.name = name;
		n->q[i].vq.size = VQ_SIZE_MAX;
		n->q[i].msix = NO_VECTOR;
	}
}

static struct vnet_queue *selected(struct vnet *n)
{
	return n->qsel < VNET_QUEUES ? &n->q[n->qsel] : NULL;
}

/* The common configuration block as the guest reads it now. */
static void common_snapshot(struct vnet *n, uint8_t *c)
{
	struct vnet_queue *q = selected(n);

	memset(c, 0, COMMON_LEN);
	put32(c + 0, n->dfselect);
	put32(c + 4, n->dfselect < 2 ? (uint32_t)(OFFERED >> (32 * n->dfselect)) : 0);
	put32(c + 8, n->gfselect);
	put32(c + 12, n->gfselect < 2 ? (uint32_t)(n->features >> (32 * n->gfselect)) : 0);
	put16(c + 16, n->msix_config);
	put16(c + 18, VNET_QUEUES);
	c[20] = n->status;
	c[21] = 0; /* config_generation: the configuration never changes */
	put16(c + 22, n->qsel);
	if (!q)
		return;
	put16(c + 24, q->vq.size);
	put16(c + 26, q->msix);
	put16(c + 28, q->enabled);
	put16(c + 30, n->qsel); /* queue_notify_off */
	put64(c + 32, q->vq.desc);
	put64(c + 40, q->vq.avail);
	put64(c + 48, q->vq.used);
}

static uint16_t valid_vector(uint16_t v)
{
	return v < VNET_MSIX ? v : NO_VECTOR;
}

/* The driver sets the status: 0 resets; FEATURES_OK sticks only for
 * features that were offered, VERSION_1 among them. */
static void vnet_set_status(struct vnet *n, uint8_t s)
{
	if (!s) {
		vnet_reset(n);
		return;
	}
	if ((s & STATUS_FEATURES_OK) && !(n->status & STATUS_FEATURES_OK) &&
	    ((n->features & ~OFFERED) || !(n->features & F_VERSION_1)))
		s &= ~STATUS_FEATURES_OK;
	n->status = s;
}

static int vnet_enable(struct vnet *n, struct vnet_queue *q, char *err)
{
	if (q->enabled)
		return 0;
	q->vq.event_idx = n->features & F_EVENT_IDX;
	q->vq.last_avail = q->vq.used_idx = q->vq.signalled = 0;
	if (vq_check(&q->vq, n->g, err) < 0)
		return -1;
	q->enabled = true;
	return 0;
}

/* Apply a write to the common configuration: each field it touched gets
 * its new value (fields are idempotent, so rewriting one is harmless). */
static int common_write(struct vnet *n, uint64_t off, uint8_t *data, unsigned len, char *err)
{
	uint8_t c[COMMON_LEN];
	struct vnet_queue *q;
	uint64_t end = off + len;

#define TOUCHED(o, s) (off < (o) + (s) && end > (o))
	common_snapshot(n, c);
	block_access(c, sizeof(c), off, data, len, true);
	if (TOUCHED(0, 4))
		n->dfselect = get32(c + 0);
	if (TOUCHED(8, 4))
		n->gfselect = get32(c + 8);
	if (TOUCHED(12, 4) && n->gfselect < 2) {
		uint64_t half = (uint64_t)get32(c + 12) << (32 * n->gfselect);

		n->features = (n->features & ~(0xffffffffull << (32 * n->gfselect))) | half;
	}
	if (TOUCHED(16, 2))
		n->msix_config = valid_vector(get16(c + 16));
	if (TOUCHED(20, 1))
		vnet_set_status(n, c[20]);
	if (TOUCHED(22, 2))
		n->qsel = get16(c + 22);
	q = selected(n);
	if (!q || q->enabled)
		return 0; /* a live queue's set-up is read-only */
	if (TOUCHED(24, 2))
		q->vq.size = get16(c + 24);
	if (TOUCHED(26, 2))
		q->msix = valid_vector(get16(c + 26));
	if (TOUCHED(32, 8))
		q->vq.desc = get64(c + 32);
	if (TOUCHED(40, 8))
		q->vq.avail = get64(c + 40);
	if (TOUCHED(48, 8))
		q->vq.used = get64(c + 48);
	if (TOUCHED(28, 2) && get16(c + 28) == 1)
		return vnet_enable(n, q, err);
#undef TOUCHED
	return 0;
}

/* Transmitting ------------------------------------------------------------ */

/* Send every available transmit chain to the tap. The guest's header goes
 * with each frame, with what was not negotiated cleared. */
static int vnet_tx(struct vnet *n, char *err)
{
	struct vnet_queue *q = &n->q[TXQ];
	struct vq_chain *c = &n->chain;
	struct iovec iov[VQ_SIZE_MAX + 1];
	uint8_t hdr[VNET_HDR];
	unsigned i, k;
	size_t skip;
	int r;

	if (!q->enabled)
		return 0;
	while ((r = vq_pop(&q->vq, n->g, c, err)) == 1) {
		if (c->nin || c->out_len < VNET_HDR) {
			snprintf(err, ERRLEN, "%s: the chain at descriptor %u %s", q->vq.name,
				 c->head,
				 c->nin ? "has device-writable buffers"
					: "is shorter than the 12-byte virtio-net header");
			return -1;
		}
		iov_copy_from(c->iov, c->nout, 0, hdr, VNET_HDR);
		hdr[0] &= n->features & F_CSUM ? HDR_F_NEEDS_CSUM : 0;
		memset(hdr + 1, 0, 5); /* gso_type, hdr_len, gso_size: no GSO */
		if (!hdr[0])
			memset(hdr + 6, 0, 4);
		put16(hdr + 10, 0);
		iov[0] = (struct iovec){.iov_base = hdr, .iov_len = VNET_HDR};
		for (i = 0, k = 1, skip = VNET_HDR; i < c->nout; i++) {
			size_t l = c->iov[i].iov_len;

			if (skip >= l) {
				skip -= l;
				continue;
			}
			iov[k++] = (struct iovec){.iov_base = (uint8_t *)c->iov[i].iov_base + skip,
						  .iov_len = l - skip};
			skip = 0;
		}
		if (writev(n->tap_fd, iov, (int)k) < 0)
			n->tx_errors++; /* a full tap queue or a frame the host refused */
		else
			n->tx_frames++;
		if (vq_push(&q->vq, n->g, c->head, 0, err) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (vq_need_signal(&q->vq, n->g))
		vnet_irq(n, q->msix);
	return 0;
}

/* Receiving ----------------------------------------------------------- */

/* Read the next frame from the tap into n->frame: 1, or 0 when there is
 * none. Frames too short for the header or with GSO are dropped. */
static int vnet_read_frame(struct vnet *n)
{
	for (;;) {
		ssize_t r = read(n->tap_fd, n->frame, sizeof(n->frame));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		if (r < VNET_HDR || n->frame[1]) {
			n->rx_dropped++;
			continue;
		}
		if (!(n->features & F_GUEST_CSUM))
			n->frame[0] = 0;
		n->frame[0] &= HDR_F_DATA_VALID | HDR_F_NEEDS_CSUM;
		put16(n->frame + 10, 1); /* num_buffers */
		n->frame_len = (size_t)r;
		return 1;
	}
}

/* Put the waiting frame into the guest's next receive buffer: 1 done,
 * 0 no buffer, -1 a malformed queue. A buffer too small for the frame
 * goes back empty and the frame is dropped. */
static int vnet_rx_one(struct vnet *n, char *err)
{
	struct vnet_queue *q = &n->q[RXQ];
	struct vq_chain *c = &n->chain;
	uint32_t len = 0;
	int r = vq_pop(&q->vq, n->g, c, err);

	if (r <= 0)
		return r;
	if (c->nout) {
		snprintf(err, ERRLEN, "%s: the chain at descriptor %u has device-readable buffers",
			 q->vq.name, c->head);
		return -1;
	}
	if (c->in_len < n->frame_len) {
		n->rx_dropped++;
	} else {
		len = (uint32_t)iov_copy_to(c->iov, c->nin, n->frame, n->frame_len);
		n->rx_frames++;
	}
	n->frame_len = 0;
	return vq_push(&q->vq, n->g, c->head, len, err) < 0 ? -1 : 1;
}

/* Move frames from the tap into receive buffers until either runs out;
 * one interrupt for the lot, if the guest wants it. Frames that arrive
 * before the driver is ready are dropped. */
static int vnet_rx(struct vnet *n, char *err)
{
	struct vnet_queue *q = &n->q[RXQ];
	int r = 0;

	pthread_mutex_lock(&n->lock);
	for (;;) {
		if (!n->frame_len && !vnet_read_frame(n))
			break;
		if (!(n->status & STATUS_DRIVER_OK) || !q->enabled) {
			n->frame_len = 0;
			n->rx_dropped++;
			continue;
		}
		if ((r = vnet_rx_one(n, err)) <= 0)
			break;
	}
	if (r >= 0 && q->enabled && vq_need_signal(&q->vq, n->g))
		vnet_irq(n, q->msix);
	pthread_mutex_unlock(&n->lock);
	return r < 0 ? -1 : 0;
}

static void *vnet_rx_thread(void *arg)
{
	struct vnet *n = arg;
	char err[ERRLEN];
	uint64_t v;

	while (!atomic_load(&n->stop)) {
		struct pollfd p[2] = {
		    {.fd = n->wake_fd, .events = POLLIN},
		    {.fd = n->tap_fd, .events = n->frame_len ? 0 : POLLIN},
		};

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if ((p[0].revents & POLLIN) && read(n->wake_fd, &v, sizeof(v)) < 0)
			v = 0;
		if (atomic_load(&n->stop))
			break;
		if (vnet_rx(n, err) < 0) {
			if (run_end(n->run, UHYVE_EXIT_HYPERCALL))
				fprintf(stderr, "uhyve: %s\n", err);
			break;
		}
	}
	return NULL;
}

static void vnet_wake(struct vnet *n)
{
	uint64_t one = 1;

	if (write(n->wake_fd, &one, sizeof(one)) < 0)
		return; /* the counter is full: the thread is awake anyway */
}

/* BAR 0 --------------------------------------------------------------- */

static int vnet_notify(struct vnet *n, uint64_t off, char *err)
{
	if (off == RXQ * NOTIFY_MUL) {
		vnet_wake(n);
		return 0;
	}
	if (off == TXQ * NOTIFY_MUL)
		return vnet_tx(n, err);
	return 0;
}

static void msix_access(struct vnet *n, uint64_t off, uint8_t *data, unsigned len, bool write)
{
	block_access((uint8_t *)n->msix_table, sizeof(n->msix_table), off, data, len, write);
	if (write)
		vnet_unmasked(n);
}

static int vnet_bar(struct pci_func *f, int bar, uint64_t off, uint8_t *data, unsigned len,
		    bool write, char *err)
{
	struct vnet *n = f->priv;
	uint8_t blk[COMMON_LEN];
	int r = 0;

	(void)bar;
	pthread_mutex_lock(&n->lock);
	if (off < BAR_ISR) {
		if (write) {
			r = common_write(n, off, data, len, err);
		} else {
			common_snapshot(n, blk);
			block_access(blk, COMMON_LEN, off, data, len, false);
		}
	} else if (off < BAR_DEVICE) {
		blk[0] = n->isr;
		if (!write) {
			block_access(blk, 1, off - BAR_ISR, data, len, false);
			n->isr = 0; /* reading clears */
		}
	} else if (off < BAR_NOTIFY) {
		memcpy(blk, n->mac, 6);
		put16(blk + 6, 1); /* VIRTIO_NET_S_LINK_UP */
		if (!write)
			block_access(blk, DEVICE_LEN, off - BAR_DEVICE, data, len, false);
	} else if (off < BAR_TABLE) {
		if (write)
			r = vnet_notify(n, off - BAR_NOTIFY, err);
		else
			memset(data, 0, len);
	} else if (off < BAR_PBA) {
		msix_access(n, off - BAR_TABLE, data, len, write);
	} else if (!write) {
		put32(blk, n->msix_pending);
		block_access(blk, 8, off - BAR_PBA, data, len, false);
	}
	pthread_mutex_unlock(&n->lock);
	return r;
}

/* Configuration space --------------------------------------------------- */

static const struct pci_ops vnet_ops = {
    .bar_access = vnet_bar,
    .cfg_written = vnet_cfg_written,
};

/* A virtio PCI capability for structure type of len bytes at BAR 0 + off. */
static void virtio_cap(struct pci_func *f, uint8_t type, uint32_t off, uint32_t len)
{
	uint8_t cap[20] = {0x09, 0, type == CAP_NOTIFY ? 20 : 16, type, 0};

	put32(cap + 8, off);
	put32(cap + 12, len);
	put32(cap + 16, NOTIFY_MUL);
	pci_add_cap(f, cap, cap[2]);
}

static void vnet_config_space(struct vnet *n)
{
	struct pci_func *f = &n->fn;
	uint8_t msix[12] = {0x11, 0};

	pci_func_init(f, 0x1af4, 0x1041, 0x02000001); /* network controller, revision 1 */
	put16(f->cfg + 0x2c, 0x1af4);		      /* subsystem */
	put16(f->cfg + 0x2e, 0x1100);
	pci_set_bar(f, 0, (uint32_t)PCI_MMIO_BASE, VNET_BAR_SIZE);
	virtio_cap(f, CAP_COMMON, BAR_COMMON, COMMON_LEN);
	virtio_cap(f, CAP_NOTIFY, BAR_NOTIFY, VNET_QUEUES * NOTIFY_MUL);
	virtio_cap(f, CAP_ISR, BAR_ISR, 1);
	virtio_cap(f, CAP_DEVICE, BAR_DEVICE, DEVICE_LEN);
	put16(msix + 2, VNET_MSIX - 1);
	put32(msix + 4, BAR_TABLE); /* BIR 0 */
	put32(msix + 8, BAR_PBA);
	n->msix_cap = pci_add_cap(f, msix, sizeof(msix));
	f->wmask[n->msix_cap + 3] = MSIX_ENABLE | MSIX_MASKALL;
	f->ops = &vnet_ops;
	f->priv = n;
}

/* Set up the device on tap_fd (vm_fd: where MSIs go; -1 in unit tests).
 * On failure the caller still owns tap_fd. */
int vnet_init(struct vnet *n, const struct guest *g, int vm_fd, int tap_fd, const uint8_t *mac,
	      char *err)
{
	unsigned v;

	memset(n, 0, sizeof(*n));
	pthread_mutex_init(&n->lock, NULL);
	n->wake_fd = -1;
	n->g = g;
	n->vm_fd = vm_fd;
	n->tap_fd = tap_fd;
	memcpy(n->mac, mac, 6);
	n->q[RXQ].vq.name = "virtio-net receive queue";
	n->q[TXQ].vq.name = "virtio-net transmit queue";
	vnet_reset(n);
	for (v = 0; v < VNET_MSIX; v++)
		n->msix_table[v][3] = 1; /* masked */
	atomic_init(&n->stop, false);
	if (vm_fd >= 0 && ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SIGNAL_MSI) <= 0) {
		snprintf(err, ERRLEN,
			 "virtio-net: this host's KVM cannot signal MSIs "
			 "(no KVM_CAP_SIGNAL_MSI)");
		return -1;
	}
	n->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->wake_fd < 0) {
		snprintf(err, ERRLEN, "virtio-net: eventfd: %s", strerror(errno));
		return -1;
	}
	vnet_config_space(n);
	return 0;
}

/* Start the receive thread; it ends the guest through r on a bad queue. */
int vnet_start(struct vnet *n, struct run *r, char *err)
{
	int e;

	n->run = r;
	e = pthread_create(&n->thread, NULL, vnet_rx_thread, n);
	if (e) {
		snprintf(err, ERRLEN, "virtio-net: cannot start the receive thread: %s",
			 strerror(e));
		return -1;
	}
	n->started = true;
	return 0;
}

void vnet_stop(struct vnet *n)
{
	if (!n->started)
		return;
	atomic_store(&n->stop, true);
	vnet_wake(n);
	pthread_join(n->thread, NULL);
	n->started = false;
}

void vnet_free(struct vnet *n)
{
	vnet_stop(n);
	if (n->wake_fd >= 0)
		close(n->wake_fd);
	if (n->tap_fd >= 0)
		close(n->tap_fd);
	pthread_mutex_destroy(&n->lock);
}
