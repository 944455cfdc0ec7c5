/* SPDX-License-Identifier: MIT */
/* nofloat_exit CODE [exit|return]: ends with status CODE, without printf. */
#include <stdlib.h>
#include <string.h>

#include "put.h"

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 2;
	const char *how = argc > 2 ? argv[2] : "exit";

	put3("nofloat_exit: exiting with ", code, " by ");
	fputs(how, stdout);
	fputs("\n", stdout);
	fflush(stdout);
	if (!strcmp(how, "return"))
		return code;
	exit(code);
}
