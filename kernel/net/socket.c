/* SPDX-License-Identifier: MIT */
/*
 * BSD sockets for AF_INET (TCP and UDP) on lwIP's netconn API, with Linux
 * semantics (DESIGN.md D6). A socket is a struct file in the one fd table:
 * read/write/close/fcntl/poll/epoll work on it as on any file.
 *
 * Blocking is lwIP's own (its mailboxes and semaphores block through the
 * scheduler); O_NONBLOCK is mirrored into the netconn before each call.
 * Readiness is computed from the netconn's state under the core lock (data
 * or a connection waiting in its mailbox, room in the send buffer, an error
 * pending), and lwIP's event callback wakes the socket's waitq, so poll,
 * select and epoll see sockets, pipes and files alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include "lwip/opt.h"
#include "lwip/api.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "file.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "polling.h"
#include "power.h"
#include "syscall.h"
#include "waitq.h"

struct sock {
	struct netconn *conn;
	struct file *file;
	int type; /* SOCK_STREAM or SOCK_DGRAM */
	struct waitq wq;
	/* TCP: the rest of a received pbuf not yet read. */
	struct pbuf *rx;
	size_t rx_off;
	/* UDP: a datagram kept by MSG_PEEK. */
	struct netbuf *rx_nb;
	bool rd_eof;	 /* end of stream seen, or SHUT_RD */
	bool wr_shut;	 /* SHUT_WR */
	bool listening;
	bool connecting; /* a non-blocking connect is under way */
	int so_error;	 /* a pending error (-errno as a positive errno) */
	int rcvbuf, sndbuf;
	struct sock *hnext; /* the conn -> sock table */
};

/* netconn -> sock, for lwIP's event callback. */
#define SOCK_HASH 256
static struct sock *sock_hash[SOCK_HASH];
static struct spinlock sock_hash_lock = SPINLOCK_INIT;

static unsigned hash_of(struct netconn *c)
{
	return (unsigned)(((uintptr_t)c >> 4) % SOCK_HASH);
}

static void hash_add(struct sock *s)
{
	unsigned h = hash_of(s->conn);

	spin_lock(&sock_hash_lock);
	s->hnext = sock_hash[h];
	sock_hash[h] = s;
	spin_unlock(&sock_hash_lock);
}

static void hash_del(struct sock *s)
{
	spin_lock(&sock_hash_lock);
	for (struct sock **pp = &sock_hash[hash_of(s->conn)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == s) {
			*pp = s->hnext;
			break;
		}
	}
	spin_unlock(&sock_hash_lock);
}

/* lwIP's callback (core lock held, any thread): something changed. The
 * mask is recomputed by whoever wakes; the sock stays valid because it
 * leaves the table before it is freed, under the same lock. */
static void sock_event(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
	(void)evt, (void)len;
	spin_lock(&sock_hash_lock);
	for (struct sock *s = sock_hash[hash_of(conn)]; s; s = s->hnext)
		if (s->conn == conn)
			waitq_wake_all(&s->wq);
	spin_unlock(&sock_hash_lock);
}

/* lwIP's errors as Linux errnos. */
static int errno_of(err_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
		return ENOMEM;
	case ERR_BUF:
		return ENOBUFS;
	case ERR_TIMEOUT:
	case ERR_WOULDBLOCK:
		return EAGAIN;
	case ERR_RTE:
		return EHOSTUNREACH;
	case ERR_INPROGRESS:
		return EINPROGRESS;
	case ERR_VAL:
	case ERR_ARG:
		return EINVAL;
	case ERR_USE:
		return EADDRINUSE;
	case ERR_ALREADY:
		return EALREADY;
	case ERR_ISCONN:
		return EISCONN;
	case ERR_CONN:
	case ERR_CLSD:
		return ENOTCONN;
	case ERR_ABRT:
		return ECONNABORTED;
	case ERR_RST:
		return ECONNRESET;
	default:
		return EIO;
	}
}

static void sync_nonblock(struct sock *s)
{
	netconn_set_nonblocking(s->conn, (s->file->flags & O_NONBLOCK) != 0);
}

/* Addresses ------------------------------------------------------------------ */

static int addr_in(uint64_t uaddr, uint64_t ulen, ip_addr_t *ip, u16_t *port)
{
	struct sockaddr_in sin;

	if (ulen < sizeof(sin))
		return -EINVAL;
	if (copy_from_user(&sin, uaddr, sizeof(sin)))
		return -EFAULT;
	if (sin.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	ip_addr_set_ip4_u32(ip, sin.sin_addr.s_addr);
	*port = lwip_ntohs(sin.sin_port);
	return 0;
}

/* Store an address the Linux way: truncated to *ulen, *ulen = its size. */
static int addr_out(uint64_t uaddr, uint64_t ulenp, const ip_addr_t *ip, u16_t port)
{
	struct sockaddr_in sin = {0};
	socklen_t len;

	if (!uaddr)
		return 0;
	if (copy_from_user(&len, ulenp, sizeof(len)))
		return -EFAULT;
	if ((int)len < 0)
		return -EINVAL;
	sin.sin_family = AF_INET;
	sin.sin_port = lwip_htons(port);
	sin.sin_addr.s_addr = ip ? ip_addr_get_ip4_u32(ip) : 0;
	if (copy_to_user(uaddr, &sin, MIN(len, sizeof(sin))))
		return -EFAULT;
	len = sizeof(sin);
	return copy_to_user(ulenp, &len, sizeof(len));
}

/* The socket file --------------------------------------------------------- */

static const struct file_ops sock_ops;

static struct sock *sock_of(struct file *f)
{
	return f->ops == &sock_ops ? f->priv : NULL;
}

static void sigpipe(void)
{
	if (!signal_ignored(SIGPIPE)) {
		kprintf("[hermit] write to a closed socket: SIGPIPE ends the app (status %d)\n",
			128 + SIGPIPE);
		power_exit(128 + SIGPIPE);
	}
}

/* Receive up to len bytes of a stream into app memory. */
static long sk_tcp_recv(struct sock *s, char *buf, size_t len, int flags)
{
	size_t done = 0;
	bool peek = flags & MSG_PEEK;
	size_t peek_off = s->rx_off;
	struct pbuf *peek_p = s->rx;

	if (s->listening)
		return -ENOTCONN;
	if (!s->rd_eof && !s->rx && s->conn->pcb.tcp && s->conn->pcb.tcp->state == CLOSED)
		return -ENOTCONN; /* never connected: nothing will ever come */
	if (!len)
		return 0;
	while (done < len) {
		struct pbuf *p = peek ? peek_p : s->rx;
		size_t off = peek ? peek_off : s->rx_off;

		if (!p) {
			err_t e;
			u8_t nb = (done && !(flags & MSG_WAITALL)) || (flags & MSG_DONTWAIT) ||
					  (s->file->flags & O_NONBLOCK)
				  ? NETCONN_DONTBLOCK
				  : 0;

			if (s->rd_eof || peek_p != s->rx)
				break;
			if (peek && done)
				break; /* peeking looks at one pbuf */
			netconn_set_nonblocking(s->conn, 0);
			e = netconn_recv_tcp_pbuf_flags(s->conn, &p, nb);
			if (e == ERR_CLSD) {
				s->rd_eof = true;
				break;
			}
			if (e != ERR_OK) {
				if (done)
					break;
				if (e == ERR_CONN && !s->conn->pcb.tcp)
					return 0; /* closed earlier */
				return -errno_of(e);
			}
			s->rx = peek_p = p;
			s->rx_off = peek_off = off = 0;
		}
		size_t n = MIN(len - done, (size_t)p->tot_len - off);
		pbuf_copy_partial(p, buf + done, (u16_t)n, (u16_t)off);
		done += n;
		if (peek) {
			peek_off += n;
			if (peek_off == p->tot_len)
				break;
			continue;
		}
		s->rx_off += n;
		if (s->rx_off == p->tot_len) {
			pbuf_free(p);
			s->rx = NULL;
			s->rx_off = 0;
		}
	}
	return (long)done;
}

/* One datagram: up to len bytes of it (the rest is lost, MSG_TRUNC),
 * its sender in *from. */
static long sk_udp_recv(struct sock *s, char *buf, size_t len, int flags, ip_addr_t *from,
		     u16_t *fport, bool *trunc)
{
	struct netbuf *nb = s->rx_nb;
	size_t n;
	long r;

	if (!nb) {
		err_t e;

		netconn_set_nonblocking(s->conn, 0);
		e = netconn_recv_udp_raw_netbuf_flags(
			s->conn, &nb,
			(flags & MSG_DONTWAIT) || (s->file->flags & O_NONBLOCK) ? NETCONN_DONTBLOCK : 0);
		if (e != ERR_OK)
			return -errno_of(e);
	}
	n = MIN(len, (size_t)netbuf_len(nb));
	netbuf_copy(nb, buf, (u16_t)n);
	if (from)
		ip_addr_copy(*from, *netbuf_fromaddr(nb));
	if (fport)
		*fport = netbuf_fromport(nb);
	*trunc = n < netbuf_len(nb);
	r = (long)((flags & MSG_TRUNC) ? netbuf_len(nb) : n);
	if (flags & MSG_PEEK) {
		s->rx_nb = nb;
	} else {
		s->rx_nb = NULL;
		netbuf_delete(nb);
	}
	return r;
}

/* Send a gathered buffer on a stream: lwIP takes it as one write (one
 * segment when it fits). */
static long sk_tcp_sendv(struct sock *s, const struct iovec *iov, int cnt, int flags)
{
	struct netvector vec[64];
	size_t written = 0, total = 0;
	u8_t f = NETCONN_COPY;
	err_t e;
	int n = 0;

	for (int i = 0; i < cnt && n < (int)ARRAY_SIZE(vec); i++) {
		if (!iov[i].iov_len)
			continue;
		vec[n].ptr = iov[i].iov_base;
		vec[n++].len = iov[i].iov_len;
		total += iov[i].iov_len;
	}
	if (s->wr_shut || (s->rd_eof && !s->conn->pcb.tcp)) {
		if (!(flags & MSG_NOSIGNAL))
			sigpipe();
		return -EPIPE;
	}
	if (!total)
		return 0;
	if ((flags & MSG_DONTWAIT) || (s->file->flags & O_NONBLOCK))
		f |= NETCONN_DONTBLOCK;
	if (flags & MSG_MORE)
		f |= NETCONN_MORE;
	netconn_set_nonblocking(s->conn, 0);
	e = netconn_write_vectors_partly(s->conn, vec, (u16_t)n, f, &written);
	if (written)
		return (long)written;
	if (e == ERR_OK)
		return 0;
	if (e == ERR_CONN || e == ERR_CLSD || e == ERR_RST || e == ERR_ABRT) {
		if (!(flags & MSG_NOSIGNAL))
			sigpipe();
		return e == ERR_RST ? -ECONNRESET : -EPIPE;
	}
	return -errno_of(e);
}

static long sk_tcp_send(struct sock *s, const char *buf, size_t len, int flags)
{
	struct iovec iov = {(void *)buf, len};

	return sk_tcp_sendv(s, &iov, 1, flags);
}

/* One datagram from gathered pieces, to an address or the connected one. */
static long sk_udp_sendv(struct sock *s, const struct iovec *iov, int cnt, const ip_addr_t *to,
			 u16_t port)
{
	struct netbuf *nb;
	size_t len = 0, off = 0;
	err_t e;

	for (int i = 0; i < cnt; i++)
		len += iov[i].iov_len;
	if (len > 65507)
		return -EMSGSIZE;
	if (s->wr_shut)
		return -EPIPE;
	if (!to && !(s->conn->pcb.udp && (s->conn->pcb.udp->flags & UDP_FLAGS_CONNECTED)))
		return -EDESTADDRREQ;
	if (!(nb = netbuf_new()))
		return -ENOMEM;
	if (!netbuf_alloc(nb, (u16_t)len)) {
		netbuf_delete(nb);
		return -ENOMEM;
	}
	for (int i = 0; i < cnt; i++) {
		pbuf_take_at(nb->p, iov[i].iov_base, (u16_t)iov[i].iov_len, (u16_t)off);
		off += iov[i].iov_len;
	}
	e = to ? netconn_sendto(s->conn, nb, to, port) : netconn_send(s->conn, nb);
	netbuf_delete(nb);
	return e == ERR_OK ? (long)len : -errno_of(e);
}

static long sk_udp_send(struct sock *s, const char *buf, size_t len, const ip_addr_t *to, u16_t port)
{
	struct iovec iov = {(void *)buf, len};

	return sk_udp_sendv(s, &iov, 1, to, port);
}

static long sock_read(struct file *f, char *buf, size_t len)
{
	struct sock *s = f->priv;
	bool trunc;

	if (s->type == SOCK_STREAM)
		return sk_tcp_recv(s, buf, len, 0);
	return sk_udp_recv(s, buf, len, 0, NULL, NULL, &trunc);
}

static long sock_write(struct file *f, const char *buf, size_t len)
{
	struct sock *s = f->priv;

	if (s->type == SOCK_STREAM)
		return sk_tcp_send(s, buf, len, 0);
	return sk_udp_send(s, buf, len, NULL, 0);
}

static long sock_writev(struct file *f, const struct iovec *iov, int cnt)
{
	struct sock *s = f->priv;

	if (s->type == SOCK_STREAM)
		return sk_tcp_sendv(s, iov, cnt, 0);
	return sk_udp_sendv(s, iov, cnt, NULL, 0);
}

static long sock_stat(struct file *f, struct stat *st)
{
	kmemset(st, 0, sizeof(*st));
	st->st_mode = S_IFSOCK | 0777;
	st->st_blksize = 4096;
	return 0;
}

/* Bytes that a read would return now (FIONREAD). */
static int readable_bytes(struct sock *s)
{
	int n = s->rx ? (int)(s->rx->tot_len - s->rx_off) : 0;

	if (s->type == SOCK_DGRAM && s->rx_nb)
		return netbuf_len(s->rx_nb);
#if LWIP_SO_RCVBUF
	n += s->conn->recv_avail;
#endif
	return n;
}

static long sock_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct sock *s = f->priv;
	int v;

	switch (req) {
	case FIONREAD:
		v = readable_bytes(s);
		return copy_to_user(arg, &v, sizeof(v));
	case FIONBIO:
		if (copy_from_user(&v, arg, sizeof(v)))
			return -EFAULT;
		f->flags = v ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
		return 0;
	default:
		return -ENOTTY;
	}
}

/* The readiness mask, under the core lock (the pcb may change meanwhile). */
static unsigned sock_mask(struct sock *s)
{
	struct netconn *c = s->conn;
	unsigned m = 0;

	LOCK_TCPIP_CORE();
	if (s->rx || s->rx_nb || sys_mbox_count(&c->recvmbox) || s->rd_eof ||
	    (s->type == SOCK_STREAM && !s->listening && !s->connecting &&
	     !sys_mbox_valid(&c->recvmbox)))
		m |= POLLIN | POLLRDNORM;
	if (s->listening && sys_mbox_count(&c->acceptmbox))
		m |= POLLIN | POLLRDNORM;
	if (s->type == SOCK_DGRAM) {
		m |= POLLOUT | POLLWRNORM;
	} else if (c->pcb.tcp) {
		struct tcp_pcb *p = c->pcb.tcp;

		if (!s->listening && (p->state == ESTABLISHED || p->state == CLOSE_WAIT)) {
			if (!s->wr_shut && tcp_sndbuf(p) > TCP_SNDLOWAT / 2 &&
			    tcp_sndqueuelen(p) < TCP_SNDQUEUELOWAT)
				m |= POLLOUT | POLLWRNORM;
		}
		if (p->state == CLOSE_WAIT)
			m |= POLLRDHUP;
	} else if (!s->listening && (s->connecting || s->rd_eof || c->pending_err != ERR_OK ||
				    !sys_mbox_valid(&c->recvmbox))) {
		/* The connection is gone (reset, refused, closed): Linux says
		 * readable, writable, hung up, and an error if one is pending. */
		m |= POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP | POLLRDHUP;
	}
	if (c->pending_err != ERR_OK || s->so_error)
		m |= POLLERR;
	if (s->rd_eof)
		m |= POLLRDHUP;
	if (s->rd_eof && s->wr_shut)
		m |= POLLHUP;
	UNLOCK_TCPIP_CORE();
	return m;
}

static unsigned sock_poll(struct file *f, struct poll_table *pt)
{
	struct sock *s = f->priv;

	poll_wait(pt, &s->wq);
	return sock_mask(s);
}

static void sock_release(struct file *f)
{
	struct sock *s = f->priv;

	hash_del(s);
	if (s->rx)
		pbuf_free(s->rx);
	if (s->rx_nb)
		netbuf_delete(s->rx_nb);
	netconn_delete(s->conn);
	kfree(s);
}

static const struct file_ops sock_ops = {
	.read = sock_read,
	.write = sock_write,
	.writev = sock_writev,
	.stat = sock_stat,
	.ioctl = sock_ioctl,
	.poll = sock_poll,
	.release = sock_release,
};

/* A socket file for conn, installed as an fd. */
static long sock_install(struct netconn *conn, int type, int flags)
{
	struct sock *s = kzalloc(sizeof(*s));
	long fd;

	if (!s)
		return -ENOMEM;
	s->conn = conn;
	s->type = type;
	s->rcvbuf = RECV_BUFSIZE_DEFAULT;
	s->sndbuf = TCP_SND_BUF;
	s->file = file_new(&sock_ops, O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0), s);
	if (!s->file) {
		kfree(s);
		return -ENOMEM;
	}
	hash_add(s);
	fd = fd_install(s->file, 0, flags & SOCK_CLOEXEC);
	file_put(s->file);
	return fd;
}

/* The sock behind fd with a file reference in *fp; or NULL with -errno. */
static struct sock *sock_get(uint64_t fd, struct file **fp, long *err)
{
	struct file *f = fd_get((int)fd);

	*err = -EBADF;
	if (!f)
		return NULL;
	if (!sock_of(f)) {
		file_put(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	*fp = f;
	return f->priv;
}

#define WITH_SOCK(fd, s, expr)                          \
	({                                              \
		struct file *f_;                        \
		long r_;                                \
		struct sock *s = sock_get(fd, &f_, &r_); \
		if (s) {                                \
			r_ = (expr);                    \
			file_put(f_);                   \
		}                                       \
		r_;                                     \
	})

/* System calls -------------------------------------------------------------- */

SYSCALL(socket)
{
	int domain = (int)arg[0], type = (int)arg[1] & 0xf, flags = (int)arg[1] & ~0xf;
	int proto = (int)arg[2];
	struct netconn *c;
	long fd;

	if (domain != AF_INET)
		return -EAFNOSUPPORT;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (type == SOCK_STREAM && (proto == 0 || proto == IPPROTO_TCP))
		c = netconn_new_with_callback(NETCONN_TCP, sock_event);
	else if (type == SOCK_DGRAM && (proto == 0 || proto == IPPROTO_UDP))
		c = netconn_new_with_callback(NETCONN_UDP, sock_event);
	else if (type == SOCK_STREAM || type == SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	else
		return -ESOCKTNOSUPPORT;
	if (!c)
		return -ENOBUFS;
	fd = sock_install(c, type, flags);
	if (fd < 0)
		netconn_delete(c);
	return fd;
}

SYSCALL(socketpair)
{
	return arg[0] == AF_INET ? -EOPNOTSUPP : -EAFNOSUPPORT;
}

static long do_bind(struct sock *s, uint64_t uaddr, uint64_t len)
{
	ip_addr_t ip;
	u16_t port;
	long r = addr_in(uaddr, len, &ip, &port);

	if (r)
		return r;
	return -errno_of(netconn_bind(s->conn, &ip, port));
}

SYSCALL(bind)
{
	return WITH_SOCK(arg[0], s, do_bind(s, arg[1], arg[2]));
}

static long do_listen(struct sock *s, int backlog)
{
	err_t e;

	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (backlog <= 0 || backlog > 255)
		backlog = backlog <= 0 ? 1 : 255;
	e = netconn_listen_with_backlog(s->conn, (u8_t)backlog);
	if (e == ERR_OK)
		s->listening = true;
	return -errno_of(e);
}

SYSCALL(listen)
{
	return WITH_SOCK(arg[0], s, do_listen(s, (int)arg[1]));
}

static long do_accept(struct sock *s, uint64_t uaddr, uint64_t ulen, int flags)
{
	struct netconn *nc;
	ip_addr_t ip;
	u16_t port = 0;
	err_t e;
	long fd;

	if (!s->listening)
		return -EINVAL;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	sync_nonblock(s);
	e = netconn_accept(s->conn, &nc);
	if (e != ERR_OK)
		return e == ERR_WOULDBLOCK ? -EAGAIN : -errno_of(e);
	netconn_peer(nc, &ip, &port);
	fd = sock_install(nc, SOCK_STREAM, flags);
	if (fd < 0) {
		netconn_delete(nc);
		return fd;
	}
	if (uaddr && addr_out(uaddr, ulen, &ip, port)) {
		fd_close((int)fd);
		return -EFAULT;
	}
	return fd;
}

SYSCALL(accept)
{
	return WITH_SOCK(arg[0], s, do_accept(s, arg[1], arg[2], 0));
}

SYSCALL(accept4)
{
	return WITH_SOCK(arg[0], s, do_accept(s, arg[1], arg[2], (int)arg[3]));
}

static long do_connect(struct sock *s, uint64_t uaddr, uint64_t len)
{
	ip_addr_t ip;
	u16_t port;
	long r;
	err_t e;

	if (s->type == SOCK_DGRAM) {
		struct sockaddr sa;

		/* AF_UNSPEC dissolves a UDP association. */
		if (len >= sizeof(sa.sa_family) && !copy_from_user(&sa, uaddr, sizeof(sa.sa_family)) &&
		    sa.sa_family == AF_UNSPEC)
			return -errno_of(netconn_disconnect(s->conn));
		if ((r = addr_in(uaddr, len, &ip, &port)))
			return r;
		return -errno_of(netconn_connect(s->conn, &ip, port));
	}
	if ((r = addr_in(uaddr, len, &ip, &port)))
		return r;
	if (s->listening)
		return -EISCONN;
	if (s->connecting)
		return -EALREADY;
	if (s->conn->pcb.tcp && s->conn->pcb.tcp->state == ESTABLISHED)
		return -EISCONN;
	sync_nonblock(s);
	e = netconn_connect(s->conn, &ip, port);
	netconn_set_nonblocking(s->conn, 0);
	if (e == ERR_INPROGRESS) {
		s->connecting = true;
		return -EINPROGRESS;
	}
	if (e == ERR_RST || e == ERR_ABRT)
		return -ECONNREFUSED;
	if (e == ERR_TIMEOUT)
		return -ETIMEDOUT;
	return -errno_of(e);
}

SYSCALL(connect)
{
	return WITH_SOCK(arg[0], s, do_connect(s, arg[1], arg[2]));
}

/* A non-blocking connect's outcome, once known: 0 or an errno. */
static int connect_result(struct sock *s)
{
	err_t e;

	if (!s->connecting)
		return 0;
	LOCK_TCPIP_CORE();
	if (s->conn->state == NETCONN_CONNECT) {
		UNLOCK_TCPIP_CORE();
		return 0; /* still under way */
	}
	e = s->conn->pending_err;
	s->conn->pending_err = ERR_OK;
	s->connecting = false;
	UNLOCK_TCPIP_CORE();
	if (e == ERR_RST || e == ERR_ABRT || (e == ERR_OK && !s->conn->pcb.tcp))
		return ECONNREFUSED;
	if (e == ERR_TIMEOUT)
		return ETIMEDOUT;
	return errno_of(e);
}

static long do_sendto(struct sock *s, uint64_t buf, size_t len, int flags, uint64_t uaddr,
		      uint64_t alen)
{
	ip_addr_t ip;
	u16_t port;
	long r;

	if (!vm_user_ok(buf, len, false))
		return -EFAULT;
	if (s->type == SOCK_STREAM) {
		if (uaddr && !s->conn->pcb.tcp)
			return -EOPNOTSUPP;
		if (s->connecting && connect_result(s) == 0 && s->connecting)
			return -EAGAIN;
		return sk_tcp_send(s, (const char *)buf, len, flags);
	}
	if (uaddr) {
		if ((r = addr_in(uaddr, alen, &ip, &port)))
			return r;
		return sk_udp_send(s, (const char *)buf, len, &ip, port);
	}
	return sk_udp_send(s, (const char *)buf, len, NULL, 0);
}

SYSCALL(sendto)
{
	return WITH_SOCK(arg[0], s, do_sendto(s, arg[1], arg[2], (int)arg[3], arg[4], arg[5]));
}

static long do_recvfrom(struct sock *s, uint64_t buf, size_t len, int flags, uint64_t uaddr,
			uint64_t ulen, int *msg_flags)
{
	ip_addr_t from;
	u16_t port = 0;
	bool trunc = false;
	long r;

	if (!vm_user_ok(buf, len, true))
		return -EFAULT;
	if (s->type == SOCK_STREAM) {
		r = sk_tcp_recv(s, (char *)buf, len, flags);
		if (r >= 0 && uaddr) {
			netconn_peer(s->conn, &from, &port);
			addr_out(uaddr, ulen, &from, port);
		}
		return r;
	}
	r = sk_udp_recv(s, (char *)buf, len, flags, &from, &port, &trunc);
	if (r >= 0 && uaddr && addr_out(uaddr, ulen, &from, port))
		return -EFAULT;
	if (msg_flags)
		*msg_flags = trunc ? MSG_TRUNC : 0;
	return r;
}

SYSCALL(recvfrom)
{
	return WITH_SOCK(arg[0], s,
			 do_recvfrom(s, arg[1], arg[2], (int)arg[3], arg[4], arg[5], NULL));
}

/* sendmsg/recvmsg: the iovecs one by one (a stream), or gathered into one
 * datagram. */
#define IOV_MAX_ 1024

static long read_msghdr(uint64_t umsg, struct msghdr *m, struct iovec **iov)
{
	if (copy_from_user(m, umsg, sizeof(*m)))
		return -EFAULT;
	if ((size_t)m->msg_iovlen > IOV_MAX_)
		return -EMSGSIZE;
	if (!(*iov = kmalloc(sizeof(**iov) * ((size_t)m->msg_iovlen ? (size_t)m->msg_iovlen : 1))))
		return -ENOMEM;
	if (copy_from_user(*iov, (uint64_t)m->msg_iov, sizeof(**iov) * (size_t)m->msg_iovlen)) {
		kfree(*iov);
		return -EFAULT;
	}
	return 0;
}

static long do_sendmsg(struct sock *s, uint64_t umsg, int flags)
{
	struct msghdr m;
	struct iovec *iov;
	long r = read_msghdr(umsg, &m, &iov);
	ip_addr_t ip;
	u16_t port = 0;

	if (r)
		return r;
	for (size_t i = 0; i < (size_t)m.msg_iovlen && !r; i++)
		if (!vm_user_ok((uint64_t)iov[i].iov_base, iov[i].iov_len, false))
			r = -EFAULT;
	if (!r && s->type == SOCK_DGRAM) {
		if (m.msg_name)
			r = addr_in((uint64_t)m.msg_name, m.msg_namelen, &ip, &port);
		if (!r)
			r = sk_udp_sendv(s, iov, (int)m.msg_iovlen, m.msg_name ? &ip : NULL, port);
	} else if (!r) {
		r = sk_tcp_sendv(s, iov, (int)m.msg_iovlen, flags);
	}
	kfree(iov);
	return r;
}

SYSCALL(sendmsg)
{
	return WITH_SOCK(arg[0], s, do_sendmsg(s, arg[1], (int)arg[2]));
}

static long do_recvmsg(struct sock *s, uint64_t umsg, int flags)
{
	struct msghdr m;
	struct iovec *iov;
	long r = read_msghdr(umsg, &m, &iov), total = 0;
	int mflags = 0;

	if (r)
		return r;
	if (s->type == SOCK_DGRAM) {
		/* One datagram, scattered. */
		size_t len = 0, off = 0;
		char *buf;
		socklen_t nl = m.msg_namelen;

		for (size_t i = 0; i < (size_t)m.msg_iovlen; i++)
			len += iov[i].iov_len;
		if (!(buf = kmalloc(len ? len : 1))) {
			kfree(iov);
			return -ENOMEM;
		}
		{
			ip_addr_t from;
			u16_t port = 0;
			bool trunc = false;

			r = sk_udp_recv(s, buf, len, flags, &from, &port, &trunc);
			if (r >= 0) {
				size_t got = MIN((size_t)r, len);

				for (size_t i = 0; i < (size_t)m.msg_iovlen && off < got; i++) {
					size_t n = MIN(iov[i].iov_len, got - off);
					if (copy_to_user((uint64_t)iov[i].iov_base, buf + off, n))
						r = -EFAULT;
					off += n;
				}
				mflags = trunc ? MSG_TRUNC : 0;
				if (m.msg_name) {
					struct sockaddr_in sin = {.sin_family = AF_INET,
								  .sin_port = lwip_htons(port),
								  .sin_addr.s_addr =
									  ip_addr_get_ip4_u32(&from)};
					if (copy_to_user((uint64_t)m.msg_name, &sin,
							 MIN(nl, sizeof(sin))))
						r = -EFAULT;
					nl = sizeof(sin);
				}
			}
		}
		kfree(buf);
		kfree(iov);
		if (r >= 0) {
			struct msghdr out = m;
			out.msg_namelen = nl;
			out.msg_controllen = 0;
			out.msg_flags = mflags;
			if (copy_to_user(umsg, &out, sizeof(out)))
				return -EFAULT;
		}
		return r;
	}
	for (size_t i = 0; i < (size_t)m.msg_iovlen; i++) {
		if (!iov[i].iov_len)
			continue;
		r = do_recvfrom(s, (uint64_t)iov[i].iov_base, iov[i].iov_len, flags, 0, 0, NULL);
		if (r < 0)
			break;
		total += r;
		if ((size_t)r < iov[i].iov_len)
			break;
		flags |= MSG_DONTWAIT;
	}
	kfree(iov);
	if (total || r >= 0) {
		struct msghdr out = m;
		out.msg_namelen = 0;
		out.msg_controllen = 0;
		out.msg_flags = 0;
		if (copy_to_user(umsg, &out, sizeof(out)))
			return -EFAULT;
		return total;
	}
	return r;
}

SYSCALL(recvmsg)
{
	return WITH_SOCK(arg[0], s, do_recvmsg(s, arg[1], (int)arg[2]));
}

static long do_shutdown(struct sock *s, int how)
{
	bool rd = how == SHUT_RD || how == SHUT_RDWR, wr = how == SHUT_WR || how == SHUT_RDWR;
	err_t e;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (s->type == SOCK_STREAM && (!s->conn->pcb.tcp || s->listening ||
				       s->conn->pcb.tcp->state < ESTABLISHED))
		return s->listening && rd ? 0 : -ENOTCONN;
	if (s->type == SOCK_DGRAM) {
		s->rd_eof |= rd;
		s->wr_shut |= wr;
		waitq_wake_all(&s->wq);
		return 0;
	}
	e = netconn_shutdown(s->conn, rd, wr);
	if (e == ERR_OK) {
		s->rd_eof |= rd;
		s->wr_shut |= wr;
		waitq_wake_all(&s->wq);
	}
	return -errno_of(e);
}

SYSCALL(shutdown)
{
	return WITH_SOCK(arg[0], s, do_shutdown(s, (int)arg[1]));
}

static long do_getname(struct sock *s, uint64_t uaddr, uint64_t ulen, bool peer)
{
	ip_addr_t ip;
	u16_t port;
	err_t e = netconn_getaddr(s->conn, &ip, &port, peer ? 0 : 1);

	if (e != ERR_OK) {
		if (peer)
			return -ENOTCONN;
		ip_addr_set_zero(&ip);
		port = 0;
	}
	return addr_out(uaddr, ulen, &ip, port);
}

SYSCALL(getsockname)
{
	return WITH_SOCK(arg[0], s, do_getname(s, arg[1], arg[2], false));
}

SYSCALL(getpeername)
{
	return WITH_SOCK(arg[0], s, do_getname(s, arg[1], arg[2], true));
}

/* Socket options ---------------------------------------------------------- */

static long get_timeval(uint64_t uval, uint64_t len, int *ms)
{
	struct timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	if (copy_from_user(&tv, uval, sizeof(tv)))
		return -EFAULT;
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec > 2000000)
		tv.tv_sec = 2000000;
	*ms = (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
	return 0;
}

static void ip_flag(struct sock *s, u8_t flag, bool on)
{
	LOCK_TCPIP_CORE();
	if (s->conn->pcb.ip) {
		if (on)
			ip_set_option(s->conn->pcb.ip, flag);
		else
			ip_reset_option(s->conn->pcb.ip, flag);
	}
	UNLOCK_TCPIP_CORE();
}

static long do_setsockopt(struct sock *s, int level, int name, uint64_t uval, uint64_t len)
{
	int v = 0, ms;
	long r;

	if (name != SO_RCVTIMEO && name != SO_SNDTIMEO && name != SO_LINGER) {
		if (len < sizeof(int))
			return -EINVAL;
		if (copy_from_user(&v, uval, sizeof(v)))
			return -EFAULT;
	}
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
		case SO_REUSEPORT:
			ip_flag(s, SOF_REUSEADDR, v);
			return 0;
		case SO_KEEPALIVE:
			ip_flag(s, SOF_KEEPALIVE, v);
			return 0;
		case SO_BROADCAST:
			ip_flag(s, SOF_BROADCAST, v);
			return 0;
		case SO_RCVTIMEO:
			if ((r = get_timeval(uval, len, &ms)))
				return r;
			netconn_set_recvtimeout(s->conn, ms);
			return 0;
		case SO_SNDTIMEO:
			if ((r = get_timeval(uval, len, &ms)))
				return r;
			netconn_set_sendtimeout(s->conn, ms);
			return 0;
		case SO_RCVBUF:
			s->rcvbuf = v < 256 ? 256 : v;
			netconn_set_recvbufsize(s->conn, s->rcvbuf * 2);
			return 0;
		case SO_SNDBUF:
			s->sndbuf = v < 2048 ? 2048 : v;
			return 0;
		case SO_LINGER:
			return 0; /* close returns at once; the stack finishes sending */
		default:
			return -ENOPROTOOPT;
		}
	}
	if (level == IPPROTO_TCP && s->type == SOCK_STREAM) {
		struct tcp_pcb *p;

		LOCK_TCPIP_CORE();
		p = s->conn->pcb.tcp;
		r = 0;
		switch (name) {
		case TCP_NODELAY:
			if (p) {
				if (v)
					tcp_nagle_disable(p);
				else
					tcp_nagle_enable(p);
			}
			break;
		case TCP_KEEPIDLE:
			if (p)
				p->keep_idle = (u32_t)v * 1000;
			break;
		case TCP_KEEPINTVL:
			if (p)
				p->keep_intvl = (u32_t)v * 1000;
			break;
		case TCP_KEEPCNT:
			if (p)
				p->keep_cnt = (u32_t)v;
			break;
		default:
			r = -ENOPROTOOPT;
		}
		UNLOCK_TCPIP_CORE();
		return r;
	}
	if (level == IPPROTO_IP && (name == IP_TOS || name == IP_TTL)) {
		LOCK_TCPIP_CORE();
		if (s->conn->pcb.ip) {
			if (name == IP_TOS)
				s->conn->pcb.ip->tos = (u8_t)v;
			else
				s->conn->pcb.ip->ttl = (u8_t)v;
		}
		UNLOCK_TCPIP_CORE();
		return 0;
	}
	return -ENOPROTOOPT;
}

SYSCALL(setsockopt)
{
	return WITH_SOCK(arg[0], s, do_setsockopt(s, (int)arg[1], (int)arg[2], arg[3], arg[4]));
}

static long put_opt(uint64_t uval, uint64_t ulenp, const void *v, socklen_t size)
{
	socklen_t len;

	if (copy_from_user(&len, ulenp, sizeof(len)))
		return -EFAULT;
	if ((int)len < 0)
		return -EINVAL;
	len = MIN(len, size);
	if (copy_to_user(uval, v, len) || copy_to_user(ulenp, &len, sizeof(len)))
		return -EFAULT;
	return 0;
}

static bool ip_flag_on(struct sock *s, u8_t flag)
{
	bool on;

	LOCK_TCPIP_CORE();
	on = s->conn->pcb.ip && ip_get_option(s->conn->pcb.ip, flag);
	UNLOCK_TCPIP_CORE();
	return on;
}

static long do_getsockopt(struct sock *s, int level, int name, uint64_t uval, uint64_t ulenp)
{
	int v;

	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_ERROR:
			v = s->so_error;
			s->so_error = 0;
			if (!v && s->connecting)
				v = connect_result(s);
			if (!v) {
				err_t e = netconn_err(s->conn);
				v = e == ERR_RST && s->type == SOCK_STREAM ? ECONNRESET : errno_of(e);
			}
			break;
		case SO_TYPE:
			v = s->type;
			break;
		case SO_DOMAIN:
			v = AF_INET;
			break;
		case SO_PROTOCOL:
			v = s->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
			break;
		case SO_ACCEPTCONN:
			v = s->listening;
			break;
		case SO_REUSEADDR:
			v = ip_flag_on(s, SOF_REUSEADDR);
			break;
		case SO_KEEPALIVE:
			v = ip_flag_on(s, SOF_KEEPALIVE);
			break;
		case SO_BROADCAST:
			v = ip_flag_on(s, SOF_BROADCAST);
			break;
		case SO_RCVBUF:
			v = s->rcvbuf * 2; /* Linux reports the doubled size */
			break;
		case SO_SNDBUF:
			v = s->sndbuf * 2;
			break;
		case SO_RCVTIMEO:
		case SO_SNDTIMEO: {
			int ms = name == SO_RCVTIMEO ? (int)s->conn->recv_timeout
						     : (int)s->conn->send_timeout;
			struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
			return put_opt(uval, ulenp, &tv, sizeof(tv));
		}
		case SO_LINGER: {
			struct linger l = {0, 0};
			return put_opt(uval, ulenp, &l, sizeof(l));
		}
		default:
			return -ENOPROTOOPT;
		}
		return put_opt(uval, ulenp, &v, sizeof(v));
	}
	if (level == IPPROTO_TCP && s->type == SOCK_STREAM) {
		struct tcp_pcb *p;

		LOCK_TCPIP_CORE();
		p = s->conn->pcb.tcp;
		switch (name) {
		case TCP_NODELAY:
			v = p ? tcp_nagle_disabled(p) != 0 : 0;
			break;
		case TCP_MAXSEG:
			v = p ? p->mss : TCP_MSS;
			break;
		case TCP_KEEPIDLE:
			v = p ? (int)(p->keep_idle / 1000) : 7200;
			break;
		case TCP_KEEPINTVL:
			v = p ? (int)(p->keep_intvl / 1000) : 75;
			break;
		case TCP_KEEPCNT:
			v = p ? (int)p->keep_cnt : 9;
			break;
		default:
			UNLOCK_TCPIP_CORE();
			return -ENOPROTOOPT;
		}
		UNLOCK_TCPIP_CORE();
		return put_opt(uval, ulenp, &v, sizeof(v));
	}
	return -ENOPROTOOPT;
}

SYSCALL(getsockopt)
{
	return WITH_SOCK(arg[0], s, do_getsockopt(s, (int)arg[1], (int)arg[2], arg[3], arg[4]));
}
