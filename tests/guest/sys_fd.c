/*
 * sys_fd: the descriptor table and pipes, with Linux's results: dup, dup2,
 * dup3, fcntl (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD/F_SETFD, F_GETFL/F_SETFL),
 * close, fstat, pipe and pipe2 (end of file, blocking across threads,
 * O_NONBLOCK, PIPE_BUF atomicity, FIONREAD, EPIPE with SIGPIPE ignored).
 */
#include "thr.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int p[2];

static void *writer(void *arg)
{
	for (int i = 0; i < 1000; i++)
		if (write(p[1], "0123456789", 10) != 10)
			return (void *)1;
	close(p[1]);
	return arg;
}

static void table(void)
{
	struct stat st;
	int d = dup(1), e;

	EQ(d >= 3, 1, "dup(1) gives a new descriptor (%d)", d);
	EQ(write(d, "", 0), 0, "the copy writes");
	EQ(dup2(d, 20), 20, "dup2 to 20");
	EQ(dup2(20, 20), 20, "dup2 to itself returns it");
	ERRNO(dup2(57, 21), EBADF, "dup2 from a closed fd is EBADF");
	ERRNO(dup3(20, 20, 0), EINVAL, "dup3 to itself is EINVAL");
	ERRNO(syscall(SYS_dup3, 20, 21, 12345), EINVAL, "dup3 with bad flags is EINVAL");
	EQ(dup3(20, 21, O_CLOEXEC), 21, "dup3 with O_CLOEXEC");
	EQ(fcntl(21, F_GETFD), FD_CLOEXEC, "F_GETFD shows FD_CLOEXEC");
	EQ(fcntl(21, F_SETFD, 0), 0, "F_SETFD clears it");
	EQ(fcntl(21, F_GETFD), 0, "... and F_GETFD says so");
	e = fcntl(1, F_DUPFD_CLOEXEC, 30);
	EQ(e, 30, "F_DUPFD_CLOEXEC from 30");
	EQ(fcntl(e, F_GETFD), FD_CLOEXEC, "... is close-on-exec");
	EQ(fcntl(1, F_DUPFD, 30), 31, "F_DUPFD takes the lowest free >= 30");
	ERRNO(fcntl(1, F_DUPFD, -1), EINVAL, "F_DUPFD below 0 is EINVAL");
	EQ(fstat(d, &st), 0, "fstat on the console copy");
	EQ(close(d) | close(20) | close(21) | close(30) | close(31), 0, "close the copies");
	ERRNO(close(d), EBADF, "closing again is EBADF");
	ERRNO(fcntl(d, F_GETFL), EBADF, "fcntl on a closed fd is EBADF");
	ERRNO(fstat(57, &st), EBADF, "fstat on a closed fd is EBADF");
}

static void pipes(void)
{
	char buf[8192];
	long total = 0, n;
	struct stat st;
	pthread_t t;
	int q[2], avail = -1;

	EQ(pipe(p), 0, "pipe");
	EQ(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), 1, "fstat says FIFO");
	ERRNO(write(p[0], "x", 1), EBADF, "writing the read end is EBADF");
	ERRNO(read(p[1], buf, 1), EBADF, "reading the write end is EBADF");
	t = spawn(writer, NULL);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		total += n;
	EQ(total, 10000, "10000 bytes from a writer thread, read as it writes");
	EQ(n, 0, "then end of file once the writer closed");
	EQ((long)join(t), 0, "the writer's writes were whole");
	close(p[0]);

	EQ(pipe2(q, O_NONBLOCK | O_CLOEXEC), 0, "pipe2(O_NONBLOCK|O_CLOEXEC)");
	EQ(fcntl(q[0], F_GETFD), FD_CLOEXEC, "its ends are close-on-exec");
	EQ(fcntl(q[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK, "and non-blocking");
	ERRNO(read(q[0], buf, 1), EAGAIN, "an empty non-blocking read is EAGAIN");
	memset(buf, 'a', sizeof(buf));
	n = 0;
	while (write(q[1], buf, 4096) == 4096)
		n += 4096;
	EQ(errno, EAGAIN, "a full pipe refuses a PIPE_BUF write with EAGAIN");
	EQ(n >= 4096 && n % 4096 == 0, 1, "after %ld bytes in whole 4 KiB writes", n);
	EQ(ioctl(q[0], FIONREAD, &avail), 0, "FIONREAD");
	EQ(avail, n, "FIONREAD counts the bytes in the pipe");
	EQ(fcntl(q[0], F_SETFL, 0), 0, "F_SETFL clears O_NONBLOCK");
	EQ(fcntl(q[0], F_GETFL) & O_NONBLOCK, 0, "... and F_GETFL says so");
	close(q[0]);
	signal(SIGPIPE, SIG_IGN);
	ERRNO(write(q[1], "x", 1), EPIPE, "writing with no reader is EPIPE (SIGPIPE ignored)");
	close(q[1]);
	ERRNO(pipe2(q, 12345), EINVAL, "pipe2 with bad flags is EINVAL");
	ERRNO(syscall(SYS_pipe, (void *)1), EFAULT, "pipe into a bad pointer is EFAULT");
}

int main(void)
{
	start();
	table();
	pipes();
	return finish();
}
