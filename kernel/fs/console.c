/* SPDX-License-Identifier: MIT */
/* The console as files: fd 0 reads the terminal (tty.c), fds 1 and 2 write
 * to the app's stdout and stderr streams; each also does the other side,
 * as the three descriptors of one terminal do on Linux. */
#include <errno.h>
#include <fcntl.h>
#include "console.h"
#include "file.h"
#include "log.h"
#include "polling.h"
#include "tty.h"

static long con_read(struct file *f, char *buf, size_t len)
{
	(void)f;
	return tty_read(buf, len);
}

static long con_write(struct file *f, const char *buf, size_t len)
{
	console_write((enum console_stream)(uintptr_t)f->priv, buf, len);
	return (long)len;
}

static long con_stat(struct file *f, struct stat *st)
{
	(void)f;
	st->st_mode = S_IFCHR | 0620;
	st->st_nlink = 1;
	st->st_rdev = (5 << 8) | 1; /* like /dev/console */
	st->st_blksize = 1024;
	return 0;
}

static long con_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	(void)f, (void)req, (void)arg;
	/* No terminal: musl then buffers stdout fully, as for a pipe. */
	return -ENOTTY;
}

/* Output never blocks; input is ready when a line (or end-of-file) is. */
static unsigned con_poll(struct file *f, struct poll_table *pt)
{
	(void)f;
	return POLLOUT | POLLWRNORM | (tty_poll(pt) ? POLLIN | POLLRDNORM : 0);
}

static const struct file_ops console_ops = {
	.read = con_read,
	.write = con_write,
	.stat = con_stat,
	.ioctl = con_ioctl,
	.poll = con_poll,
};

void console_files_init(void)
{
	static const enum console_stream streams[3] = { CONSOLE_OUT, CONSOLE_OUT, CONSOLE_ERR };

	for (int fd = 0; fd < 3; fd++) {
		struct file *f = file_new(&console_ops, O_RDWR, (void *)(uintptr_t)streams[fd]);
		if (!f || fd_install(f, fd, false) != fd)
			panic("console: cannot open fd %d", fd);
		file_put(f); /* the table holds it */
	}
}
