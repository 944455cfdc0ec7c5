/* SPDX-License-Identifier: MIT */
/* nofloat_args: tests/guest/args.c without printf: prints argc, each
 * argument and each environment variable between <>. */
#include "put.h"

extern char **environ;

int main(int argc, char **argv)
{
	put3("argc=", argc, "\n");
	for (int i = 0; i < argc; i++) {
		put3("argv[", i, "]=<");
		fputs(argv[i], stdout);
		fputs(">\n", stdout);
	}
	for (int i = 0; environ[i]; i++) {
		put3("env[", i, "]=<");
		fputs(environ[i], stdout);
		fputs(">\n", stdout);
	}
	return 0;
}
