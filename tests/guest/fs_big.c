/*
 * fs_big: large files and a large directory through a host directory
 * (tests/suites/virtiofs.sh): writes guest.bin (N MiB, default 100, of a
 * xorshift stream) and prints the SHA-256 of what it wrote, for the host to
 * check with sha256sum; reads host.bin and prints its SHA-256; lists the
 * directory big (count, and the SHA-256 of the sorted names, one a line).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sha {
	uint32_t h[8];
	uint8_t blk[64];
	uint64_t len;
	unsigned fill;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(struct sha *s, const uint8_t *p)
{
	uint32_t w[64], a[8];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(a, s->h, sizeof(a));
	for (int i = 0; i < 64; i++) {
		uint32_t S1 = ROR(a[4], 6) ^ ROR(a[4], 11) ^ ROR(a[4], 25);
		uint32_t ch = (a[4] & a[5]) ^ (~a[4] & a[6]);
		uint32_t t1 = a[7] + S1 + ch + K[i] + w[i];
		uint32_t S0 = ROR(a[0], 2) ^ ROR(a[0], 13) ^ ROR(a[0], 22);
		uint32_t mj = (a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]);
		memmove(a + 1, a, 7 * sizeof(a[0]));
		a[4] += t1;
		a[0] = t1 + S0 + mj;
	}
	for (int i = 0; i < 8; i++)
		s->h[i] += a[i];
}

static void sha_init(struct sha *s)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memset(s, 0, sizeof(*s));
	memcpy(s->h, h0, sizeof(h0));
}

static void sha_add(struct sha *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	s->len += n;
	while (n) {
		if (!s->fill && n >= 64) {
			sha_block(s, p);
			p += 64, n -= 64;
			continue;
		}
		size_t k = 64 - s->fill < n ? 64 - s->fill : n;
		memcpy(s->blk + s->fill, p, k);
		s->fill += k, p += k, n -= k;
		if (s->fill == 64) {
			sha_block(s, s->blk);
			s->fill = 0;
		}
	}
}

static void sha_hex(struct sha *s, char *out)
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = {0x80}, lenb[8];
	size_t np = (s->fill < 56 ? 56 : 120) - s->fill;

	for (int i = 0; i < 8; i++)
		lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha_add(s, pad, np);
	sha_add(s, lenb, 8);
	for (int i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08x", s->h[i]);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define CHUNK (1 << 20)

int main(int argc, char **argv)
{
	static uint8_t buf[CHUNK];
	char hex[65];
	struct sha s;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	long mib = argc > 1 ? atol(argv[1]) : 100;
	int fd, bad = 0;

	/* write */
	fd = open("guest.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	sha_init(&s);
	for (long i = 0; i < mib && fd >= 0; i++) {
		for (size_t k = 0; k < CHUNK; k += 8) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			memcpy(buf + k, &x, 8);
		}
		sha_add(&s, buf, CHUNK);
		if (write(fd, buf, CHUNK) != CHUNK)
			bad = 1;
	}
	if (fd < 0 || close(fd) || bad) {
		printf("BIG write failed\n");
		return 1;
	}
	sha_hex(&s, hex);
	printf("wrote %ld MiB sha256 %s\n", mib, hex);
	/* read */
	fd = open("host.bin", O_RDONLY);
	long n, total = 0;
	sha_init(&s);
	while (fd >= 0 && (n = read(fd, buf, CHUNK)) > 0) {
		sha_add(&s, buf, (size_t)n);
		total += n;
	}
	if (fd < 0 || n < 0) {
		printf("BIG read failed\n");
		return 1;
	}
	close(fd);
	sha_hex(&s, hex);
	printf("read %ld bytes sha256 %s\n", total, hex);
	/* list */
	DIR *d = opendir("big");
	struct dirent *e;
	size_t cnt = 0, cap = 1024;
	char **names = malloc(cap * sizeof(*names));
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (cnt == cap)
			names = realloc(names, (cap *= 2) * sizeof(*names));
		names[cnt++] = strdup(e->d_name);
	}
	if (!d) {
		printf("BIG opendir failed\n");
		return 1;
	}
	closedir(d);
	qsort(names, cnt, sizeof(*names), cmp);
	sha_init(&s);
	for (size_t i = 0; i < cnt; i++) {
		sha_add(&s, names[i], strlen(names[i]));
		sha_add(&s, "\n", 1);
	}
	sha_hex(&s, hex);
	printf("listed %zu names sha256 %s\n", cnt, hex);
	return 0;
}
