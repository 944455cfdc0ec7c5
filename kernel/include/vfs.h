/* SPDX-License-Identifier: MIT */
/*
 * The VFS (DESIGN.md D7): one tree of inodes, a RAM file system at "/"
 * with /tmp, /etc, /dev and the working directory HERMIT_WD (default
 * /root). Paths resolve with ".", ".." and symbolic links. Host
 * directories (uhyve, virtio-fs) will mount into this tree.
 */
#ifndef KERNEL_VFS_H
#define KERNEL_VFS_H

#include <stdint.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "file.h"

#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096

struct inode;

/* A device node's behaviour (/dev/null, /dev/zero, ...). */
struct dev_ops {
	long (*read)(char *buf, size_t len);
	long (*write)(const char *buf, size_t len);
};

/*
 * A file system mounted into the tree (uhyve host directories, virtio-fs):
 * the VFS resolves the path up to the mount point and hands the rest to
 * the backend as a relative path, already normalised: no empty, "." or
 * ".." components, no leading or trailing '/', "" for the mount's root.
 * ".." that would leave the mount is resolved by the VFS, never passed.
 * Symbolic links inside the backend are the backend's business (a host
 * directory resolves them on the host, beneath the mount). Each op returns
 * 0 or -errno; open returns a struct file whose ops (read, write, lseek,
 * stat, getdents, truncate, fsync, statfs, release) the backend provides.
 * A NULL op is refused with EPERM (statfs: ENOSYS).
 */
struct fs_backend {
	const char *name;
	long (*open)(void *ctx, const char *rel, int flags, int mode, struct file **out);
	long (*stat)(void *ctx, const char *rel, struct stat *st, bool follow);
	long (*mkdir)(void *ctx, const char *rel, int mode);
	long (*unlink)(void *ctx, const char *rel, bool dir);
	long (*rename)(void *ctx, const char *from, const char *to);
	long (*symlink)(void *ctx, const char *target, const char *rel);
	long (*readlink)(void *ctx, const char *rel, char *buf, size_t len);
	long (*truncate)(void *ctx, const char *rel, uint64_t len);
	long (*statfs)(void *ctx, const char *rel, struct statfs *sf);
};

/* Mount be (with its ctx) at path, creating the directory if needed. */
long vfs_mount(const char *path, const struct fs_backend *be, void *ctx);

void vfs_init(const char *wd, const char *hostname);
/* uhyve host directories (fs/hostfs.c): mount i of the comma-separated
 * guest paths that uhyve passes as HERMIT_MOUNTS. */
void hostfs_init(const char *mounts);

/* Open path (relative to dirfd or the working directory) as open(2). */
long vfs_open(int dirfd, const char *path, int flags, int mode, struct file **out);
long vfs_stat(int dirfd, const char *path, struct stat *st, bool follow);
long vfs_mkdir(int dirfd, const char *path, int mode);
long vfs_unlink(int dirfd, const char *path, bool dir);
long vfs_rename(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
long vfs_symlink(const char *target, int dirfd, const char *path);
long vfs_readlink(int dirfd, const char *path, char *buf, size_t len);
long vfs_truncate(const char *path, uint64_t len);
long vfs_chdir(int dirfd, const char *path);
long vfs_getcwd(char *buf, size_t len);
long vfs_access(int dirfd, const char *path, int mode);
long vfs_statfs(int dirfd, const char *path, struct statfs *sf);
/* What fstatfs says of f: its backend's answer, else the RAM fs's. */
long vfs_fstatfs(struct file *f, struct statfs *sf);
/* /proc (fs/procfs.c), mounted at /proc by vfs_init. */
extern const struct fs_backend procfs_backend;
/* Copy len bytes of a regular file at off into dst (mmap of files). */
long vfs_file_read_at(struct file *f, char *dst, size_t len, uint64_t off);
bool vfs_is_file(struct file *f);

#endif
