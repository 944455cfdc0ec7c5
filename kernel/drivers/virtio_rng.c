/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng (virtio entropy device, type 4): at boot, 32 random bytes
 * through its one virtqueue, waited for by interrupt. It is the smallest
 * virtio device, and so the proof that the transport, the split rings and
 * the interrupt path (MSI-X or INTx) work end to end.
 */
#include <errno.h>
#include "clock.h"
#include "log.h"
#include "mm.h"
#include "virtio.h"

#define RNG_BYTES      32
#define RNG_TIMEOUT_NS 2000000000ull

struct rng {
	struct virtio_dev vdev;
	struct virtq *q;
	volatile bool used; /* set by the queue's interrupt */
	uint8_t buf[RNG_BYTES];
};

static void rng_interrupt(struct virtq *q)
{
	struct rng *r = q->ctx;

	r->used = true;
}

/* Wait with interrupts on until the interrupt came or the time is up. */
static void wait_interrupt(struct rng *r)
{
	uint64_t deadline = clock_uptime_ns() + RNG_TIMEOUT_NS;

	while (!r->used && clock_uptime_ns() < deadline)
		__asm__ volatile("sti; nop; pause; cli" ::: "memory");
}

/* Fill r->buf; the device may return fewer bytes than asked each time.
 * Returns the number of interrupts it took, or -errno. */
static int rng_fill(struct rng *r)
{
	size_t got = 0;
	uint32_t len;
	int irqs = 0;

	while (got < RNG_BYTES) {
		struct virtq_buf in = {r->buf + got, RNG_BYTES - got};
		int err = virtq_add(r->q, NULL, 0, &in, 1, r);

		if (err)
			return err;
		r->used = false;
		virtq_kick(r->q);
		wait_interrupt(r);
		irqs += r->used;
		if (!virtq_get(r->q, &len))
			return -ETIMEDOUT;
		if (len > RNG_BYTES - got)
			return -EIO;
		got += len;
	}
	return irqs;
}

static int rng_probe(struct pci_dev *pci)
{
	struct rng *r;
	char hex[2 * RNG_BYTES + 1];
	int err;

	if (virtio_pci_type(pci) != VIRTIO_ID_RNG)
		return -ENODEV;
	if (!(r = kzalloc(sizeof(*r))))
		return -ENOMEM;
	if ((err = virtio_pci_init(&r->vdev, pci, 0)) ||
	    (err = virtq_setup(&r->vdev, 0, 8, rng_interrupt, r, &r->q)))
		goto fail;
	virtio_ready(&r->vdev);
	if ((err = rng_fill(r)) < 0)
		goto fail;
	for (int i = 0; i < RNG_BYTES; i++)
		ksnprintf(hex + 2 * i, 3, "%02x", r->buf[i]);
	pr_info("virtio-rng: %d bytes through virtqueue 0 (%s, %d interrupts, %lu notifies%s): %s",
		RNG_BYTES, r->vdev.msix ? "MSI-X" : "INTx", err, (unsigned long)r->q->notifies,
		r->q->event_idx ? ", EVENT_IDX" : "", hex);
	if (err == 0)
		pr_warn("virtio-rng: the device answered but raised no interrupt");
	pci->driver_data = r;
	return 0;
fail:
	/* r stays: interrupt handlers may still name it. */
	pr_warn("virtio-rng: %02x:%02x.%u: no random bytes (error %d)", pci->bus, pci->dev, pci->fn,
		err);
	if (r->vdev.common)
		virtio_reset(&r->vdev);
	return err;
}

void virtio_rng_init(void)
{
	pci_register_driver(0x1af4, 0x1044, rng_probe);
	pci_register_driver(0x1af4, 0x1005, rng_probe); /* transitional */
}
