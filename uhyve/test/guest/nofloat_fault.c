/* SPDX-License-Identifier: MIT */
/* nofloat_fault: writes through a NULL pointer (like tests/guest/fault_null.c,
 * without printf); the kernel must report the page fault, name null_store and
 * null_caller, and end the app with status 139. */
#include "put.h"

int *volatile null_target;

__attribute__((noipa)) void null_store(int v)
{
	fputs("nofloat_fault: storing through NULL\n", stdout);
	fflush(stdout);
	*null_target = v;
}

__attribute__((noipa)) void null_caller(void)
{
	null_store(42);
	fputs("nofloat_fault: the store through NULL did not fault\n", stdout);
}

int main(void)
{
	null_caller();
	return 0;
}
