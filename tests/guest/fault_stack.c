/*
 * fault_stack: unbounded recursion, about 1 KiB of stack per call, until the
 * stack runs into its guard page. Every call touches its whole frame, and a
 * frame is smaller than a page, so the recursion cannot step over the guard.
 * The kernel must report a stack overflow with stack_recurse in the
 * backtrace, and end the app with status 139.
 */
#include <stdio.h>

#define FRAME 1024

volatile int stop_depth = -1; /* never reached; the compiler cannot know */

__attribute__((noipa)) int stack_recurse(int depth)
{
	volatile char buf[FRAME];

	for (int i = 0; i < FRAME; i += 64)
		buf[i] = (char)depth;
	if (depth == stop_depth)
		return 0;
	/* Using buf after the call keeps it from becoming a loop. */
	return stack_recurse(depth + 1) + buf[depth % FRAME];
}

int main(void)
{
	puts("fault_stack: recursing without end");
	fflush(stdout);
	printf("fault_stack: recursion returned %d\n", stack_recurse(0));
	return 1;
}
