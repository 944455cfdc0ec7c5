/*
 * fault_div0: an integer division by zero. The kernel must report a divide
 * error with div0_divide and its caller div0_caller in the backtrace, and end
 * the app with status 136.
 */
#include <stdio.h>

volatile int divisor; /* volatile: the compiler cannot see it is 0 */

/*
 * Not a leaf: gcc gives leaf functions no frame even with frame pointers,
 * and then no frame-pointer walk can find their caller.
 */
__attribute__((noipa)) int div0_divide(int a, int b)
{
	printf("fault_div0: dividing %d by %d\n", a, b);
	fflush(stdout);
	return a / b;
}

__attribute__((noipa)) void div0_caller(void)
{
	int q = div0_divide(42, divisor);

	printf("fault_div0: 42 / 0 = %d without a fault\n", q);
}

int main(void)
{
	puts("fault_div0: dividing by zero");
	fflush(stdout);
	div0_caller();
	return 1;
}
