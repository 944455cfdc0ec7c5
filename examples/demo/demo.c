/*
 * The hermit-c demo, the counterpart of Hermit's rusty_demo: it greets,
 * shows its arguments and environment, allocates memory, prints
 * /etc/hostname, writes and reads back a file in its working directory,
 * and times a computation of pi by numerical integration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* pi = integral from 0 to 1 of 4 / (1 + x^2), by the midpoint rule. */
static double pi(long steps)
{
	double h = 1.0 / steps, sum = 0.0;

	for (long i = 0; i < steps; i++) {
		double x = (i + 0.5) * h;
		sum += 4.0 / (1.0 + x * x);
	}
	return sum * h;
}

int main(int argc, char **argv)
{
	struct utsname u;
	long steps = 10000000;
	size_t size = 16 << 20;
	char *buf;
	double t;

	uname(&u);
	printf("Hello from hermit-c! (%s %s on %s)\n", u.sysname, u.release, u.machine);
	printf("argc = %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	for (char **e = environ; *e; e++)
		printf("env: %s\n", *e);

	buf = malloc(size);
	if (!buf) {
		perror("malloc");
		return 1;
	}
	memset(buf, 0x5a, size);
	printf("allocated and filled %zu MiB at %p\n", size >> 20, (void *)buf);
	free(buf);

	/* Files: one written and read back in the working directory. */
	char line[128] = "";
	FILE *f = fopen("/etc/hostname", "r");
	if (f && fgets(line, sizeof(line), f))
		printf("hostname: %s", line);
	if (f)
		fclose(f);
	f = fopen("demo.txt", "w");
	if (f) {
		fprintf(f, "written by the hermit-c demo\n");
		fclose(f);
	}
	f = fopen("demo.txt", "r");
	if (f && fgets(line, sizeof(line), f))
		printf("read back from %s/demo.txt: %s", getcwd(NULL, 0), line);
	if (f)
		fclose(f);

	t = now();
	double p = pi(steps);
	t = now() - t;
	printf("pi = %.10f (%ld steps in %.3f s)\n", p, steps, t);
	return 0;
}
