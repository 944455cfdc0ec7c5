/* SPDX-License-Identifier: MIT */
/* Random bytes for getrandom and AT_RANDOM. */
#include "clock.h"
#include "cpu.h"
#include "log.h"
#include "random.h"

static bool have_rdrand;
static uint64_t state[4];

static bool rdrand(uint64_t *v)
{
	for (int i = 0; i < 10; i++) {
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro(void)
{
	uint64_t r = rotl(state[1] * 5, 7) * 9, t = state[1] << 17;

	state[2] ^= state[0];
	state[3] ^= state[1];
	state[1] ^= state[2];
	state[0] ^= state[3];
	state[2] ^= t;
	state[3] = rotl(state[3], 45);
	return r;
}

void random_init(void)
{
	uint64_t seed = rdtsc() ^ clock_realtime_ns() ^ (uint64_t)&seed, v;

	have_rdrand = (cpuid(1, 0).ecx & CPUID1_ECX_RDRAND) && rdrand(&v);
	for (int i = 0; i < 4; i++)
		state[i] = splitmix(&seed);
	pr_debug("random: %s", have_rdrand ? "RDRAND" : "xoshiro256** seeded from TSC and RTC");
}

static uint64_t next(void)
{
	uint64_t v;

	if (have_rdrand && rdrand(&v))
		return v;
	return xoshiro();
}

void random_fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t v = next();
		size_t n = MIN(len, sizeof(v));
		kmemcpy(p, &v, n);
		p += n;
		len -= n;
	}
}
