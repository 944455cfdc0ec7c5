/* SPDX-License-Identifier: MIT */
/* Boot: the command line and the start of the app. */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <stdint.h>
#include "lib.h"

/* The parsed command line "[kernel options] -- [app args]" (DESIGN.md D4). */
struct cmdline {
	int argc, envc;
	char **argv; /* argv[0] is the image name; NULL-terminated */
	char **envp; /* from env=KEY=VALUE; NULL-terminated */
	uint64_t freq_mhz;
	const char *ip, *gateway, *mask;
};

/* Split s like a POSIX shell does for words: blanks separate, '...' is
 * literal, "..." allows \" \\ \$ \` escapes, a backslash escapes outside
 * quotes. Returns the number of words (also stored in *words), or -1. */
int cmdline_split(const char *s, char ***words);
int cmdline_parse(const char *s, const char *argv0, struct cmdline *out);
/* The value of KEY in the command line's environment (env=KEY=VALUE), or
 * NULL. */
const char *cmdline_getenv(const struct cmdline *cl, const char *key);

/* Build the Linux initial stack (argc, argv, envp, auxv) and enter _start. */
noreturn void app_start(const struct cmdline *cl);

#endif
