/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.x over modern PCI (feature `pci`): the transport (capabilities,
 * feature negotiation, the status handshake, interrupts) and split
 * virtqueues with VIRTIO_RING_F_EVENT_IDX, one implementation for every
 * virtio driver.
 *
 * A driver's probe, in order:
 *   virtio_pci_init(&vdev, pci, features)   reset, negotiate, FEATURES_OK
 *   virtq_setup(&vdev, i, size, cb, ctx, &q) for each queue it uses
 *   virtio_ready(&vdev)                      DRIVER_OK: the device is live
 * and then, per request:
 *   virtq_add(q, out, nout, in, nin, token); virtq_kick(q);
 *   ... cb(q) runs on the queue's interrupt ...  token = virtq_get(q, &len);
 */
#ifndef KERNEL_VIRTIO_H
#define KERNEL_VIRTIO_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "pci.h"
#include "spinlock.h"

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

/* Transport feature bits. */
#define VIRTIO_F_INDIRECT_DESC	 (1ull << 28)
#define VIRTIO_F_EVENT_IDX	 (1ull << 29)
#define VIRTIO_F_VERSION_1	 (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)

/* Virtio device types (virtio 1.x section 5). */
#define VIRTIO_ID_NET	  1
#define VIRTIO_ID_BLOCK	  2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG	  4
#define VIRTIO_ID_FS	  26

/* Split ring layout (virtio 1.x section 2.7). */
#define VIRTQ_DESC_F_NEXT	   1
#define VIRTQ_DESC_F_WRITE	   2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1
#define VIRTQ_MAX_SIZE		   1024

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct virtq_avail {
	uint16_t flags, idx;
	uint16_t ring[]; /* size entries, then used_event */
};

struct virtq_used_elem {
	uint32_t id, len;
};

struct virtq_used {
	uint16_t flags, idx;
	struct virtq_used_elem ring[]; /* size entries, then avail_event */
};

struct virtq;
struct virtio_dev;
typedef void (*virtq_callback)(struct virtq *q);

/* One segment of a buffer: kernel memory, physically contiguous (any
 * identity-mapped memory; elsewhere within one page). */
struct virtq_buf {
	void *addr;
	uint32_t len;
};

struct virtq {
	struct virtio_dev *vdev;
	uint16_t index, size;
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint64_t ring_pa;
	size_t ring_frames;
	volatile uint16_t *notify;
	struct spinlock lock;
	uint16_t free_head, num_free;
	uint16_t avail_idx;  /* the next avail->idx */
	uint16_t kicked_idx; /* avail->idx at the last kick */
	uint16_t last_used;  /* the next used entry to collect */
	bool event_idx, cb_enabled;
	void **tokens; /* by head descriptor */
	virtq_callback cb;
	void *ctx;				/* the driver's */
	volatile uint64_t interrupts, notifies; /* statistics, for logs and tests */
};

struct virtio_dev {
	struct pci_dev *pci;
	volatile uint8_t *common, *isr, *device_cfg;
	volatile uint8_t *notify_base;
	uint32_t notify_mult, device_cfg_len;
	uint64_t features; /* negotiated */
	uint16_t nqueues;  /* the device's */
	struct virtq **queues;
	bool msix; /* MSI-X; INTx otherwise */
	void (*config_changed)(struct virtio_dev *vdev);
	void *ctx; /* the driver's */
};

/* The virtio device type of a PCI function (modern or transitional ID),
 * or 0 when it is not a virtio device. */
unsigned virtio_pci_type(const struct pci_dev *pci);
/* Reset the device and negotiate: VIRTIO_F_VERSION_1, EVENT_IDX when the
 * device offers it, and those of `features` that it offers. Sets up
 * MSI-X when the device has it, INTx otherwise. 0 or -errno. */
int virtio_pci_init(struct virtio_dev *vdev, struct pci_dev *pci, uint64_t features);
/* Queue `index` with at most `size` entries (the device's maximum if 0);
 * cb (may be NULL) runs in interrupt context when the device has used
 * buffers. 0 or -errno. */
int virtq_setup(struct virtio_dev *vdev, uint16_t index, uint16_t size, virtq_callback cb,
		void *ctx, struct virtq **out);
/* DRIVER_OK: after the queues are set up. */
void virtio_ready(struct virtio_dev *vdev);
/* Reset the device: it forgets every queue; nothing is freed. */
void virtio_reset(struct virtio_dev *vdev);
/* Read the device-specific configuration, consistently (generation). */
int virtio_config_read(struct virtio_dev *vdev, size_t off, void *buf, size_t len);
void virtio_config_write(struct virtio_dev *vdev, size_t off, const void *buf, size_t len);
/* A shared-memory region (virtio-fs DAX window): 0 or -ENOENT. */
int virtio_shm_region(struct virtio_dev *vdev, uint8_t id, uint64_t *addr, uint64_t *len);

/* Post a buffer: nout device-readable segments, then nin device-writable
 * ones. token (not NULL) comes back from virtq_get. 0, or -ENOSPC when the
 * ring lacks nout + nin free descriptors, -EINVAL for none at all. */
int virtq_add(struct virtq *q, const struct virtq_buf *out, unsigned nout,
	      const struct virtq_buf *in, unsigned nin, void *token);
/* Tell the device about the new buffers, if it asked to be told. */
void virtq_kick(struct virtq *q);
/* The token of the next used buffer (len: bytes the device wrote), or
 * NULL when there is none. */
void *virtq_get(struct virtq *q, uint32_t *len);
/* Interrupt suppression: disable for polling; enable returns false when
 * buffers were used meanwhile (collect them, then try again). */
void virtq_disable_cb(struct virtq *q);
bool virtq_enable_cb(struct virtq *q);

/* Built-in drivers, attached by pci_init. */
void virtio_rng_init(void);

#endif
