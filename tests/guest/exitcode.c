/*
 * exitcode: exits with the status given as argv[1], by the way argv[2] names:
 *   exit        libc exit() (the default)
 *   return      return from main
 *   exit_group  the raw exit_group system call, skipping libc's clean-up
 *   exit_thread the raw exit system call: the only thread ends, so the app does
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *how = argc > 2 ? argv[2] : "exit";
	int code;

	if (argc < 2) {
		fprintf(stderr, "usage: exitcode CODE [exit|return|exit_group|exit_thread]\n");
		return 2;
	}
	code = atoi(argv[1]);
	printf("exitcode: exiting with %d by %s\n", code, how);
	fflush(stdout);
	if (strcmp(how, "return") == 0)
		return code;
	if (strcmp(how, "exit_group") == 0)
		syscall(SYS_exit_group, code);
	if (strcmp(how, "exit_thread") == 0)
		syscall(SYS_exit, code);
	if (strcmp(how, "exit") != 0) {
		fprintf(stderr, "exitcode: unknown way to exit: %s\n", how);
		return 2;
	}
	exit(code);
}
