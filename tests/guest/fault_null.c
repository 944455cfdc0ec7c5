/*
 * fault_null: writes through a NULL pointer. The kernel must report a page
 * fault that names a NULL pointer dereference, with null_store and its caller
 * null_caller in the backtrace, and end the app with status 139.
 */
#include <stdio.h>

int *volatile null_target; /* volatile: the compiler cannot see it is NULL */

/*
 * Not a leaf: gcc gives leaf functions no frame even with frame pointers,
 * and then no frame-pointer walk can find their caller.
 */
__attribute__((noipa)) void null_store(int v)
{
	printf("fault_null: storing %d at %p\n", v, (void *)null_target);
	fflush(stdout);
	*null_target = v;
}

__attribute__((noipa)) void null_caller(void)
{
	null_store(42);
	puts("fault_null: the store through NULL did not fault");
}

int main(void)
{
	puts("fault_null: writing through a NULL pointer");
	fflush(stdout);
	null_caller();
	return 1;
}
