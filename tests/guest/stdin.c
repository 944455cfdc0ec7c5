/*
 * stdin: reads the console line by line (fgets), then byte by byte (read of
 * one byte), echoing what it got in brackets, until end-of-file.
 * Usage: stdin LINES  (how many lines to read with fgets first)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int lines = argc > 1 ? atoi(argv[1]) : 1;
	char buf[256];
	char c;
	ssize_t n;

	for (int i = 0; i < lines && fgets(buf, sizeof buf, stdin); i++) {
		buf[strcspn(buf, "\n")] = 0;
		printf("line %d: [%s]\n", i + 1, buf);
	}
	/* stdio may hold more than it returned; bytes now come from read(). */
	while ((n = read(0, &c, 1)) == 1)
		printf("byte: [%c]\n", c == '\n' ? '$' : c);
	printf("end of input (read returned %zd)\n", n);
	return 0;
}
