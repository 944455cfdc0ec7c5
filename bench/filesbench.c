/*
 * Sequential file throughput in the working directory (a host directory):
 * writes guest.bin (MiB given as argv[1], default 256) in 1 MiB writes and
 * fsyncs it, then reads host.bin (made by the host, so no guest cache holds
 * it) to its end in 1 MiB reads. Prints one line,
 *   "filesbench: bytes_written=W write_us=A bytes_read=R read_us=B"
 * timed with CLOCK_MONOTONIC. The same source runs on hermit-c (QEMU and
 * uhyve) and in the Linux guest. Integer only and printed with write(),
 * since this host's KVM cannot run SSE code (musl's printf uses it).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static char buf[CHUNK];

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Append "key=value" (and a separator) to line at *at. */
static void put(char *line, size_t *at, const char *key, long long v, char sep)
{
	char digits[24];
	int n = 0;

	memcpy(line + *at, key, strlen(key));
	*at += strlen(key);
	line[(*at)++] = '=';
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n)
		line[(*at)++] = digits[--n];
	line[(*at)++] = sep;
}

static int fail(const char *what)
{
	write(2, "filesbench: ", 12);
	write(2, what, strlen(what));
	write(2, " failed\n", 8);
	return 1;
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 256;
	long long t0, t1, t2, t3, wrote = 0, got = 0;
	char line[160] = "filesbench: ";
	size_t at = strlen(line);
	long n;
	int fd;

	for (size_t i = 0; i < CHUNK; i++)
		buf[i] = (char)(i * 31 + (i >> 12));
	if ((fd = open("guest.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return fail("open guest.bin");
	t0 = now_us();
	for (long i = 0; i < mib; i++) {
		if (write(fd, buf, CHUNK) != CHUNK)
			return fail("write");
		wrote += CHUNK;
	}
	if (fsync(fd) || close(fd))
		return fail("fsync/close");
	t1 = now_us();
	if ((fd = open("host.bin", O_RDONLY)) < 0)
		return fail("open host.bin");
	t2 = now_us();
	while ((n = read(fd, buf, CHUNK)) > 0)
		got += n;
	t3 = now_us();
	if (n < 0 || close(fd))
		return fail("read");
	put(line, &at, "bytes_written", wrote, ' ');
	put(line, &at, "write_us", t1 - t0, ' ');
	put(line, &at, "bytes_read", got, ' ');
	put(line, &at, "read_us", t3 - t2, '\n');
	write(1, line, at);
	return 0;
}
