/*
 * net_echo: TCP and UDP echo on port 9975 (or argv[1]) for the network
 * tests. Each TCP connection is served by its own thread until the peer
 * closes its side; each UDP datagram is sent back to its sender. Prints
 * "net_echo: listening on N" once both sockets are bound, and a line per
 * finished connection with the bytes it echoed. Runs until stopped, or
 * until argv[2] TCP connections were served.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void *serve(void *arg)
{
	int c = (int)(long)arg;
	char *buf = malloc(65536);
	long n, total = 0;

	if (!buf)
		goto out;
	while ((n = read(c, buf, 65536)) > 0) {
		for (long off = 0; off < n;) {
			long w = write(c, buf + off, n - off);
			if (w <= 0)
				goto out;
			off += w;
		}
		total += n;
	}
out:
	printf("net_echo: connection done, %ld bytes echoed\n", total);
	free(buf);
	close(c);
	return NULL;
}

static void *udp_loop(void *arg)
{
	int u = (int)(long)arg;
	char buf[65536];

	for (;;) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		long n = recvfrom(u, buf, sizeof(buf), 0, (void *)&from, &len);
		if (n >= 0)
			sendto(u, buf, n, 0, (void *)&from, len);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 9975, max = argc > 2 ? atoi(argv[2]) : -1, one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int l = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 128) || bind(u, (void *)&a, sizeof(a))) {
		perror("net_echo: bind/listen");
		return 1;
	}
	pthread_create(&t, NULL, udp_loop, (void *)(long)u);
	printf("net_echo: listening on %d\n", port);
	for (int served = 0; max < 0 || served < max; served++) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			perror("net_echo: accept");
			return 1;
		}
		pthread_create(&t, NULL, serve, (void *)(long)c);
		pthread_detach(t);
	}
	sleep(1);
	return 0;
}
