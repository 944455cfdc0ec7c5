/* hello: the smallest app; the benchmark times it from boot to exit. */
#include <stdio.h>

int main(void)
{
	puts("Hello, world!");
	return 0;
}
