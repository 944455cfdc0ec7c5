/*
 * net_connect: the guest as a TCP client. For each HOST:PORT argument, a
 * non-blocking connect, poll for writability, SO_ERROR; when connected it
 * sends "hello from hermit-c\n" and prints the first line the peer sends
 * back. Prints "HOST:PORT: connected, got <line>" or "HOST:PORT: <error>".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One connection attempt; 0 when it connected and talked. */
static int try(const char *spec)
{
	char host[64], line[128] = "";
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct pollfd p;
	int s, err = 0, r;
	socklen_t len = sizeof(err);

	if (!colon || colon - spec >= (long)sizeof(host)) {
		printf("%s: not HOST:PORT\n", spec);
		return 1;
	}
	memcpy(host, spec, colon - spec);
	host[colon - spec] = 0;
	a.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		printf("%s: not an IPv4 address\n", spec);
		return 1;
	}
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(s, (struct sockaddr *)&a, sizeof(a));
	if (r < 0 && errno != EINPROGRESS) {
		printf("%s: connect: %s\n", spec, strerror(errno));
		return 1;
	}
	p = (struct pollfd){.fd = s, .events = POLLOUT};
	if (r < 0 && poll(&p, 1, 20000) != 1) {
		printf("%s: no answer within 20 s\n", spec);
		return 1;
	}
	getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		printf("%s: %s (%s)\n", spec, strerror(err), err == ECONNREFUSED ? "ECONNREFUSED" : "?");
		close(s);
		return 1;
	}
	fcntl(s, F_SETFL, 0);
	send(s, "hello from hermit-c\n", 20, 0);
	for (size_t n = 0; n < sizeof(line) - 1; n++) {
		if (recv(s, line + n, 1, 0) != 1 || line[n] == '\n') {
			line[n] = 0;
			break;
		}
	}
	printf("%s: connected, got %s\n", spec, line);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++)
		bad |= try(argv[i]);
	return bad;
}
