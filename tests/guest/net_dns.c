/*
 * net_dns: getaddrinfo through musl's resolver. With "-s SERVER" first it
 * writes /etc/resolv.conf naming SERVER; then it resolves each NAME and
 * prints "NAME -> ADDRESS" (IPv4 only) or "NAME: <gai_strerror>". Exits 0
 * when every name resolved.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	int i = 1, bad = 0;

	if (argc > 2 && !strcmp(argv[1], "-s")) {
		FILE *f = fopen("/etc/resolv.conf", "w");

		if (!f || fprintf(f, "nameserver %s\n", argv[2]) < 0 || fclose(f)) {
			perror("net_dns: /etc/resolv.conf");
			return 1;
		}
		i = 3;
	}
	for (; i < argc; i++) {
		struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
		int e = getaddrinfo(argv[i], "80", &hints, &res);
		char a[INET_ADDRSTRLEN];

		if (e) {
			printf("%s: %s\n", argv[i], gai_strerror(e));
			bad = 1;
			continue;
		}
		inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, a, sizeof(a));
		printf("%s -> %s\n", argv[i], a);
		freeaddrinfo(res);
	}
	return bad;
}
