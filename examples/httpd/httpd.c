/*
 * httpd: the hermit-c web server example (Hermit's httpd on port 9975). A
 * small HTTP/1.1 server: persistent connections (keep-alive, pipelined
 * requests), many clients at once on one epoll loop with non-blocking
 * sockets, GET and HEAD of a built-in page at / and of the files in its
 * working directory (a virtio-fs or uhyve host directory, or the RAM fs).
 *
 *   httpd [-v] [PORT]     -v: one log line per request
 *
 * Bad requests get 400 and the connection is closed; a client that goes
 * away mid-transfer costs the server nothing but that connection.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT 9975
#define REQ_MAX	     8192  /* request line + headers */
#define OUT_MAX	     65536 /* response buffer per connection */
#define MAX_EVENTS   64

struct conn {
	int fd;
	char in[REQ_MAX];
	size_t in_len;
	char *out; /* pending response bytes */
	size_t out_len, out_off;
	int file;	   /* a file being sent after out, or -1 */
	off_t file_off, file_end;
	int keep_alive;	   /* after this response */
	int close_after;   /* close once out and file are sent */
	unsigned armed;	   /* the epoll events asked for now */
};

static int verbose, ep;
static unsigned long requests, connections;
static char hostname[64] = "hermit";
static time_t started;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void conn_close(struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->file >= 0)
		close(c->file);
	free(c->out);
	free(c);
}

/* Append to the connection's response buffer (never more than OUT_MAX:
 * headers and the built-in page are small; files go through c->file). */
static void out_add(struct conn *c, const char *data, size_t len)
{
	if (c->out_len + len > OUT_MAX)
		len = OUT_MAX - c->out_len;
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
}

static void out_printf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->out + c->out_len, OUT_MAX - c->out_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->out_len += (size_t)n < OUT_MAX - c->out_len ? (size_t)n : OUT_MAX - c->out_len - 1;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

static void header(struct conn *c, int status, const char *type, long long length)
{
	out_printf(c,
		   "HTTP/1.1 %d %s\r\nServer: hermit-c httpd\r\nContent-Type: %s\r\n"
		   "Content-Length: %lld\r\nConnection: %s\r\n\r\n",
		   status, reason(status), type, length, c->keep_alive ? "keep-alive" : "close");
}

/* A response with a body held in memory. */
static void respond(struct conn *c, int status, const char *type, const char *body, size_t len,
		    int head)
{
	header(c, status, type, (long long)len);
	if (!head)
		out_add(c, body, len);
}

static void error_page(struct conn *c, int status, int head)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));

	respond(c, status, "text/plain", body, (size_t)n, head);
}

static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
		{".txt", "text/plain; charset=utf-8"}, {".css", "text/css"},
		{".js", "text/javascript"},	       {".json", "application/json"},
		{".png", "image/png"},		       {".jpg", "image/jpeg"},
		{".svg", "image/svg+xml"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* The built-in page at /: who we are and the files we serve. */
static void index_page(struct conn *c, int head)
{
	char *body = malloc(OUT_MAX / 2);
	size_t n = 0, cap = OUT_MAX / 2 - 256;
	DIR *d;
	struct dirent *e;

	if (!body) {
		error_page(c, 500, head);
		return;
	}
	n += (size_t)snprintf(body + n, cap - n,
			      "<!DOCTYPE html>\n<html><head><title>hermit-c httpd</title></head>"
			      "<body>\n<h1>Hello from hermit-c!</h1>\n<p>httpd on %s, up %lld s, "
			      "%lu requests on %lu connections.</p>\n<ul>\n",
			      hostname, (long long)(time(NULL) - started), requests, connections);
	if ((d = opendir("."))) {
		while ((e = readdir(d)) && n < cap - 300) {
			if (e->d_name[0] == '.')
				continue;
			n += (size_t)snprintf(body + n, cap - n, "<li><a href=\"/%s\">%s</a></li>\n",
					      e->d_name, e->d_name);
		}
		closedir(d);
	}
	n += (size_t)snprintf(body + n, cap - n, "</ul>\n</body></html>\n");
	respond(c, 200, "text/html; charset=utf-8", body, n, head);
	free(body);
}

/* Percent-decoding of the path; 0, or -1 for a bad escape or a NUL. */
static int decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
			return -1;
		char hex[3] = {s[1], s[2], 0};
		*o = (char)strtol(hex, NULL, 16);
		if (!*o++)
			return -1;
		s += 2;
	}
	*o = 0;
	return 0;
}

/* A file from the working directory: only plain names below it. */
static void serve_file(struct conn *c, char *path, int head)
{
	struct stat st;
	char *q = strchr(path, '?');
	int fd;

	if (q)
		*q = 0;
	if (decode(path)) {
		error_page(c, 400, head);
		return;
	}
	/* No way up: every ".." component is refused, and so are absolute
	 * paths after the leading slash. */
	for (char *p = path; *p; p++) {
		if ((p == path || p[-1] == '/') && p[0] == '.' && p[1] == '.' &&
		    (p[2] == '/' || !p[2])) {
			error_page(c, 403, head);
			return;
		}
	}
	while (*path == '/')
		path++;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_page(c, errno == EACCES ? 403 : 404, head);
		return;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		error_page(c, S_ISDIR(st.st_mode) ? 403 : 404, head);
		return;
	}
	header(c, 200, content_type(path), (long long)st.st_size);
	if (head || !st.st_size) {
		close(fd);
		return;
	}
	c->file = fd;
	c->file_off = 0;
	c->file_end = st.st_size;
}

/* Does the header block have this header with a value containing word? */
static int header_has(const char *hdrs, const char *name, const char *word)
{
	size_t nl = strlen(name);

	for (const char *l = hdrs; l && *l; l = strstr(l, "\r\n"), l = l ? l + 2 : l) {
		if (!strncasecmp(l, name, nl) && l[nl] == ':') {
			const char *end = strstr(l, "\r\n");
			size_t wl = strlen(word);

			for (const char *v = l + nl + 1; v + wl <= end; v++)
				if (!strncasecmp(v, word, wl))
					return 1;
		}
	}
	return 0;
}

/* One complete request (its header block ends at end, NUL-terminated).
 * Returns 0, or -1 when the request was malformed (answered, then closed). */
static int handle(struct conn *c, char *req)
{
	char *sp1 = strchr(req, ' '), *sp2, *hdrs = strstr(req, "\r\n");
	int head, minor;

	requests++;
	if (!hdrs || !sp1 || sp1 > hdrs || !(sp2 = strchr(sp1 + 1, ' ')) || sp2 > hdrs ||
	    strncmp(sp2 + 1, "HTTP/1.", 7) || sp2 + 9 != hdrs || !isdigit((unsigned char)sp2[8])) {
		c->keep_alive = 0;
		error_page(c, 400, 0);
		return -1;
	}
	*sp1 = *sp2 = *hdrs = 0;
	hdrs += 2;
	minor = sp2[8] - '0';
	head = !strcmp(req, "HEAD");
	c->keep_alive = minor >= 1 ? !header_has(hdrs, "Connection", "close")
				   : header_has(hdrs, "Connection", "keep-alive");
	if (verbose)
		logf_("httpd: %s %s HTTP/1.%d\n", req, sp1 + 1, minor);
	if (strcmp(req, "GET") && !head) {
		error_page(c, 405, 0);
		return 0;
	}
	if (sp1[1] != '/') {
		error_page(c, 400, head);
		return 0;
	}
	if (!strcmp(sp1 + 1, "/") || !strcmp(sp1 + 1, "/index.html")) {
		if (access("index.html", R_OK) == 0)
			serve_file(c, sp1 + 1, head);
		else
			index_page(c, head);
	} else {
		serve_file(c, sp1 + 1, head);
	}
	return 0;
}

/* Ask for what the connection can use: more input while its buffer has
 * room (a client that pipelines faster than we answer waits in its socket),
 * and room to send while an answer is pending. */
static void arm(struct conn *c, int sending)
{
	unsigned want = (c->in_len < REQ_MAX - 1 ? EPOLLIN : 0) | (sending ? EPOLLOUT : 0);
	struct epoll_event ev = {.events = want, .data.ptr = c};

	if (c->armed == want)
		return;
	c->armed = want;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Send what is pending: the buffer, then the file. 1 when all is sent, 0
 * when the socket is full, -1 when the connection is gone. */
static int flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	while (c->file >= 0) {
		ssize_t n = pread(c->file, c->out, OUT_MAX, c->file_off), w;

		if (n <= 0) { /* the file shrank or failed: the response is cut */
			close(c->file);
			c->file = -1;
			return -1;
		}
		w = send(c->fd, c->out, (size_t)n, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		c->file_off += w;
		if (c->file_off >= c->file_end) {
			close(c->file);
			c->file = -1;
		}
	}
	return 1;
}

/* Answer every complete request in the input buffer, as long as the
 * previous answers have left. */
static void process(struct conn *c)
{
	for (;;) {
		char *end;
		size_t used;

		if (c->out_len || c->file >= 0 || c->close_after)
			return;
		c->in[c->in_len] = 0;
		end = strstr(c->in, "\r\n\r\n");
		if (!end) {
			if (c->in_len >= REQ_MAX - 1 || memchr(c->in, 0, c->in_len)) {
				c->keep_alive = 0;
				error_page(c, c->in_len >= REQ_MAX - 1 ? 431 : 400, 0);
				c->close_after = 1;
			}
			return;
		}
		end[2] = 0;
		used = (size_t)(end + 4 - c->in);
		if (handle(c, c->in) || !c->keep_alive)
			c->close_after = 1;
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
	}
}

/* Progress on one connection; it may be closed on return. */
static void service(struct conn *c, unsigned events)
{
	int r;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		while (c->in_len < REQ_MAX - 1) {
			ssize_t n = recv(c->fd, c->in + c->in_len, REQ_MAX - 1 - c->in_len, 0);

			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				conn_close(c);
				return;
			}
			if (n < 0)
				break;
			c->in_len += (size_t)n;
		}
	}
	for (;;) {
		process(c);
		r = flush(c);
		if (r < 0 || (r > 0 && c->close_after)) {
			conn_close(c);
			return;
		}
		if (r == 0) {
			arm(c, 1);
			return;
		}
		arm(c, 0);
		c->in[c->in_len] = 0;
		if (!strstr(c->in, "\r\n\r\n"))
			return;
	}
}

static void accept_all(int ls)
{
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
		struct conn *c;
		struct epoll_event ev;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				logf_("httpd: accept: %s\n", strerror(errno));
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c || !(c->out = malloc(OUT_MAX))) {
			free(c);
			close(fd);
			continue;
		}
		connections++;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->file = -1;
		c->armed = EPOLLIN;
		ev = (struct epoll_event){.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c->out);
			free(c);
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
	struct epoll_event ev, events[MAX_EVENTS];
	int port = DEFAULT_PORT, one = 1, ls;
	static int listen_tag;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = 1;
		} else if (atoi(argv[i]) > 0 && atoi(argv[i]) < 65536) {
			port = atoi(argv[i]);
		} else {
			fprintf(stderr, "usage: httpd [-v] [PORT]   (default port %d)\n",
				DEFAULT_PORT);
			return 64;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	gethostname(hostname, sizeof(hostname) - 1);
	started = time(NULL);
	a.sin_port = htons((unsigned short)port);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 256)) {
		fprintf(stderr, "httpd: port %d: %s\n", port, strerror(errno));
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){.events = EPOLLIN, .data.ptr = &listen_tag};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev)) {
		fprintf(stderr, "httpd: epoll: %s\n", strerror(errno));
		return 1;
	}
	logf_("httpd: listening on port %d\n", port);
	for (;;) {
		int n = epoll_wait(ep, events, MAX_EVENTS, -1);

		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "httpd: epoll_wait: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.ptr == &listen_tag)
				accept_all(ls);
			else
				service(events[i].data.ptr, events[i].events);
		}
	}
}
