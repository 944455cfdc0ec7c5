/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (virtio 1.x section 2.7), the device's side: taking
 * descriptor chains from the available ring, giving them back on the used
 * ring, and interrupt suppression with or without VIRTIO_F_EVENT_IDX.
 *
 * The rings live in guest RAM and the guest may change them while uhyve
 * reads. So every address goes through guest_ptr(), each descriptor is
 * copied once before it is looked at, and a malformed ring or chain (an
 * index past the queue, a loop, a buffer outside guest RAM, a readable
 * buffer after a writable one, an indirect descriptor that was never
 * offered) is an error naming the queue and the descriptor: the caller ends
 * the guest with it. Nothing the guest writes can make uhyve read or write
 * outside guest RAM.
 */
#include <stdio.h>
#include <string.h>

#include "uhyve.h"

#define DESC_F_NEXT	     1
#define DESC_F_WRITE	     2
#define DESC_F_INDIRECT	     4
#define AVAIL_F_NO_INTERRUPT 1

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* Bytes of each part for a queue of n entries (the event words included). */
static uint64_t desc_bytes(uint16_t n)
{
	return 16ull * n;
}

static uint64_t avail_bytes(uint16_t n)
{
	return 6 + 2ull * n;
}

static uint64_t used_bytes(uint16_t n)
{
	return 6 + 8ull * n;
}

/* Check a queue as the driver set it up, before it is enabled: its size,
 * and that its three parts lie in guest RAM, aligned as the spec demands
 * (so that the index words can be read and written atomically). */
int vq_check(const struct vq *q, const struct guest *g, char *err)
{
	static const char *const part[3] = {"descriptor table", "available ring", "used ring"};
	uint64_t addr[3] = {q->desc, q->avail, q->used};
	uint64_t len[3] = {desc_bytes(q->size), avail_bytes(q->size), used_bytes(q->size)};
	unsigned align[3] = {16, 2, 4}, i;

	if (!q->size || q->size > VQ_SIZE_MAX || (q->size & (q->size - 1))) {
		snprintf(err, ERRLEN, "%s: size %u is not a power of two from 1 to %u", q->name,
			 q->size, VQ_SIZE_MAX);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		if (!guest_ptr(g, addr[i], len[i])) {
			snprintf(err, ERRLEN, "%s: %s 0x%llx +%llu outside guest memory", q->name,
				 part[i], (unsigned long long)addr[i], (unsigned long long)len[i]);
			return -1;
		}
		if (addr[i] % align[i]) {
			snprintf(err, ERRLEN, "%s: %s at 0x%llx is not %u-byte aligned", q->name,
				 part[i], (unsigned long long)addr[i], align[i]);
			return -1;
		}
	}
	return 0;
}

/* The host address of a ring part, checked again on every use (the queue
 * is only ever set up through vq_check, so this cannot fail then). */
static uint8_t *ring(const struct vq *q, const struct guest *g, uint64_t gpa, uint64_t len,
		     const char *what, char *err)
{
	uint8_t *p = guest_ptr(g, gpa, len);

	if (!p)
		snprintf(err, ERRLEN, "%s: %s 0x%llx +%llu outside guest memory", q->name, what,
			 (unsigned long long)gpa, (unsigned long long)len);
	return p;
}

static uint16_t load16(const uint8_t *p)
{
	return __atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_ACQUIRE);
}

static void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)p, v, __ATOMIC_RELEASE);
}

/* Follow the chain at head into c. */
static int vq_chain(const struct vq *q, const struct guest *g, uint16_t head, struct vq_chain *c,
		    char *err)
{
	const uint8_t *table = ring(q, g, q->desc, desc_bytes(q->size), "descriptor table", err);
	struct vq_desc d;
	uint16_t i = head;
	unsigned n = 0;
	void *p;

	if (!table)
		return -1;
	memset(c, 0, offsetof(struct vq_chain, iov));
	c->head = head;
	for (;;) {
		if (i >= q->size) {
			snprintf(err, ERRLEN,
				 "%s: descriptor %u (in the chain at %u) is past the queue's %u "
				 "entries",
				 q->name, i, head, q->size);
			return -1;
		}
		if (n == q->size) {
			snprintf(err, ERRLEN,
				 "%s: the chain at descriptor %u is longer than the queue's %u "
				 "entries (a loop)",
				 q->name, head, q->size);
			return -1;
		}
		memcpy(&d, table + 16ull * i, sizeof(d));
		if (d.flags & DESC_F_INDIRECT) {
			snprintf(err, ERRLEN,
				 "%s: descriptor %u is indirect, but VIRTIO_F_INDIRECT_DESC was "
				 "not offered",
				 q->name, i);
			return -1;
		}
		p = guest_ptr(g, d.addr, d.len);
		if (!p) {
			snprintf(err, ERRLEN,
				 "%s: descriptor %u: buffer 0x%llx +%u outside guest "
				 "memory",
				 q->name, i, (unsigned long long)d.addr, d.len);
			return -1;
		}
		if (d.flags & DESC_F_WRITE) {
			c->nin++;
			c->in_len += d.len;
		} else if (c->nin) {
			snprintf(err, ERRLEN,
				 "%s: descriptor %u is device-readable but follows a "
				 "device-writable one (chain at %u)",
				 q->name, i, head);
			return -1;
		} else {
			c->nout++;
			c->out_len += d.len;
		}
		c->iov[n++] = (struct iovec){.iov_base = p, .iov_len = d.len};
		if (!(d.flags & DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

/* With EVENT_IDX, ask the driver to notify at its next buffer. (Without
 * it the device never sets VIRTQ_USED_F_NO_NOTIFY: it always wants to
 * hear.) */
static int vq_want_notify(const struct vq *q, const struct guest *g, char *err)
{
	uint8_t *used = ring(q, g, q->used, used_bytes(q->size), "used ring", err);

	if (!used)
		return -1;
	if (q->event_idx)
		store16(used + 4 + 8ull * q->size, q->last_avail);
	return 0;
}

/* Take the next available chain into c: 1, 0 when the ring is empty (the
 * driver has then been asked to notify at its next buffer), -1 with err
 * when the ring or the chain is malformed. */
int vq_pop(struct vq *q, const struct guest *g, struct vq_chain *c, char *err)
{
	const uint8_t *avail = ring(q, g, q->avail, avail_bytes(q->size), "available ring", err);
	uint16_t idx, head;

	if (!avail)
		return -1;
	idx = load16(avail + 2);
	if (idx == q->last_avail) {
		if (vq_want_notify(q, g, err) < 0)
			return -1;
		/* A buffer made available before the request reached the
		 * driver sends no notification: look once more. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		idx = load16(avail + 2);
		if (idx == q->last_avail)
			return 0;
	}
	if ((uint16_t)(idx - q->last_avail) > q->size) {
		snprintf(err, ERRLEN,
			 "%s: the available index moved from %u to %u, by more than the "
			 "queue's %u entries",
			 q->name, q->last_avail, idx, q->size);
		return -1;
	}
	head = load16(avail + 4 + 2ull * (q->last_avail % q->size));
	q->last_avail++;
	return vq_chain(q, g, head, c, err) < 0 ? -1 : 1;
}

/* Give the chain at head back with len bytes written into it. */
int vq_push(struct vq *q, const struct guest *g, uint16_t head, uint32_t len, char *err)
{
	uint8_t *used = ring(q, g, q->used, used_bytes(q->size), "used ring", err);
	uint32_t elem[2] = {head, len};

	if (!used)
		return -1;
	memcpy(used + 4 + 8ull * (q->used_idx % q->size), elem, sizeof(elem));
	q->used_idx++;
	store16(used + 2, q->used_idx); /* release: the entry before the index */
	return 0;
}

/* After vq_push: does the driver want an interrupt for the buffers used
 * since the last call? EVENT_IDX: when they passed its used_event; else
 * unless it set VIRTQ_AVAIL_F_NO_INTERRUPT. */
bool vq_need_signal(struct vq *q, const struct guest *g)
{
	const uint8_t *avail = guest_ptr(g, q->avail, avail_bytes(q->size));
	uint16_t old = q->signalled, new = q->used_idx, event;

	q->signalled = new;
	if (!avail || old == new)
		return false;
	/* The used index must be visible before the driver's wish is read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(avail) & AVAIL_F_NO_INTERRUPT);
	event = load16(avail + 4 + 2ull * q->size);
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

/* Copy len bytes of src into the buffers iov[0..n); returns how many fit. */
size_t iov_copy_to(const struct iovec *iov, unsigned n, const void *src, size_t len)
{
	size_t done = 0;
	unsigned i;

	for (i = 0; i < n && done < len; i++) {
		size_t k = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;

		memcpy(iov[i].iov_base, (const uint8_t *)src + done, k);
		done += k;
	}
	return done;
}

/* Copy up to len bytes from offset off of the buffers iov[0..n) into dst;
 * returns how many there were. */
size_t iov_copy_from(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len)
{
	size_t done = 0;
	unsigned i;

	for (i = 0; i < n && done < len; i++) {
		size_t k;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off < len - done ? iov[i].iov_len - off : len - done;
		memcpy((uint8_t *)dst + done, (const uint8_t *)iov[i].iov_base + off, k);
		done += k;
		off = 0;
	}
	return done;
}
