/*
 * hang: a program that never ends, for the hang report. Its second thread
 * waits in read() on a pipe nobody writes; the main thread waits in
 * pthread_join for it. Prints "hang: waiting" first.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int p[2];

static void *reader(void *arg)
{
	char c;

	(void)arg;
	read(p[0], &c, 1);
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pipe(p) || pthread_create(&t, NULL, reader, NULL))
		return 1;
	printf("hang: waiting\n");
	fflush(stdout);
	pthread_join(t, NULL);
	return 0;
}
