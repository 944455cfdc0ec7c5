/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.x: the modern PCI transport and split virtqueues with
 * VIRTIO_RING_F_EVENT_IDX (kernel/include/virtio.h). The layout of the
 * structures follows the virtio 1.x specification, sections 2.7 and 4.1.
 * x86 is little-endian, as modern virtio is, so fields need no swapping.
 */
#include <errno.h>
#include "cpu.h"
#include "irq.h"
#include "log.h"
#include "mm.h"
#include "virtio.h"

/* Virtio PCI capability (section 4.1.4). */
#define CAP_CFG_TYPE	3
#define CAP_BAR		4
#define CAP_ID		5
#define CAP_OFFSET	8
#define CAP_LENGTH	12
#define CAP_NOTIFY_MULT 16
#define CAP_OFFSET_HI	16 /* shared-memory capabilities */
#define CAP_LENGTH_HI	20

#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR	   3
#define CFG_DEVICE 4
#define CFG_SHM	   8

/* Common configuration (section 4.1.4.3). */
#define COMMON_DFSELECT 0
#define COMMON_DF	4
#define COMMON_GFSELECT 8
#define COMMON_GF	12
#define COMMON_MSIX	16
#define COMMON_NUMQ	18
#define COMMON_STATUS	20
#define COMMON_CFGGEN	21
#define COMMON_Q_SELECT 22
#define COMMON_Q_SIZE	24
#define COMMON_Q_MSIX	26
#define COMMON_Q_ENABLE 28
#define COMMON_Q_NOFF	30
#define COMMON_Q_DESC	32
#define COMMON_Q_AVAIL	40
#define COMMON_Q_USED	48

#define NO_VECTOR  0xffff
#define ISR_QUEUE  1
#define ISR_CONFIG 2

/* Transitional device IDs 0x1000.. in order, as virtio types. */
static const uint8_t transitional_types[] = {1, 2, 5, 3, 8, 4, 0, 0, 0, 9};

unsigned virtio_pci_type(const struct pci_dev *pci)
{
	if (pci->vendor != 0x1af4)
		return 0;
	if (pci->device >= 0x1040 && pci->device <= 0x107f)
		return pci->device - 0x1040;
	if (pci->device >= 0x1000 && pci->device < 0x1000 + sizeof(transitional_types))
		return transitional_types[pci->device - 0x1000];
	return 0;
}

static inline void w8(volatile uint8_t *b, size_t off, uint8_t v)
{
	*(volatile uint8_t *)(b + off) = v;
}
static inline void w16(volatile uint8_t *b, size_t off, uint16_t v)
{
	*(volatile uint16_t *)(b + off) = v;
}
static inline void w32(volatile uint8_t *b, size_t off, uint32_t v)
{
	*(volatile uint32_t *)(b + off) = v;
}
static inline void w64(volatile uint8_t *b, size_t off, uint64_t v)
{
	w32(b, off, (uint32_t)v);
	w32(b, off + 4, (uint32_t)(v >> 32));
}
static inline uint8_t r8(volatile uint8_t *b, size_t off)
{
	return *(volatile uint8_t *)(b + off);
}
static inline uint16_t r16(volatile uint8_t *b, size_t off)
{
	return *(volatile uint16_t *)(b + off);
}
static inline uint32_t r32(volatile uint8_t *b, size_t off)
{
	return *(volatile uint32_t *)(b + off);
}

/* The kernel virtual address of a virtio capability's structure, or NULL
 * when its BAR is not a mapped memory BAR or the range does not fit. */
static volatile uint8_t *cap_map(struct pci_dev *pci, uint8_t cap, uint32_t *len)
{
	uint8_t bar = pci_read8(pci, cap + CAP_BAR);
	uint32_t off = pci_read32(pci, cap + CAP_OFFSET);
	volatile uint8_t *base;

	*len = pci_read32(pci, cap + CAP_LENGTH);
	if (bar >= PCI_NUM_BARS || (uint64_t)off + *len > pci->bar[bar].size)
		return NULL;
	base = pci_bar_map(pci, bar);
	return base ? base + off : NULL;
}

static int find_caps(struct virtio_dev *vdev)
{
	struct pci_dev *pci = vdev->pci;
	uint32_t len;

	for (uint8_t c = pci_find_cap(pci, PCI_CAP_VENDOR, 0); c;
	     c = pci_find_cap(pci, PCI_CAP_VENDOR, c)) {
		switch (pci_read8(pci, c + CAP_CFG_TYPE)) {
		case CFG_COMMON:
			if (!vdev->common)
				vdev->common = cap_map(pci, c, &len);
			break;
		case CFG_NOTIFY:
			if (!vdev->notify_base) {
				vdev->notify_base = cap_map(pci, c, &len);
				vdev->notify_mult = pci_read32(pci, c + CAP_NOTIFY_MULT);
			}
			break;
		case CFG_ISR:
			if (!vdev->isr)
				vdev->isr = cap_map(pci, c, &len);
			break;
		case CFG_DEVICE:
			if (!vdev->device_cfg) {
				vdev->device_cfg = cap_map(pci, c, &len);
				vdev->device_cfg_len = len;
			}
			break;
		}
	}
	return vdev->common && vdev->notify_base && vdev->isr ? 0 : -ENODEV;
}

int virtio_shm_region(struct virtio_dev *vdev, uint8_t id, uint64_t *addr, uint64_t *len)
{
	struct pci_dev *pci = vdev->pci;

	for (uint8_t c = pci_find_cap(pci, PCI_CAP_VENDOR, 0); c;
	     c = pci_find_cap(pci, PCI_CAP_VENDOR, c)) {
		uint8_t bar = pci_read8(pci, c + CAP_BAR);
		uint64_t off, size;

		if (pci_read8(pci, c + CAP_CFG_TYPE) != CFG_SHM ||
		    pci_read8(pci, c + CAP_ID) != id || bar >= PCI_NUM_BARS)
			continue;
		off = (uint64_t)pci_read32(pci, c + CAP_OFFSET_HI) << 32 |
		      pci_read32(pci, c + CAP_OFFSET);
		size = (uint64_t)pci_read32(pci, c + CAP_LENGTH_HI) << 32 |
		       pci_read32(pci, c + CAP_LENGTH);
		if (off + size > pci->bar[bar].size || !pci->bar[bar].addr)
			return -ENOENT;
		*addr = pci->bar[bar].addr + off;
		*len = size;
		return 0;
	}
	return -ENOENT;
}

static uint8_t status(struct virtio_dev *vdev)
{
	return r8(vdev->common, COMMON_STATUS);
}

static void set_status(struct virtio_dev *vdev, uint8_t bits)
{
	w8(vdev->common, COMMON_STATUS, status(vdev) | bits);
}

void virtio_reset(struct virtio_dev *vdev)
{
	w8(vdev->common, COMMON_STATUS, 0);
	while (status(vdev))
		cpu_relax();
}

void virtio_ready(struct virtio_dev *vdev)
{
	set_status(vdev, VIRTIO_STATUS_DRIVER_OK);
}

static uint64_t device_features(struct virtio_dev *vdev)
{
	uint64_t f;

	w32(vdev->common, COMMON_DFSELECT, 0);
	f = r32(vdev->common, COMMON_DF);
	w32(vdev->common, COMMON_DFSELECT, 1);
	return f | (uint64_t)r32(vdev->common, COMMON_DF) << 32;
}

static void driver_features(struct virtio_dev *vdev, uint64_t f)
{
	w32(vdev->common, COMMON_GFSELECT, 0);
	w32(vdev->common, COMMON_GF, (uint32_t)f);
	w32(vdev->common, COMMON_GFSELECT, 1);
	w32(vdev->common, COMMON_GF, (uint32_t)(f >> 32));
}

int virtio_config_read(struct virtio_dev *vdev, size_t off, void *buf, size_t len)
{
	uint8_t gen;

	if (!vdev->device_cfg || off + len > vdev->device_cfg_len)
		return -EINVAL;
	do {
		gen = r8(vdev->common, COMMON_CFGGEN);
		for (size_t i = 0; i < len; i++)
			((uint8_t *)buf)[i] = r8(vdev->device_cfg, off + i);
	} while (gen != r8(vdev->common, COMMON_CFGGEN));
	return 0;
}

void virtio_config_write(struct virtio_dev *vdev, size_t off, const void *buf, size_t len)
{
	if (!vdev->device_cfg || off + len > vdev->device_cfg_len)
		return;
	for (size_t i = 0; i < len; i++)
		w8(vdev->device_cfg, off + i, ((const uint8_t *)buf)[i]);
}

/* Interrupts ------------------------------------------------------------- */

static void queue_interrupt(struct virtq *q)
{
	q->interrupts++;
	if (q->cb)
		q->cb(q);
}

static void msix_queue_irq(void *ctx)
{
	queue_interrupt(ctx);
}

static void all_queues(struct virtio_dev *vdev)
{
	for (uint16_t i = 0; i < vdev->nqueues; i++)
		if (vdev->queues[i])
			queue_interrupt(vdev->queues[i]);
}

/* MSI-X entry 0: configuration changes and queues without an entry. */
static void msix_shared_irq(void *ctx)
{
	struct virtio_dev *vdev = ctx;

	if (vdev->config_changed)
		vdev->config_changed(vdev);
	all_queues(vdev);
}

/* INTx is shared with other devices: reading the ISR tells whether it was
 * ours, and lowers the line. */
static void intx_irq(void *ctx)
{
	struct virtio_dev *vdev = ctx;
	uint8_t isr = r8(vdev->isr, 0);

	if ((isr & ISR_CONFIG) && vdev->config_changed)
		vdev->config_changed(vdev);
	if (isr & ISR_QUEUE)
		all_queues(vdev);
}

static int irq_init(struct virtio_dev *vdev)
{
	struct pci_dev *pci = vdev->pci;

	if (pci_msix_enable(pci) == 0 && pci_msix_route(pci, 0, msix_shared_irq, vdev) == 0) {
		w16(vdev->common, COMMON_MSIX, 0);
		if (r16(vdev->common, COMMON_MSIX) == 0) {
			vdev->msix = true;
			return 0;
		}
	}
	if (pci->msix_on)
		return -EIO; /* the device refused its vector */
	return pci_intx_route(pci, intx_irq, vdev);
}

int virtio_pci_init(struct virtio_dev *vdev, struct pci_dev *pci, uint64_t features)
{
	uint64_t offered, want;
	int err;

	kmemset(vdev, 0, sizeof(*vdev));
	vdev->pci = pci;
	pci_enable(pci);
	if (find_caps(vdev)) {
		pr_warn("virtio: %02x:%02x.%u has no modern (virtio 1.x) interface", pci->bus,
			pci->dev, pci->fn);
		return -ENODEV;
	}
	virtio_reset(vdev);
	set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	offered = device_features(vdev);
	want = features | VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX;
	vdev->features = offered & want;
	if (!(vdev->features & VIRTIO_F_VERSION_1)) {
		err = -ENODEV;
		goto failed;
	}
	driver_features(vdev, vdev->features);
	set_status(vdev, VIRTIO_STATUS_FEATURES_OK);
	if (!(status(vdev) & VIRTIO_STATUS_FEATURES_OK)) {
		err = -EIO;
		goto failed;
	}
	vdev->nqueues = r16(vdev->common, COMMON_NUMQ);
	vdev->queues = kzalloc(vdev->nqueues * sizeof(*vdev->queues));
	if (!vdev->queues) {
		err = -ENOMEM;
		goto failed;
	}
	if ((err = irq_init(vdev)))
		goto failed;
	pr_debug("virtio: %02x:%02x.%u features 0x%lx (offered 0x%lx), %u queues, %s", pci->bus,
		 pci->dev, pci->fn, (unsigned long)vdev->features, (unsigned long)offered,
		 vdev->nqueues, vdev->msix ? "MSI-X" : "INTx");
	return 0;
failed:
	pr_warn("virtio: %02x:%02x.%u: setup failed (error %d, features offered 0x%lx)", pci->bus,
		pci->dev, pci->fn, err, (unsigned long)offered);
	set_status(vdev, VIRTIO_STATUS_FAILED);
	kfree(vdev->queues);
	vdev->queues = NULL;
	return err;
}

/* Virtqueues ------------------------------------------------------------- */

static volatile uint16_t *used_event(struct virtq *q)
{
	return &q->avail->ring[q->size];
}

static volatile uint16_t *avail_event(struct virtq *q)
{
	return (volatile uint16_t *)&q->used->ring[q->size];
}

/* Descriptor table, then the available ring, then the used ring (4-byte
 * aligned), in identity-mapped frames. */
static int ring_alloc(struct virtq *q)
{
	size_t desc = 16ul * q->size, avail = 6 + 2ul * q->size, used = 6 + 8ul * q->size;
	size_t used_off = (desc + avail + 3) & ~3ul, bytes = used_off + used;

	q->ring_frames = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	q->ring_pa = frame_alloc_contig(q->ring_frames);
	q->tokens = kzalloc(q->size * sizeof(*q->tokens));
	if (!q->ring_pa || !q->tokens) {
		if (q->ring_pa)
			frame_free_contig(q->ring_pa, q->ring_frames);
		kfree(q->tokens);
		return -ENOMEM;
	}
	kmemset((void *)q->ring_pa, 0, q->ring_frames * PAGE_SIZE);
	q->desc = (volatile struct virtq_desc *)q->ring_pa;
	q->avail = (volatile struct virtq_avail *)(q->ring_pa + desc);
	q->used = (volatile struct virtq_used *)(q->ring_pa + used_off);
	for (uint16_t i = 0; i < q->size; i++)
		q->desc[i].next = i + 1;
	q->num_free = q->size;
	return 0;
}

static int queue_vector(struct virtio_dev *vdev, struct virtq *q)
{
	struct pci_dev *pci = vdev->pci;
	uint16_t entry = 0;

	if (!vdev->msix)
		return 0;
	if (q->index + 1u < pci->msix_size &&
	    pci_msix_route(pci, q->index + 1, msix_queue_irq, q) == 0)
		entry = q->index + 1;
	w16(vdev->common, COMMON_Q_MSIX, entry);
	return r16(vdev->common, COMMON_Q_MSIX) == entry ? 0 : -EIO;
}

int virtq_setup(struct virtio_dev *vdev, uint16_t index, uint16_t size, virtq_callback cb,
		void *ctx, struct virtq **out)
{
	volatile uint8_t *c = vdev->common;
	uint16_t max;
	struct virtq *q;
	int err;

	if (index >= vdev->nqueues)
		return -EINVAL;
	w16(c, COMMON_Q_SELECT, index);
	max = r16(c, COMMON_Q_SIZE);
	if (!max || r16(c, COMMON_Q_ENABLE))
		return -ENOENT;
	if (!size || size > max)
		size = max;
	if (size > VIRTQ_MAX_SIZE)
		size = VIRTQ_MAX_SIZE;
	while (size & (size - 1)) /* a split ring's size is a power of two */
		size &= size - 1;
	if (!(q = kzalloc(sizeof(*q))))
		return -ENOMEM;
	q->vdev = vdev, q->index = index, q->size = size, q->cb = cb, q->ctx = ctx;
	q->event_idx = vdev->features & VIRTIO_F_EVENT_IDX;
	q->cb_enabled = true;
	q->lock = (struct spinlock)SPINLOCK_INIT;
	if ((err = ring_alloc(q))) {
		kfree(q);
		return err;
	}
	w16(c, COMMON_Q_SIZE, size);
	w64(c, COMMON_Q_DESC, q->ring_pa);
	w64(c, COMMON_Q_AVAIL, (uint64_t)(uintptr_t)q->avail);
	w64(c, COMMON_Q_USED, (uint64_t)(uintptr_t)q->used);
	q->notify = (volatile uint16_t *)(vdev->notify_base +
					  (uint32_t)r16(c, COMMON_Q_NOFF) * vdev->notify_mult);
	vdev->queues[index] = q;
	if ((err = queue_vector(vdev, q))) {
		vdev->queues[index] = NULL;
		frame_free_contig(q->ring_pa, q->ring_frames);
		kfree(q->tokens);
		kfree(q);
		return err;
	}
	w16(c, COMMON_Q_ENABLE, 1);
	*out = q;
	return 0;
}

/* Identity-mapped memory is its own physical address; elsewhere (kernel
 * stacks, the app's heap) the page tables say. */
static uint64_t phys(const void *p)
{
	uint64_t va = (uint64_t)(uintptr_t)p, *pte;

	if (va < VM_KSTACK_BASE)
		return va;
	pte = paging_pte(va);
	return pte ? (*pte & PTE_ADDR) | (va & (PAGE_SIZE - 1)) : 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *out, unsigned nout,
	      const struct virtq_buf *in, unsigned nin, void *token)
{
	uint16_t head, i, last = 0;

	if (nout + nin == 0 || !token)
		return -EINVAL;
	spin_lock(&q->lock);
	if (nout + nin > q->num_free) {
		spin_unlock(&q->lock);
		return -ENOSPC;
	}
	head = i = q->free_head;
	for (unsigned n = 0; n < nout + nin; n++) {
		const struct virtq_buf *b = n < nout ? &out[n] : &in[n - nout];
		volatile struct virtq_desc *d = &q->desc[i];

		d->addr = phys(b->addr);
		d->len = b->len;
		d->flags = (n < nout ? 0 : VIRTQ_DESC_F_WRITE) |
			   (n + 1 < nout + nin ? VIRTQ_DESC_F_NEXT : 0);
		last = i;
		i = d->next;
	}
	q->free_head = q->desc[last].next;
	q->num_free -= nout + nin;
	q->tokens[head] = token;
	q->avail->ring[q->avail_idx % q->size] = head;
	/* The device must see the descriptors and the ring entry before the
	 * index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->avail->idx = ++q->avail_idx;
	spin_unlock(&q->lock);
	return 0;
}

/* With EVENT_IDX the device names the avail index it wants to hear about:
 * notify when this kick's batch [old, new) passed it. */
static bool need_notify(struct virtq *q, uint16_t old, uint16_t new)
{
	if (!q->event_idx)
		return !(q->used->flags & VIRTQ_USED_F_NO_NOTIFY);
	return (uint16_t)(new - *avail_event(q) - 1) < (uint16_t)(new - old);
}

void virtq_kick(struct virtq *q)
{
	uint16_t old, new;
	bool notify;

	spin_lock(&q->lock);
	old = q->kicked_idx;
	new = q->avail_idx;
	q->kicked_idx = new;
	/* The index store must be visible before reading the device's wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	notify = old != new &&need_notify(q, old, new);
	spin_unlock(&q->lock);
	if (notify) {
		q->notifies++;
		*q->notify = q->index;
	}
}

void *virtq_get(struct virtq *q, uint32_t *len)
{
	uint16_t id, i;
	void *token;

	spin_lock(&q->lock);
	if (q->last_used == __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE)) {
		spin_unlock(&q->lock);
		return NULL;
	}
	id = q->used->ring[q->last_used % q->size].id;
	if (len)
		*len = q->used->ring[q->last_used % q->size].len;
	if (id >= q->size || !(token = q->tokens[id]))
		panic("virtio: queue %u used descriptor %u that is not in use", q->index, id);
	q->tokens[id] = NULL;
	q->last_used++;
	for (i = id; q->desc[i].flags & VIRTQ_DESC_F_NEXT; i = q->desc[i].next)
		q->num_free++;
	q->num_free++;
	q->desc[i].next = q->free_head;
	q->free_head = id;
	/* Ask for an interrupt at the next used buffer. */
	if (q->event_idx && q->cb_enabled)
		*used_event(q) = q->last_used;
	spin_unlock(&q->lock);
	return token;
}

void virtq_disable_cb(struct virtq *q)
{
	spin_lock(&q->lock);
	q->cb_enabled = false;
	if (q->event_idx)
		*used_event(q) = q->last_used - 1; /* 65535 buffers away */
	else
		q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	spin_unlock(&q->lock);
}

bool virtq_enable_cb(struct virtq *q)
{
	bool idle;

	spin_lock(&q->lock);
	q->cb_enabled = true;
	if (q->event_idx)
		*used_event(q) = q->last_used;
	else
		q->avail->flags = 0;
	/* Re-check after publishing: a buffer used in between raised no
	 * interrupt. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	idle = q->last_used == q->used->idx;
	spin_unlock(&q->lock);
	return idle;
}
