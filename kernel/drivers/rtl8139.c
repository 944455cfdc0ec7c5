/* SPDX-License-Identifier: MIT */
/*
 * RTL8139 (feature `rtl8139`): the Realtek Fast Ethernet chip that QEMU
 * emulates as `-device rtl8139`, driven through its I/O-port BAR in the
 * original (not C+) mode.
 *
 * Receiving: the chip writes frames one after another into a 32 KiB ring,
 * each behind a 4-byte header (status, length with the CRC). WRAP mode lets
 * a frame run past the ring's end into 1.5 KiB of slack, so every frame is
 * contiguous; CAPR tells the chip how far we have read (16 bytes behind, a
 * quirk of the chip). A header that makes no sense means the ring is lost:
 * the receiver is reset, as Linux's 8139too does.
 * Sending: four descriptors used round-robin, each with its own 2 KiB
 * buffer the frame is copied into. Completions are collected lazily on the
 * next send, so sending raises no interrupts.
 * Interrupts (INTx, shared): acknowledged at once; receive and link events
 * wake the receive thread, which reads the ring and the link state.
 * No checksum offload: the chip has none.
 */
#include <errno.h>
#include <hermit/portio.h>
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "netdev.h"
#include "pci.h"
#include "spinlock.h"

/* Registers (offsets into the I/O BAR). */
#define REG_IDR0    0x00 /* MAC address, 6 bytes */
#define REG_MAR0    0x08 /* multicast filter, 8 bytes */
#define REG_TSD0    0x10 /* transmit status of descriptor 0..3 (32 bits each) */
#define REG_TSAD0   0x20 /* transmit start address of descriptor 0..3 */
#define REG_RBSTART 0x30 /* receive ring's physical address */
#define REG_CR	    0x37 /* command */
#define REG_CAPR    0x38 /* current address of packet read (minus 16) */
#define REG_IMR	    0x3c /* interrupt mask */
#define REG_ISR	    0x3e /* interrupt status (write 1s to clear) */
#define REG_TCR	    0x40 /* transmit configuration */
#define REG_RCR	    0x44 /* receive configuration */
#define REG_MSR	    0x58 /* media status */

#define CR_BUFE	 0x01 /* the receive ring is empty */
#define CR_TE	 0x04
#define CR_RE	 0x08
#define CR_RESET 0x10

#define INT_ROK	  0x0001
#define INT_RER	  0x0002
#define INT_TOK	  0x0004
#define INT_TER	  0x0008
#define INT_RXOVW 0x0010 /* the ring was full: a frame was dropped */
#define INT_LINK  0x0020 /* link change (packet underrun on old chips) */
#define INT_FOVW  0x0040 /* the receive FIFO overflowed */
#define INT_RX	  (INT_ROK | INT_RER | INT_RXOVW | INT_FOVW)
#define INT_ALL	  (INT_RX | INT_TOK | INT_TER | INT_LINK)
/*
 * What may interrupt: receiving and the link. Not TOK/TER (completions are
 * collected lazily) and not RXOVW: with RXOVW unmasked QEMU drops frames
 * when the ring is full instead of holding them until CAPR moves, and
 * TCP would pay for every drop with a retransmission.
 */
#define IMR_ON	 (INT_ROK | INT_RER | INT_FOVW | INT_LINK)
#define IMR_NORX INT_LINK

#define TSD_SIZE  0x00001fff
#define TSD_OWN	  0x00002000 /* the chip has the frame in its FIFO */
#define TSD_TUN	  0x00004000 /* underrun */
#define TSD_TOK	  0x00008000
#define TSD_TABT  0x40000000 /* aborted */
#define TSD_ERTXTH (8u << 16) /* start sending after 8 x 32 = 256 bytes in the FIFO */

#define TCR_CLRABT 0x00000001 /* retransmit an aborted frame */
#define TCR_MXDMA  (6u << 8)  /* DMA bursts of 1 KiB */
#define TCR_IFG	   (3u << 24) /* the standard inter-frame gap */

#define RCR_APM	  0x00000002 /* frames for our MAC */
#define RCR_AM	  0x00000004 /* multicast (the filter below passes all) */
#define RCR_AB	  0x00000008 /* broadcast */
#define RCR_WRAP  0x00000080 /* frames run past the ring's end */
#define RCR_MXDMA (7u << 8)  /* unlimited DMA bursts */
#define RCR_32K	  (2u << 11) /* ring of 32 KiB + 16 */
#define RCR_RXFTH (7u << 13) /* no early receive: whole frames only */
#define RCR_VALUE (RCR_APM | RCR_AM | RCR_AB | RCR_WRAP | RCR_MXDMA | RCR_32K | RCR_RXFTH)

#define MSR_LINKB 0x04 /* 0: link up */

#define RX_HDR_ROK   0x0001
#define RX_LEN_EARLY 0xfff0 /* the chip is still copying the frame */

#define RING_LEN  32768u
#define RING_SIZE (RING_LEN + 16 + 1536) /* ring, its 16 bytes, WRAP's slack */
#define NTX	  4
#define TX_BUF	  2048
#define FRAME_MAX (14 + 1500)
#define FRAME_MIN 60		   /* without the FCS; shorter frames are padded */
#define RX_MAX	  (FRAME_MAX + 4) /* with the FCS */
#define RX_MIN	  (FRAME_MIN + 4)
#define DMA_PAGES ((RING_SIZE + NTX * TX_BUF + PAGE_SIZE - 1) / PAGE_SIZE)
#define FOURGIB	  (1ull << 32)

struct rtl {
	struct netdev nd;
	uint16_t io;
	uint8_t *ring; /* physical = virtual, below 4 GiB */
	uint32_t cur;  /* where the next frame's header is in the ring */
	uint64_t rx_resets;
	volatile int link_check; /* the interrupt saw a link change */
	struct spinlock tx_lock;
	uint8_t *tx_buf[NTX];
	unsigned tx_next, tx_busy; /* next descriptor to use; how many are in flight */
};

/* Port I/O does not order memory accesses for the compiler: frames in DMA
 * buffers must be written before the chip is told, and read after. */
static inline void dma_barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

static uint8_t r8(struct rtl *r, uint16_t reg)
{
	return inb(r->io + reg);
}

static uint16_t r16(struct rtl *r, uint16_t reg)
{
	return inw(r->io + reg);
}

static uint32_t r32(struct rtl *r, uint16_t reg)
{
	return inl(r->io + reg);
}

static void w8(struct rtl *r, uint16_t reg, uint8_t v)
{
	outb(r->io + reg, v);
}

static void w16(struct rtl *r, uint16_t reg, uint16_t v)
{
	outw(r->io + reg, v);
}

static void w32(struct rtl *r, uint16_t reg, uint32_t v)
{
	outl(r->io + reg, v);
}

static bool link_up(struct rtl *r)
{
	return !(r8(r, REG_MSR) & MSR_LINKB);
}

/* Receiver and transmitter on, the ring empty at its start, every
 * multicast frame let through. The transmit and receive configurations only
 * take with both enabled. */
static void rx_tx_start(struct rtl *r)
{
	w8(r, REG_CR, CR_RE | CR_TE);
	w32(r, REG_TCR, TCR_MXDMA | TCR_IFG);
	w32(r, REG_RBSTART, (uint32_t)(uintptr_t)r->ring);
	w32(r, REG_RCR, RCR_VALUE);
	w32(r, REG_MAR0, 0xffffffff);
	w32(r, REG_MAR0 + 4, 0xffffffff);
	r->cur = 0;
	w16(r, REG_CAPR, (uint16_t)(r->cur - 16));
}

/* The ring holds something no good frame would: start the receiver afresh
 * (the frames still in the ring are lost). */
static void rx_reset(struct rtl *r, uint16_t status, uint16_t len)
{
	r->rx_resets++;
	r->nd.rx_dropped++;
	/* A flood of bad frames must not flood the log: say it at 1, 2, 4, ... */
	if (!(r->rx_resets & (r->rx_resets - 1)))
		pr_warn("%s: bad receive header (status 0x%04x, length %u) at 0x%x: receiver "
			"reset (%lu so far)",
			r->nd.name, status, len, r->cur, (unsigned long)r->rx_resets);
	w8(r, REG_CR, CR_TE);
	w8(r, REG_CR, CR_RE | CR_TE);
	w32(r, REG_RBSTART, (uint32_t)(uintptr_t)r->ring);
	w32(r, REG_RCR, RCR_VALUE);
	r->cur = 0;
	w16(r, REG_CAPR, (uint16_t)(r->cur - 16));
}

/* Every frame in the ring to the stack; returns how many. */
static int rx_drain(struct rtl *r)
{
	int n = 0;

	while (!(r8(r, REG_CR) & CR_BUFE)) {
		const volatile uint8_t *h = r->ring + r->cur;
		uint16_t status, len;

		dma_barrier();
		status = h[0] | h[1] << 8;
		len = h[2] | h[3] << 8;

		if (len == RX_LEN_EARLY)
			break;
		if (!(status & RX_HDR_ROK) || len > RX_MAX || len < RX_MIN) {
			rx_reset(r, status, len);
			break;
		}
		netdev_rx(&r->nd, r->ring + r->cur + 4, len - 4, 0);
		n++;
		r->cur = ((r->cur + 4 + len + 3) & ~3u) % RING_LEN;
		w16(r, REG_CAPR, (uint16_t)(r->cur - 16));
	}
	return n;
}

static int rtl_rx_poll(struct netdev *nd)
{
	struct rtl *r = nd->priv;
	int n = 0;

	for (;;) {
		/* What sets these bits now is read below. */
		w16(r, REG_ISR, INT_RX);
		n += rx_drain(r);
		if (__atomic_exchange_n(&r->link_check, 0, __ATOMIC_ACQ_REL))
			netdev_link_changed(nd, link_up(r));
		w16(r, REG_IMR, IMR_ON);
		if (r8(r, REG_CR) & CR_BUFE)
			return n;
		w16(r, REG_IMR, IMR_NORX);
	}
}

/* Descriptors the chip is done with are free again, oldest first (the chip
 * sends them in order). */
static void tx_reclaim(struct rtl *r)
{
	while (r->tx_busy) {
		unsigned i = (r->tx_next + NTX - r->tx_busy) % NTX;
		uint32_t tsd = r32(r, REG_TSD0 + 4 * i);

		if (!(tsd & (TSD_TOK | TSD_TUN | TSD_TABT)))
			return;
		if (tsd & TSD_TABT) {
			/* The chip stops until told; have it resend rather
			 * than count the frame lost. */
			w32(r, REG_TCR, TCR_MXDMA | TCR_IFG | TCR_CLRABT);
			return;
		}
		if (tsd & TSD_TUN)
			r->nd.tx_dropped++;
		r->tx_busy--;
	}
}

static int rtl_xmit(struct netdev *nd, const struct netdev_seg *seg, unsigned nseg,
		    const struct netdev_csum *csum)
{
	struct rtl *r = nd->priv;
	size_t len = 0;
	uint8_t *buf;
	unsigned i;

	(void)csum; /* no offload: the stack computed every checksum */
	spin_lock(&r->tx_lock);
	tx_reclaim(r);
	if (r->tx_busy == NTX) {
		nd->tx_dropped++;
		spin_unlock(&r->tx_lock);
		return -ENOBUFS;
	}
	i = r->tx_next;
	buf = r->tx_buf[i];
	for (unsigned s = 0; s < nseg; s++) {
		if (len + seg[s].len > FRAME_MAX) {
			nd->tx_dropped++;
			spin_unlock(&r->tx_lock);
			return -EMSGSIZE;
		}
		kmemcpy(buf + len, seg[s].data, seg[s].len);
		len += seg[s].len;
	}
	if (len < FRAME_MIN) {
		kmemset(buf + len, 0, FRAME_MIN - len);
		len = FRAME_MIN;
	}
	dma_barrier();
	/* Size with OWN clear hands the descriptor to the chip. */
	w32(r, REG_TSD0 + 4 * i, TSD_ERTXTH | (uint32_t)len);
	r->tx_next = (i + 1) % NTX;
	r->tx_busy++;
	nd->tx_frames++;
	spin_unlock(&r->tx_lock);
	return 0;
}

static const struct netdev_ops rtl_ops = {
	.xmit = rtl_xmit,
	.rx_poll = rtl_rx_poll,
};

/* INTx, maybe shared: nothing to do unless our chip has a cause set. */
static void rtl_interrupt(void *ctx)
{
	struct rtl *r = ctx;
	uint16_t status = r16(r, REG_ISR);

	if (!(status & INT_ALL) || status == 0xffff)
		return;
	w16(r, REG_ISR, status);
	if (status & INT_LINK)
		r->link_check = 1;
	if (status & INT_RX)
		w16(r, REG_IMR, IMR_NORX);
	if (status & (INT_RX | INT_LINK))
		netdev_rx_kick(&r->nd);
}

/* A soft reset: the chip clears the bit when it is done (at once in QEMU;
 * within microseconds on hardware). */
static int chip_reset(struct rtl *r)
{
	w8(r, REG_CR, CR_RESET);
	for (int i = 0; i < 100000; i++)
		if (!(r8(r, REG_CR) & CR_RESET))
			return 0;
	return -ETIMEDOUT;
}

/* The ring and the send buffers, in one run of frames below 4 GiB (the
 * chip's addresses are 32-bit). PCI probing comes early in boot, when
 * next-fit allocation is still low in memory. */
static int dma_alloc(struct rtl *r)
{
	uint64_t pa = frame_alloc_contig(DMA_PAGES);

	if (!pa)
		return -ENOMEM;
	if (pa + DMA_PAGES * PAGE_SIZE > FOURGIB) {
		frame_free_contig(pa, DMA_PAGES);
		pr_warn("rtl8139: no memory below 4 GiB for its buffers");
		return -ENOMEM;
	}
	kmemset((void *)pa, 0, DMA_PAGES * PAGE_SIZE);
	r->ring = (uint8_t *)pa;
	for (unsigned i = 0; i < NTX; i++)
		r->tx_buf[i] = r->ring + RING_SIZE + i * TX_BUF;
	return 0;
}

static int rtl_probe(struct pci_dev *pci)
{
	struct rtl *r;
	int err;

	if (!pci->bar[0].io || !pci->bar[0].addr || pci->bar[0].size < 0x100)
		return -ENODEV;
	if (!(r = kzalloc(sizeof(*r))))
		return -ENOMEM;
	r->io = (uint16_t)pci->bar[0].addr;
	pci_enable(pci);
	if ((err = chip_reset(r)) || (err = dma_alloc(r)))
		goto fail;
	for (int i = 0; i < 6; i++)
		r->nd.mac[i] = r8(r, REG_IDR0 + i);
	for (unsigned i = 0; i < NTX; i++)
		w32(r, REG_TSAD0 + 4 * i, (uint32_t)(uintptr_t)r->tx_buf[i]);
	rx_tx_start(r);
	w16(r, REG_ISR, 0xffff);
	if ((err = pci_intx_route(pci, rtl_interrupt, r)))
		goto fail_chip;
	r->nd.kind = "rtl8139";
	r->nd.mtu = 1500;
	r->nd.ops = &rtl_ops;
	r->nd.priv = r;
	r->nd.link_up = link_up(r);
	w16(r, REG_IMR, IMR_ON);
	pci->driver_data = r;
	return netdev_register(&r->nd);
fail_chip:
	chip_reset(r);
	frame_free_contig((uint64_t)(uintptr_t)r->ring, DMA_PAGES);
fail:
	pr_warn("rtl8139: %02x:%02x.%u: not usable (error %d)", pci->bus, pci->dev, pci->fn, err);
	kfree(r);
	return err;
}

void rtl8139_init(void)
{
	pci_register_driver(0x10ec, 0x8139, rtl_probe);
}
