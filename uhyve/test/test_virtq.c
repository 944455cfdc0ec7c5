/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of uhyve/virtq.c against a fake guest RAM with inaccessible
 * guard pages on both sides: set-up checks, well-formed chains, then
 * hostile rings and chains (indexes past the queue, loops, buffers outside
 * RAM or wrapping around, readable after writable, indirect descriptors,
 * an available index that jumps), interrupt suppression with and without
 * EVENT_IDX, and a fuzz run of random descriptor tables. Never a crash
 * (ASan), never a buffer outside guest RAM, and every refusal says why.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "check.h"
#include "uhyve.h"
#include "fake_guest.h"

#define PAGE 4096
#define RAM  (1024 * 1024)
#define QS   8 /* queue size */
#define DESC 0x1000
#define AVL  0x2000
#define USED 0x3000

static struct guest g;
static struct vq q;
static struct vq_chain c;
static char err[ERRLEN];

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(g.mem + gpa, &v, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, g.mem + gpa, 2);
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, g.mem + gpa, 4);
	return v;
}

static void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	memcpy(g.mem + DESC + 16 * i, &addr, 8);
	memcpy(g.mem + DESC + 16 * i + 8, &len, 4);
	memcpy(g.mem + DESC + 16 * i + 12, &flags, 2);
	memcpy(g.mem + DESC + 16 * i + 14, &next, 2);
}

/* A fresh queue of QS entries; the guest has made nothing available. */
static void reset(bool event_idx)
{
	memset(g.mem, 0, 0x4000);
	q = (struct vq){.name = "test queue",
			.size = QS,
			.desc = DESC,
			.avail = AVL,
			.used = USED,
			.event_idx = event_idx};
}

/* The guest makes the chain at head available. */
static void offer(uint16_t head)
{
	uint16_t idx = get16(AVL + 2);

	put16(AVL + 4 + 2 * (idx % QS), head);
	put16(AVL + 2, idx + 1);
}

static int pop(void)
{
	err[0] = '\0';
	return vq_pop(&q, &g, &c, err);
}

static void test_check(void)
{
	reset(false);
	CHECK(vq_check(&q, &g, err) == 0);
	q.size = 6;
	CHECK(vq_check(&q, &g, err) < 0 && CONTAINS(err, "size 6 is not a power of two"));
	q.size = 0;
	CHECK(vq_check(&q, &g, err) < 0 && CONTAINS(err, "size 0"));
	q.size = 512;
	CHECK(vq_check(&q, &g, err) < 0 && CONTAINS(err, "size 512"));
	reset(false);
	q.desc = RAM - 64;
	CHECK(vq_check(&q, &g, err) < 0 && CONTAINS(err, "test queue: descriptor table") &&
	      CONTAINS(err, "outside guest memory"));
	reset(false);
	q.used = UINT64_MAX - 8;
	CHECK(vq_check(&q, &g, err) < 0 && CONTAINS(err, "used ring"));
	reset(false);
	q.avail = RAM - 6; /* fits for 0 entries, not for 8 */
	CHECK(vq_check(&q, &g, err) < 0 && CONTAINS(err, "available ring"));
	reset(false);
	q.desc = DESC + 8;
	CHECK(vq_check(&q, &g, err) < 0 && CONTAINS(err, "not 16-byte aligned"));
	reset(false);
	q.used = USED + 2;
	CHECK(vq_check(&q, &g, err) < 0 && CONTAINS(err, "not 4-byte aligned"));
}

static void test_good_chains(void)
{
	reset(true);
	CHECK(pop() == 0);
	CHECK(get16(USED + 4 + 8 * QS) == 0); /* avail_event: notify at the next one */
	desc(3, 0x8000, 12, 1, 5);	      /* readable, next 5 */
	desc(5, 0x9000, 100, 1 | 2, 0);	      /* writable, next 0 */
	desc(0, 0xa000, 200, 2, 0);	      /* writable, last */
	offer(3);
	CHECK(pop() == 1);
	CHECK(c.head == 3 && c.nout == 1 && c.nin == 2 && c.out_len == 12 && c.in_len == 300);
	CHECK(c.iov[0].iov_base == g.mem + 0x8000 && c.iov[0].iov_len == 12);
	CHECK(c.iov[2].iov_base == g.mem + 0xa000 && c.iov[2].iov_len == 200);
	CHECK(pop() == 0 && get16(USED + 4 + 8 * QS) == 1);
	CHECK(vq_push(&q, &g, 3, 77, err) == 0);
	CHECK(get16(USED + 2) == 1 && get32(USED + 4) == 3 && get32(USED + 8) == 77);

	/* a chain of every descriptor is not a loop; a zero-length buffer
	 * at the very end of RAM is fine */
	reset(false);
	for (uint16_t i = 0; i < QS; i++)
		desc(i, RAM - 16, 16, i + 1 < QS ? 1 : 0, i + 1);
	desc(2, RAM, 0, 1, 3);
	offer(0);
	CHECK(pop() == 1 && c.nout == QS && c.out_len == 16 * (QS - 1));
}

static void test_hostile_chains(void)
{
	reset(false);
	offer(QS);
	CHECK(pop() < 0 && CONTAINS(err, "test queue: descriptor 8") &&
	      CONTAINS(err, "past the queue's 8 entries"));

	reset(false);
	desc(0, 0x8000, 4, 1, 9);
	offer(0);
	CHECK(pop() < 0 && CONTAINS(err, "descriptor 9 (in the chain at 0)"));

	reset(false);
	desc(0, 0x8000, 4, 1, 1);
	desc(1, 0x8000, 4, 1, 0);
	offer(0);
	CHECK(pop() < 0 && CONTAINS(err, "longer than the queue's 8 entries (a loop)"));

	reset(false);
	desc(4, 0x8000, 4, 1, 4); /* itself */
	offer(4);
	CHECK(pop() < 0 && CONTAINS(err, "(a loop)"));

	reset(false);
	desc(0, RAM - 8, 16, 0, 0);
	offer(0);
	CHECK(pop() < 0 && CONTAINS(err, "descriptor 0: buffer") &&
	      CONTAINS(err, "+16 outside guest memory"));

	reset(false);
	desc(0, UINT64_MAX - 3, 16, 0, 0); /* wraps around */
	offer(0);
	CHECK(pop() < 0 && CONTAINS(err, "outside guest memory"));

	reset(false);
	desc(0, RAM + 1, 0, 0, 0);
	offer(0);
	CHECK(pop() < 0 && CONTAINS(err, "outside guest memory"));

	reset(false);
	desc(0, 0x8000, 0xffffffff, 0, 0);
	offer(0);
	CHECK(pop() < 0 && CONTAINS(err, "+4294967295 outside guest memory"));

	reset(false);
	desc(0, 0x8000, 4, 2 | 1, 1);
	desc(1, 0x9000, 4, 0, 0);
	offer(0);
	CHECK(pop() < 0 && CONTAINS(err, "descriptor 1 is device-readable but follows a "
					 "device-writable one"));

	reset(false);
	desc(0, 0x8000, 16, 4, 0);
	offer(0);
	CHECK(pop() < 0 && CONTAINS(err, "descriptor 0 is indirect"));

	reset(false);
	put16(AVL + 2, QS + 1);
	CHECK(pop() < 0 && CONTAINS(err, "the available index moved from 0 to 9"));
	reset(false);
	q.last_avail = 65533;
	put16(AVL + 2, 3); /* wrapped: 6 entries, fine */
	CHECK(pop() == 1);
}

static void test_signal(void)
{
	reset(false);
	CHECK(!vq_need_signal(&q, &g)); /* nothing used */
	vq_push(&q, &g, 0, 0, err);
	CHECK(vq_need_signal(&q, &g));
	CHECK(!vq_need_signal(&q, &g)); /* told already */
	put16(AVL, 1);			/* VIRTQ_AVAIL_F_NO_INTERRUPT */
	vq_push(&q, &g, 0, 0, err);
	CHECK(!vq_need_signal(&q, &g));

	reset(true);
	put16(AVL + 4 + 2 * QS, 2); /* used_event: interrupt once entry 2 is used */
	vq_push(&q, &g, 0, 0, err);
	vq_push(&q, &g, 0, 0, err);
	CHECK(!vq_need_signal(&q, &g)); /* used 0 and 1 */
	vq_push(&q, &g, 0, 0, err);
	CHECK(vq_need_signal(&q, &g)); /* used 2 */
	vq_push(&q, &g, 0, 0, err);
	CHECK(!vq_need_signal(&q, &g)); /* 3: the driver has not asked again */
	put16(AVL + 4 + 2 * QS, 4);
	for (int i = 0; i < 3; i++)
		vq_push(&q, &g, 0, 0, err);
	CHECK(vq_need_signal(&q, &g)); /* a batch 4..6 that passed 4 */
}

static void test_iov(void)
{
	uint8_t a[3], b[5], out[8];
	struct iovec v[2] = {{a, sizeof(a)}, {b, sizeof(b)}};

	CHECK(iov_copy_to(v, 2, "abcdefghij", 10) == 8 && !memcmp(a, "abc", 3) &&
	      !memcmp(b, "defgh", 5));
	CHECK(iov_copy_from(v, 2, 2, out, 8) == 6 && !memcmp(out, "cdefgh", 6));
	CHECK(iov_copy_from(v, 2, 8, out, 8) == 0);
	CHECK(iov_copy_from(v, 2, 4, out, 2) == 2 && !memcmp(out, "ef", 2));
}

/* Random tables: every outcome is a chain inside RAM or a message. */
static void test_fuzz(void)
{
	int i, k, ok = 0, refused = 0;

	for (i = 0; i < 20000; i++) {
		reset(i & 1);
		for (k = 0; k < QS; k++) {
			uint64_t r = check_rand();
			uint64_t addr = r & 1 ? check_rand() % (RAM + 64) : check_rand();

			desc((uint16_t)k, addr, (uint32_t)(check_rand() % 0x2000),
			     (uint16_t)(check_rand() & 7), (uint16_t)(check_rand() % (QS + 2)));
		}
		put16(AVL + 4, (uint16_t)(check_rand() % (QS + 1)));
		put16(AVL + 2, (uint16_t)(check_rand() % 3));
		for (k = 0; k < 3; k++) {
			int r = pop();

			if (r < 0) {
				refused++;
				CHECK(CONTAINS(err, "test queue: "));
				break;
			}
			if (r == 0)
				break;
			ok++;
			for (unsigned j = 0; j < c.nout + c.nin; j++)
				if ((uint8_t *)c.iov[j].iov_base < g.mem ||
				    (uint8_t *)c.iov[j].iov_base + c.iov[j].iov_len >
					g.mem + g.size)
					CHECK(!"a buffer outside guest RAM");
		}
	}
	CHECK(ok > 100 && refused > 100);
}

int main(void)
{
	fake_guest(&g, RAM);
	test_check();
	test_good_chains();
	test_hostile_chains();
	test_signal();
	test_iov();
	test_fuzz();
	return check_done("test_virtq");
}
