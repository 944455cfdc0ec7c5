/*
 * net_nofloat: a TCP and UDP echo server for uhyve's NIC tests, integer-only
 * and with output through write() alone (musl's printf, free and
 * pthread_create use SSE, which an emulating KVM cannot run). Listens on
 * port argv[1] (default 9975) for both; echoes each UDP datagram to its
 * sender; echoes one TCP connection until the peer closes its side, then
 * exits 0. Prints "net_nofloat: listening on N" when ready, a line per
 * datagram and the TCP byte count at the end. Any failing call ends the
 * program with status 1 and names the call.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[8192];

static void put(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(3);
}

static void put_num(long v)
{
	char d[24], *p = d + sizeof(d);

	*--p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(p);
}

static int die(const char *what)
{
	put("net_nofloat: ");
	put(what);
	put(" failed: errno ");
	put_num(errno);
	put("\n");
	return 1;
}

static long number(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Echo one datagram back to its sender. */
static int udp_echo(int u)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	long n = recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

	if (n < 0)
		return die("recvfrom");
	if (sendto(u, buf, n, 0, (struct sockaddr *)&from, len) != n)
		return die("sendto");
	put("net_nofloat: udp echoed ");
	put_num(n);
	put(" bytes\n");
	return 0;
}

/* Echo the connection c until the peer closes its side. */
static int tcp_echo(int c)
{
	long n, total = 0;

	while ((n = read(c, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			long w = write(c, buf + off, n - off);

			if (w <= 0)
				return die("write");
			off += w;
		}
		total += n;
	}
	if (n < 0)
		return die("read");
	close(c);
	put("net_nofloat: tcp echoed ");
	put_num(total);
	put(" bytes\n");
	return 0;
}

int main(int argc, char **argv)
{
	long port = argc > 1 ? number(argv[1]) : 9975;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	int one = 1, t, u, c;

	t = socket(AF_INET, SOCK_STREAM, 0);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (t < 0 || u < 0)
		return die("socket");
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(t, (struct sockaddr *)&a, sizeof(a)) || listen(t, 4))
		return die("tcp bind/listen");
	if (bind(u, (struct sockaddr *)&a, sizeof(a)))
		return die("udp bind");
	put("net_nofloat: listening on ");
	put_num(port);
	put("\n");
	for (;;) {
		struct pollfd p[2] = {{.fd = t, .events = POLLIN}, {.fd = u, .events = POLLIN}};

		if (poll(p, 2, -1) < 0)
			return die("poll");
		if ((p[1].revents & POLLIN) && udp_echo(u))
			return 1;
		if (p[0].revents & POLLIN) {
			c = accept(t, NULL, NULL);
			if (c < 0)
				return die("accept");
			return tcp_echo(c);
		}
	}
}
