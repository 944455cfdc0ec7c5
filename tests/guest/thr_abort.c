/*
 * thr_abort: a thread ends the whole program while the main thread waits.
 * usage: thr_abort [MODE]
 *   abort      (default) a thread calls abort(): status 134 (SIGABRT)
 *   exit       a thread calls exit(42): status 42, and atexit handlers run
 *   mainexit   the main thread calls pthread_exit; the other thread goes on
 *              and calls exit(7): status 7
 *   lastreturn the main thread calls pthread_exit; the other thread returns:
 *              the process ends with status 0 when its last thread does
 * The main thread never prints "main thread: still here"; a run that does
 * (or that ends another way) is wrong.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *mode = "abort";

static void say(const char *s)
{
	fputs(s, stdout);
	fflush(stdout);
}

static void at_exit(void)
{
	say("thr_abort: atexit handler ran\n");
}

static void *ender(void *arg)
{
	struct timespec ts = {0, 100 * 1000000L};

	(void)arg;
	nanosleep(&ts, NULL);
	if (strcmp(mode, "abort") == 0) {
		say("thr_abort: calling abort() in a thread\n");
		abort();
	}
	if (strcmp(mode, "exit") == 0) {
		say("thr_abort: calling exit(42) in a thread\n");
		exit(42);
	}
	if (strcmp(mode, "mainexit") == 0) {
		say("thr_abort: the main thread is gone; calling exit(7)\n");
		exit(7);
	}
	say("thr_abort: the last thread returns\n");
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc > 1)
		mode = argv[1];
	atexit(at_exit);
	if (pthread_create(&t, NULL, ender, NULL) != 0) {
		say("thr_abort: pthread_create failed\n");
		return 1;
	}
	if (strcmp(mode, "mainexit") == 0 || strcmp(mode, "lastreturn") == 0) {
		say("thr_abort: main thread calls pthread_exit\n");
		pthread_exit(NULL);
	}
	pthread_join(t, NULL);
	say("main thread: still here\n");
	return 1;
}
