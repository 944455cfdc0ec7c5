/*
 * args: prints argc, every argument and every environment variable, each
 * between <> so that empty values and spaces show, for a suite to check that
 * arguments and environment arrive intact (spaces, UTF-8, empty strings).
 */
#include <stdio.h>

extern char **environ;

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=<%s>\n", i, argv[i]);
	for (int i = 0; environ[i]; i++)
		printf("env[%d]=<%s>\n", i, environ[i]);
	return 0;
}
