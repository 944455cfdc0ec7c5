/*
 * sys_net: the socket calls against Linux's semantics, over loopback
 * (127.0.0.1) so that it needs no network: TCP and UDP, blocking and
 * non-blocking, poll/select/epoll on sockets, options, names, shutdown,
 * and the error codes. The same program passes on Linux (tests/suites/
 * sockets.sh runs it natively first) and on hermit-c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A listening TCP socket on 127.0.0.1 and its port. */
static int listener(int *port)
{
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 8) || getsockname(s, (void *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return s;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void *late_writer(void *arg)
{
	int fd = *(int *)arg;

	usleep(100000);
	write(fd, "late", 4);
	return NULL;
}

static void tcp_basics(void)
{
	int port, l = listener(&port), c, a, v;
	struct sockaddr_in sa = loopback(port), peer;
	socklen_t len = sizeof(peer);
	char buf[64];
	struct stat st;

	check(l >= 0, "listen on 127.0.0.1, port from getsockname", l, 0);
	check(port > 0, "an ephemeral port was chosen", port, 1);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	RET("connect to the listener", connect(c, (void *)&sa, sizeof(sa)), 0);
	a = accept4(l, (void *)&peer, &len, SOCK_CLOEXEC);
	check(a >= 0, "accept4 returns a new fd", a, 0);
	check(len == sizeof(peer) && peer.sin_family == AF_INET &&
		      peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "accept gives the peer's address", len, sizeof(peer));
	RET("fcntl F_GETFD of accept4 SOCK_CLOEXEC", fcntl(a, F_GETFD), FD_CLOEXEC);
	len = sizeof(peer);
	RET("getpeername", getpeername(c, (void *)&peer, &len), 0);
	check(ntohs(peer.sin_port) == port, "getpeername: the listener's port", ntohs(peer.sin_port),
	      port);
	RET("fstat of a socket", fstat(c, &st), 0);
	check(S_ISSOCK(st.st_mode), "fstat says S_IFSOCK", st.st_mode, S_IFSOCK);

	RET("write 5 bytes", write(c, "hello", 5), 5);
	RET("read them on the other end", read(a, buf, sizeof(buf)), 5);
	check(!memcmp(buf, "hello", 5), "the bytes arrive intact", buf[0], 'h');
	RET("send with MSG_NOSIGNAL", send(a, "pong", 4, MSG_NOSIGNAL), 4);
	RET("recv with MSG_PEEK", recv(c, buf, 2, MSG_PEEK), 2);
	RET("recv after the peek sees the same bytes", recv(c, buf, sizeof(buf), 0), 4);
	check(!memcmp(buf, "pong", 4), "peeked bytes were not consumed", buf[0], 'p');

	struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
	RET("writev of three pieces", writev(c, iov, 3), 6);
	usleep(50000);
	RET("FIONREAD counts what waits", ioctl(a, FIONREAD, &v), 0);
	check(v == 6, "FIONREAD is 6", v, 6);
	struct msghdr m = {0};
	char b1[3], b2[8];
	struct iovec riov[2] = {{b1, 3}, {b2, 8}};
	m.msg_iov = riov;
	m.msg_iovlen = 2;
	RET("recvmsg scatters into two buffers", recvmsg(a, &m, 0), 6);
	check(!memcmp(b1, "abc", 3) && !memcmp(b2, "def", 3), "recvmsg fills them in order", b1[0],
	      'a');

	/* Blocking read woken by a later write from another thread. */
	pthread_t t;
	long long t0 = now_ms();
	pthread_create(&t, NULL, late_writer, &c);
	RET("a blocking read waits for data", read(a, buf, sizeof(buf)), 4);
	check(now_ms() - t0 >= 90, "it waited for the writer", now_ms() - t0, 100);
	pthread_join(t, NULL);

	/* Shutdown: the peer reads end of file, then writes still work back. */
	RET("shutdown SHUT_WR", shutdown(c, SHUT_WR), 0);
	RET("the peer reads end of file", read(a, buf, sizeof(buf)), 0);
	RET("and again end of file", read(a, buf, sizeof(buf)), 0);
	RET("the half-closed side still receives", write(a, "back", 4), 4);
	RET("read it", read(c, buf, sizeof(buf)), 4);
	close(a);
	RET("after the peer closes, read gives end of file", read(c, buf, sizeof(buf)), 0);
	close(c);
	close(l);
}

static void tcp_errors(void)
{
	int port, l = listener(&port), s = socket(AF_INET, SOCK_STREAM, 0), v;
	struct sockaddr_in sa = loopback(port);
	socklen_t len;

	close(l); /* now nothing listens on port */
	ERR("connect to a closed port", connect(s, (void *)&sa, sizeof(sa)), ECONNREFUSED);
	close(s);

	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	RET("SOCK_NONBLOCK sets O_NONBLOCK", fcntl(s, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	int r = connect(s, (void *)&sa, sizeof(sa));
	check(r == 0 || errno == EINPROGRESS || errno == ECONNREFUSED,
	      "non-blocking connect: EINPROGRESS (or an immediate answer)", r, -1);
	if (r < 0 && errno == EINPROGRESS) {
		struct pollfd p = {s, POLLOUT, 0};
		RET("poll reports the outcome", poll(&p, 1, 5000), 1);
		check(p.revents & (POLLOUT | POLLERR), "POLLOUT or POLLERR", p.revents, POLLOUT);
	}
	v = -1;
	len = sizeof(v);
	RET("getsockopt SO_ERROR", getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	check(v == ECONNREFUSED || (r < 0 && errno == ECONNREFUSED),
	      "non-blocking connect to a closed port: ECONNREFUSED", v, ECONNREFUSED);
	len = sizeof(v);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	check(v == 0, "SO_ERROR is cleared once read", v, 0);
	close(s);

	char buf[8];
	s = socket(AF_INET, SOCK_STREAM, 0);
	ERR("read from an unconnected socket", read(s, buf, sizeof(buf)), ENOTCONN);
	ERR("getpeername of an unconnected socket",
	    getpeername(s, (void *)&sa, &(socklen_t){sizeof(sa)}), ENOTCONN);
	ERR("accept on a socket that does not listen", accept(s, NULL, NULL), EINVAL);
	ERR("bind with a short address", bind(s, (void *)&sa, 4), EINVAL);
	struct sockaddr_in bad = sa;
	bad.sin_family = AF_INET6;
	ERR("bind to another family", bind(s, (void *)&bad, sizeof(bad)), EAFNOSUPPORT);
	ERR("socket with a bad type", socket(AF_INET, 77, 0), EINVAL);
	ERR("sendto on a file", sendto(0, "x", 1, 0, NULL, 0), ENOTSOCK);
	ERR("recv on a closed fd", recv(999, buf, 1, 0), EBADF);
	ERR("getsockopt of an unknown option", getsockopt(s, SOL_SOCKET, 9999, &v, &len),
	    ENOPROTOOPT);
	close(s);

	/* Two listeners on one port: the second bind fails. */
	int l1 = listener(&port), l2 = socket(AF_INET, SOCK_STREAM, 0);
	sa = loopback(port);
	ERR("bind to a port in use", bind(l2, (void *)&sa, sizeof(sa)), EADDRINUSE);
	close(l1);
	close(l2);

	/* Writing to a connection the peer closed: EPIPE with MSG_NOSIGNAL. */
	l = listener(&port);
	sa = loopback(port);
	s = socket(AF_INET, SOCK_STREAM, 0);
	connect(s, (void *)&sa, sizeof(sa));
	int a = accept(l, NULL, NULL);
	close(a);
	usleep(100000);
	int got = 0;
	for (int i = 0; i < 50 && !got; i++) {
		if (send(s, "x", 1, MSG_NOSIGNAL) < 0)
			got = errno;
		usleep(20000);
	}
	check(got == EPIPE || got == ECONNRESET, "send to a closed peer: EPIPE or ECONNRESET", got,
	      EPIPE);
	close(s);
	close(l);
}

static void tcp_nonblocking_and_poll(void)
{
	int port, l = listener(&port), c = socket(AF_INET, SOCK_STREAM, 0), a, ep;
	struct sockaddr_in sa = loopback(port);
	char buf[64];
	struct pollfd p[2];

	fcntl(l, F_SETFL, O_NONBLOCK);
	ERR("accept with nothing pending (O_NONBLOCK)", accept(l, NULL, NULL), EAGAIN);
	p[0] = (struct pollfd){l, POLLIN, 0};
	RET("poll: a listener with nothing pending times out", poll(p, 1, 50), 0);
	connect(c, (void *)&sa, sizeof(sa));
	RET("poll: the listener becomes readable", poll(p, 1, 5000), 1);
	check(p[0].revents == POLLIN, "POLLIN on the listener", p[0].revents, POLLIN);
	a = accept(l, NULL, NULL);
	check(a >= 0, "accept after poll", a, 0);

	fcntl(a, F_SETFL, fcntl(a, F_GETFL) | O_NONBLOCK);
	ERR("read with no data (O_NONBLOCK)", read(a, buf, sizeof(buf)), EAGAIN);
	ERR("recv MSG_DONTWAIT on a blocking socket", recv(c, buf, 1, MSG_DONTWAIT), EAGAIN);
	p[0] = (struct pollfd){a, POLLIN | POLLOUT, 0};
	RET("poll: connected socket is writable", poll(p, 1, 1000), 1);
	check(p[0].revents == POLLOUT, "only POLLOUT", p[0].revents, POLLOUT);

	/* select across a pipe and a socket. */
	int pp[2];
	pipe(pp);
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(a, &rd);
	FD_SET(pp[0], &rd);
	struct timeval tv = {0, 50000};
	RET("select: nothing readable yet", select((a > pp[0] ? a : pp[0]) + 1, &rd, NULL, NULL, &tv),
	    0);
	write(c, "x", 1);
	FD_ZERO(&rd);
	FD_SET(a, &rd);
	FD_SET(pp[0], &rd);
	tv = (struct timeval){5, 0};
	RET("select: the socket is readable", select((a > pp[0] ? a : pp[0]) + 1, &rd, NULL, NULL, &tv),
	    1);
	check(FD_ISSET(a, &rd) && !FD_ISSET(pp[0], &rd), "select marks the socket only",
	      FD_ISSET(a, &rd), 1);
	read(a, buf, sizeof(buf));

	/* epoll: a socket and a pipe in one set; edge-triggered socket. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 7}, out[4];
	RET("epoll_ctl ADD a socket", epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev), 0);
	ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 9};
	RET("epoll_ctl ADD a pipe", epoll_ctl(ep, EPOLL_CTL_ADD, pp[0], &ev), 0);
	RET("epoll_wait: nothing yet", epoll_wait(ep, out, 4, 50), 0);
	pthread_t t;
	pthread_create(&t, NULL, late_writer, &c);
	RET("epoll_wait wakes for data from another thread", epoll_wait(ep, out, 4, 5000), 1);
	check(out[0].data.u64 == 7 && (out[0].events & EPOLLIN), "the socket's data and EPOLLIN",
	      (long)out[0].data.u64, 7);
	RET("EPOLLET: no second event for the same data", epoll_wait(ep, out, 4, 50), 0);
	pthread_join(t, NULL);
	RET("read the data", read(a, buf, sizeof(buf)), 4);
	write(pp[1], "p", 1);
	RET("epoll_wait: the pipe", epoll_wait(ep, out, 4, 1000), 1);
	check(out[0].data.u64 == 9, "the pipe's data", (long)out[0].data.u64, 9);
	close(ep);

	/* The peer closes: POLLIN (end of file) and POLLRDHUP. */
	close(c);
	p[0] = (struct pollfd){a, POLLIN | POLLRDHUP, 0};
	RET("poll after the peer closed", poll(p, 1, 5000), 1);
	check((p[0].revents & (POLLIN | POLLRDHUP)) == (POLLIN | POLLRDHUP), "POLLIN|POLLRDHUP",
	      p[0].revents, POLLIN | POLLRDHUP);
	RET("read: end of file", read(a, buf, sizeof(buf)), 0);
	close(a);
	close(l);
	close(pp[0]);
	close(pp[1]);
}

static void options(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), v, one = 1;
	socklen_t len = sizeof(v);
	struct timeval tv = {0, 200000}, got;

	RET("SO_REUSEADDR on", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	RET("getsockopt SO_REUSEADDR", getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
	check(v != 0, "SO_REUSEADDR reads back on", v, 1);
	RET("SO_KEEPALIVE on", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
	len = sizeof(v);
	getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len);
	check(v != 0, "SO_KEEPALIVE reads back on", v, 1);
	RET("TCP_NODELAY on", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	len = sizeof(v);
	getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len);
	check(v != 0, "TCP_NODELAY reads back on", v, 1);
	len = sizeof(v);
	RET("SO_TYPE", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	check(v == SOCK_STREAM && len == sizeof(int), "SO_TYPE is SOCK_STREAM", v, SOCK_STREAM);
	v = 65536;
	RET("SO_RCVBUF set", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	len = sizeof(v);
	getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len);
	check(v == 131072, "SO_RCVBUF reads back doubled, as on Linux", v, 131072);
	v = 65536;
	RET("SO_SNDBUF set", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	len = sizeof(v);
	getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len);
	check(v == 131072, "SO_SNDBUF reads back doubled", v, 131072);
	close(s);

	/* SO_RCVTIMEO: a read gives up with EAGAIN after the timeout. */
	int port, l = listener(&port), a;
	struct sockaddr_in sa = loopback(port);
	char buf[8];
	s = socket(AF_INET, SOCK_STREAM, 0);
	connect(s, (void *)&sa, sizeof(sa));
	a = accept(l, NULL, NULL);
	RET("SO_RCVTIMEO 200 ms", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	len = sizeof(got);
	getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len);
	check(got.tv_sec == 0 && got.tv_usec == 200000, "SO_RCVTIMEO reads back", got.tv_usec,
	      200000);
	long long t0 = now_ms();
	ERR("read times out", read(s, buf, sizeof(buf)), EAGAIN);
	check(now_ms() - t0 >= 190, "after at least the timeout", now_ms() - t0, 200);
	RET("SO_SNDTIMEO accepted", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	close(a);
	close(s);
	close(l);
}

static void udp(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0), v;
	struct sockaddr_in sa = loopback(0), from;
	socklen_t len = sizeof(sa);
	char buf[64];

	RET("bind a UDP socket", bind(a, (void *)&sa, sizeof(sa)), 0);
	getsockname(a, (void *)&sa, &len);
	check(sa.sin_port != 0, "it got a port", ntohs(sa.sin_port), 1);
	ERR("send without an address on an unconnected UDP socket", send(b, "x", 1, 0),
	    EDESTADDRREQ);
	RET("sendto 5 bytes", sendto(b, "hello", 5, 0, (void *)&sa, sizeof(sa)), 5);
	RET("sendto another 3", sendto(b, "abc", 3, 0, (void *)&sa, sizeof(sa)), 3);
	len = sizeof(from);
	RET("recvfrom: one datagram", recvfrom(a, buf, sizeof(buf), 0, (void *)&from, &len), 5);
	check(len == sizeof(from) && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "recvfrom gives the sender", len, sizeof(from));
	RET("a short buffer truncates the next datagram", recv(a, buf, 2, 0), 2);
	fcntl(a, F_SETFL, O_NONBLOCK);
	ERR("the rest of it is gone", recv(a, buf, sizeof(buf), 0), EAGAIN);

	/* Connected UDP: send and read, and a reply to the sender's port. */
	RET("connect a UDP socket", connect(b, (void *)&sa, sizeof(sa)), 0);
	RET("send on it", send(b, "conn", 4, 0), 4);
	struct pollfd p = {a, POLLIN, 0};
	RET("poll: the datagram is there", poll(&p, 1, 5000), 1);
	len = sizeof(from);
	RET("recvfrom", recvfrom(a, buf, sizeof(buf), 0, (void *)&from, &len), 4);
	RET("reply to the sender", sendto(a, "re", 2, 0, (void *)&from, len), 2);
	RET("the connected socket reads the reply", read(b, buf, sizeof(buf)), 2);
	RET("MSG_TRUNC reports the real length", (sendto(b, "0123456789", 10, 0, NULL, 0),
						  usleep(20000), recv(a, buf, 4, MSG_TRUNC)), 10);
	struct msghdr m = {0};
	struct iovec iov = {buf, 3};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	send(b, "abcdef", 6, 0);
	usleep(20000);
	RET("recvmsg of a long datagram into 3 bytes", recvmsg(a, &m, 0), 3);
	check(m.msg_flags & MSG_TRUNC, "recvmsg sets MSG_TRUNC", m.msg_flags, MSG_TRUNC);
	len = sizeof(v);
	RET("SO_TYPE of UDP", getsockopt(a, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	check(v == SOCK_DGRAM, "SOCK_DGRAM", v, SOCK_DGRAM);
	close(a);
	close(b);
}

/* Many connections at once through one epoll loop. */
static void many(void)
{
	enum { N = 64 };
	int port, l = listener(&port), c[N], a[N], ok = 0;
	struct sockaddr_in sa = loopback(port);

	for (int i = 0; i < N; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c[i], (void *)&sa, sizeof(sa)))
			break;
		a[i] = accept(l, NULL, NULL);
		char x = (char)i;
		write(c[i], &x, 1);
	}
	for (int i = 0; i < N; i++) {
		char x;
		if (read(a[i], &x, 1) == 1 && x == (char)i)
			ok++;
		close(a[i]);
		close(c[i]);
	}
	check(ok == N, "64 connections open at once, each carries its byte", ok, N);
	close(l);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* a hang still shows how far it got */
	signal(SIGPIPE, SIG_IGN);
	tcp_basics();
	tcp_errors();
	tcp_nonblocking_and_poll();
	options();
	udp();
	many();
	printf("%d checks, %d failed\n", checks, failed);
	return failed != 0;
}
