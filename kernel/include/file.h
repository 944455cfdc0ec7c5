/* SPDX-License-Identifier: MIT */
/*
 * Open files and the one file-descriptor table (DESIGN.md D7): the console,
 * pipes, and later files and sockets are all a struct file behind an fd.
 * Buffers handed to the ops are app memory already checked by the caller.
 */
#ifndef KERNEL_FILE_H
#define KERNEL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>

#define FD_MAX 1024

struct file;
struct poll_table;
struct epitem;

struct file_ops {
	long (*read)(struct file *f, char *buf, size_t len);
	long (*write)(struct file *f, const char *buf, size_t len);
	/* Optional: a gathered write as one operation (a stream socket sends
	 * it as one segment, a datagram socket as one datagram). The iovecs
	 * are a kernel copy; their buffers are checked app memory. */
	long (*writev)(struct file *f, const struct iovec *iov, int cnt);
	long (*stat)(struct file *f, struct stat *st);
	long (*ioctl)(struct file *f, unsigned long req, uint64_t arg);
	long (*lseek)(struct file *f, int64_t off, int whence); /* NULL: ESPIPE */
	long (*getdents)(struct file *f, char *buf, size_t len); /* directories */
	long (*truncate)(struct file *f, uint64_t len);
	/* fsync/fdatasync: write back to where the file lives; NULL: EINVAL
	 * (pipes, sockets, devices, as on Linux). */
	long (*fsync)(struct file *f, bool datasync);
	/* fstatfs: the file system the file is on; NULL: the RAM fs's. */
	long (*statfs)(struct file *f, struct statfs *sf);
	void (*release)(struct file *f); /* the last reference is gone */
	/* Readiness, and registration on the file's waitqs (see poll.h);
	 * NULL: always readable and writable. */
	unsigned (*poll)(struct file *f, struct poll_table *pt);
	/* For /proc/self/fd of a file without a path: Linux's anon_inode
	 * name ("eventfd", "[eventpoll]"). */
	const char *anon_name;
};

struct file {
	const struct file_ops *ops;
	int flags; /* O_ACCMODE | O_NONBLOCK | O_APPEND */
	volatile int refs;
	void *priv;
	uint64_t pos; /* for seekable files */
	char *path;   /* opened by path: the absolute path (kmalloc'd), else NULL */
	/* The epoll sets watching it (fs/epoll.c); epolled once it was added
	 * to one, so that its last file_put takes it out of them. */
	struct epitem *epitems;
	bool epolled;
};

/* lseek for files that keep their offset in pos; SEEK_END asks ops->stat. */
long file_seek(struct file *f, int64_t off, int whence);
struct file *file_new(const struct file_ops *ops, int flags, void *priv);
void file_get(struct file *f);
/* Drop a reference; the last one takes f out of its epoll sets (which may
 * sleep: never call it with a spinlock held) and releases it. */
void file_put(struct file *f);

/* The lowest free fd >= min for f (taking a reference); or -EMFILE. */
int fd_install(struct file *f, int min, bool cloexec);
/* The file behind fd, with a reference the caller puts; NULL if none. */
struct file *fd_get(int fd);
int fd_close(int fd);
/* Make newfd refer to oldfd's file (closing what newfd was). */
int fd_dup_to(int oldfd, int newfd, bool cloexec);
int fd_get_cloexec(int fd);
int fd_set_cloexec(int fd, bool on);

/* The console's three descriptors, at boot (drivers/tty.c). */
void console_files_init(void);
/* pipe2 (fs/pipe.c): two files, read end and write end. */
int pipe_create(int flags, struct file **rd, struct file **wr);

#endif
