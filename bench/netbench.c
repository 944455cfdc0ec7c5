/*
 * netbench: TCP stream throughput for bench/net.sh. One source, three builds:
 * hermit-gcc and musl-gcc -static for the guests (the server), and the
 * host's cc for the client that times the transfers.
 *
 *   netbench [PORT]                         server (default port 9975)
 *   netbench client HOST PORT send BYTES    the guest sends BYTES to us
 *   netbench client HOST PORT recv BYTES    we send BYTES to the guest
 *
 * The server takes one connection at a time. It reads one request line,
 * "send N" or "recv N": for send it writes N bytes and closes; for recv it
 * reads N bytes, answers "ok N" and closes. It prints
 * "netbench: listening on PORT" once it listens and a line per transfer.
 *
 * The client connects (retrying while the forward is not yet served),
 * sends the request and times it on the host's monotonic clock: send from
 * the request to the last byte, recv from the request to the server's "ok"
 * (so the bytes were all read by the guest's program, not just buffered).
 * It prints "netbench: bytes=N us=T" and exits 0 only when all N bytes
 * went across.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (128 * 1024)

static char buf[CHUNK];

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* read_line: a line of up to cap-1 bytes, read a byte at a time so that
 * nothing after it is consumed. */
static int read_line(int fd, char *line, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, line + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = 0;
	return 0;
}

static void serve_one(int c)
{
	char line[64];
	unsigned long long n, done = 0;

	if (read_line(c, line, sizeof(line)))
		return;
	if (sscanf(line, "send %llu", &n) == 1) {
		while (done < n) {
			size_t k = n - done < CHUNK ? (size_t)(n - done) : CHUNK;
			if (write_all(c, buf, k))
				break;
			done += k;
		}
		printf("netbench: sent %llu of %llu bytes\n", done, n);
	} else if (sscanf(line, "recv %llu", &n) == 1) {
		while (done < n) {
			ssize_t r = read(c, buf, CHUNK);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			done += (unsigned long long)r;
		}
		snprintf(line, sizeof(line), "ok %llu\n", done);
		write_all(c, line, strlen(line));
		printf("netbench: received %llu of %llu bytes\n", done, n);
	} else {
		printf("netbench: bad request '%s'\n", line);
	}
}

static int server(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'x', sizeof(buf));
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 8)) {
		perror("netbench: socket/bind/listen");
		return 1;
	}
	printf("netbench: listening on %d\n", port);
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("netbench: accept");
			return 1;
		}
		serve_one(c);
		close(c);
	}
}

static long long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int client(const char *host, int port, const char *mode, unsigned long long n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	char line[64];
	unsigned long long done = 0;
	long long t0;
	int s = -1, send_mode = !strcmp(mode, "send");

	if (!send_mode && strcmp(mode, "recv")) {
		fprintf(stderr, "netbench: mode is send or recv, not '%s'\n", mode);
		return 2;
	}
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "netbench: '%s' is not an IPv4 address\n", host);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'y', sizeof(buf));
	for (int i = 0; i < 300; i++) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (!connect(s, (void *)&a, sizeof(a)))
			break;
		close(s);
		s = -1;
		usleep(100000);
	}
	if (s < 0) {
		perror("netbench: connect");
		return 1;
	}
	snprintf(line, sizeof(line), "%s %llu\n", mode, n);
	t0 = now_us();
	if (write_all(s, line, strlen(line))) {
		perror("netbench: request");
		return 1;
	}
	if (send_mode) {
		for (;;) {
			ssize_t r = read(s, buf, CHUNK);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			done += (unsigned long long)r;
		}
	} else {
		while (done < n) {
			size_t k = n - done < CHUNK ? (size_t)(n - done) : CHUNK;
			if (write_all(s, buf, k))
				break;
			done += k;
		}
		if (done == n && (read_line(s, line, sizeof(line)) ||
				  sscanf(line, "ok %llu", &done) != 1))
			done = 0;
	}
	long long us = now_us() - t0;
	close(s);
	printf("netbench: bytes=%llu us=%lld\n", done, us);
	if (done != n) {
		fprintf(stderr, "netbench: %llu of %llu bytes went across\n", done, n);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "client"))
		return client(argv[2], atoi(argv[3]), argv[4], strtoull(argv[5], NULL, 10));
	if (argc > 2 || (argc == 2 && atoi(argv[1]) <= 0)) {
		fprintf(stderr, "usage: netbench [PORT] | netbench client HOST PORT send|recv BYTES\n");
		return 64;
	}
	return server(argc == 2 ? atoi(argv[1]) : 9975);
}
