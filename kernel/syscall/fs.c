/* SPDX-License-Identifier: MIT */
/* File-system calls: paths are copied from the app (EFAULT, ENAMETOOLONG)
 * and handed to the VFS (fs/vfs.c). */
#include <fcntl.h>
#include <sys/stat.h>
#include "file.h"
#include "syscall.h"
#include "vfs.h"

#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EMPTY_PATH 0x1000

static int umask_value = 022;

/* Copy a NUL-terminated path from the app into buf (VFS_PATH_MAX bytes). */
static long get_path(uint64_t upath, char *buf)
{
	for (size_t i = 0; i < VFS_PATH_MAX; i++) {
		if ((i == 0 || ((upath + i) & (PAGE_SIZE - 1)) == 0) &&
		    !vm_user_ok(upath + i, 1, false))
			return -EFAULT;
		buf[i] = ((const char *)upath)[i];
		if (!buf[i])
			return 0;
	}
	return -ENAMETOOLONG;
}

#define PATH(var, uaddr)                           \
	char var[VFS_PATH_MAX];                    \
	do {                                       \
		long r_ = get_path((uaddr), var); \
		if (r_)                            \
			return r_;                 \
	} while (0)

static long do_openat(int dirfd, uint64_t upath, int flags, int mode)
{
	struct file *f;
	long r, fd;
	PATH(path, upath);

	if ((r = vfs_open(dirfd, path, flags, mode & ~umask_value, &f)))
		return r;
	fd = fd_install(f, 0, flags & O_CLOEXEC);
	file_put(f);
	return fd;
}

SYSCALL(open)
{
	return do_openat(AT_FDCWD, arg[0], (int)arg[1], (int)arg[2]);
}

SYSCALL(openat)
{
	return do_openat((int)arg[0], arg[1], (int)arg[2], (int)arg[3]);
}

SYSCALL(creat)
{
	return do_openat(AT_FDCWD, arg[0], O_CREAT | O_WRONLY | O_TRUNC, (int)arg[1]);
}

static long with_file(int fd, long (*fn)(struct file *, const uint64_t *), const uint64_t *arg)
{
	struct file *f = fd_get(fd);
	long r;

	if (!f)
		return -EBADF;
	r = fn(f, arg);
	file_put(f);
	return r;
}

static long lseek_f(struct file *f, const uint64_t *arg)
{
	return f->ops->lseek ? f->ops->lseek(f, (int64_t)arg[1], (int)arg[2]) : -ESPIPE;
}

SYSCALL(lseek)
{
	return with_file((int)arg[0], lseek_f, arg);
}

static long pread_f(struct file *f, const uint64_t *arg)
{
	uint64_t saved = f->pos;
	long r;

	if (!f->ops->lseek)
		return -ESPIPE;
	if (!f->ops->read)
		return -EISDIR;
	if ((int64_t)arg[3] < 0)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (!vm_user_ok(arg[1], arg[2], true))
		return -EFAULT;
	if (vfs_is_file(f))
		return vfs_file_read_at(f, (char *)arg[1], arg[2], arg[3]);
	/* Backends read at f->pos: lend them the offset (as pwrite does). */
	f->pos = arg[3];
	r = f->ops->read(f, (char *)arg[1], arg[2]);
	f->pos = saved;
	return r;
}

SYSCALL(pread64)
{
	return with_file((int)arg[0], pread_f, arg);
}

static long pwrite_f(struct file *f, const uint64_t *arg)
{
	uint64_t saved = f->pos;
	long r;

	if (!f->ops->lseek || !f->ops->write)
		return -ESPIPE;
	if ((int64_t)arg[3] < 0)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (!vm_user_ok(arg[1], arg[2], false))
		return -EFAULT;
	f->pos = arg[3];
	r = f->ops->write(f, (const char *)arg[1], arg[2]);
	f->pos = saved;
	return r;
}

SYSCALL(pwrite64)
{
	return with_file((int)arg[0], pwrite_f, arg);
}

static long getdents_f(struct file *f, const uint64_t *arg)
{
	if (!f->ops->getdents)
		return -ENOTDIR;
	if (!vm_user_ok(arg[1], arg[2], true))
		return -EFAULT;
	return f->ops->getdents(f, (char *)arg[1], arg[2]);
}

SYSCALL(getdents64)
{
	return with_file((int)arg[0], getdents_f, arg);
}

static long truncate_f(struct file *f, const uint64_t *arg)
{
	if ((int64_t)arg[1] < 0)
		return -EINVAL;
	if (!f->ops->truncate || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	return f->ops->truncate(f, arg[1]);
}

SYSCALL(ftruncate)
{
	return with_file((int)arg[0], truncate_f, arg);
}

SYSCALL(truncate)
{
	PATH(path, arg[0]);
	if ((int64_t)arg[1] < 0)
		return -EINVAL;
	return vfs_truncate(path, arg[1]);
}

static long sync_f(struct file *f, const uint64_t *arg)
{
	return f->ops->fsync ? f->ops->fsync(f, arg[1]) : -EINVAL;
}

SYSCALL(fsync)
{
	uint64_t a[2] = { arg[0], false };

	return with_file((int)arg[0], sync_f, a);
}

SYSCALL(fdatasync)
{
	uint64_t a[2] = { arg[0], true };

	return with_file((int)arg[0], sync_f, a);
}

SYSCALL(statfs)
{
	struct statfs sf;
	long r;
	PATH(path, arg[0]);

	if ((r = vfs_statfs(AT_FDCWD, path, &sf)))
		return r;
	return copy_to_user(arg[1], &sf, sizeof(sf));
}

static long fstatfs_f(struct file *f, const uint64_t *arg)
{
	struct statfs sf;
	long r;

	if ((r = vfs_fstatfs(f, &sf)))
		return r;
	return copy_to_user(arg[1], &sf, sizeof(sf));
}

SYSCALL(fstatfs)
{
	return with_file((int)arg[0], fstatfs_f, arg);
}

static long stat_at(int dirfd, uint64_t upath, uint64_t ust, int flags)
{
	struct stat st;
	long r;
	PATH(path, upath);

	if (!path[0] && (flags & AT_EMPTY_PATH)) {
		uint64_t a[2] = { (uint64_t)dirfd, ust };
		return sys_fstat(a);
	}
	if ((r = vfs_stat(dirfd, path, &st, !(flags & AT_SYMLINK_NOFOLLOW))))
		return r;
	return copy_to_user(ust, &st, sizeof(st));
}

SYSCALL(stat)
{
	return stat_at(AT_FDCWD, arg[0], arg[1], 0);
}

SYSCALL(lstat)
{
	return stat_at(AT_FDCWD, arg[0], arg[1], AT_SYMLINK_NOFOLLOW);
}

SYSCALL(newfstatat)
{
	return stat_at((int)arg[0], arg[1], arg[2], (int)arg[3]);
}

/* Linux's struct statx (include/uapi/linux/stat.h); musl 1.2.3 has none. */
struct statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct kstatx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare2[14];
};

#define STATX_BASIC_STATS 0x7ffu
#define STATX__RESERVED 0x80000000u
#define AT_NO_AUTOMOUNT 0x800
#define AT_STATX_SYNC_TYPE 0x6000

static struct statx_ts statx_time(struct timespec t)
{
	return (struct statx_ts){ .tv_sec = t.tv_sec, .tv_nsec = (uint32_t)t.tv_nsec };
}

/* Linux's major/minor split of a dev_t. */
static uint32_t dev_major(uint64_t d)
{
	return (uint32_t)(((d >> 32) & 0xfffff000) | ((d >> 8) & 0xfff));
}

static uint32_t dev_minor(uint64_t d)
{
	return (uint32_t)(((d >> 12) & 0xffffff00) | (d & 0xff));
}

/* statx(dirfd, path, flags, mask, buf): the basic stats, whatever the mask
 * asks (Linux may give more than asked); no birth time. */
SYSCALL(statx)
{
	int dirfd = (int)arg[0], flags = (int)arg[2];
	struct kstatx sx;
	struct stat st;
	long r;
	PATH(path, arg[1]);

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (arg[3] & STATX__RESERVED))
		return -EINVAL;
	kmemset(&st, 0, sizeof(st));
	if (!path[0] && (flags & AT_EMPTY_PATH)) {
		struct file *f = dirfd == AT_FDCWD ? NULL : fd_get(dirfd);
		if (dirfd == AT_FDCWD)
			r = vfs_stat(AT_FDCWD, ".", &st, true);
		else if (!f)
			return -EBADF;
		else
			r = f->ops->stat ? f->ops->stat(f, &st) : -EBADF;
		if (f)
			file_put(f);
	} else {
		r = vfs_stat(dirfd, path, &st, !(flags & AT_SYMLINK_NOFOLLOW));
	}
	if (r)
		return r;
	kmemset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = (uint32_t)st.st_blksize;
	sx.stx_nlink = (uint32_t)st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = (uint16_t)st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = (uint64_t)st.st_size;
	sx.stx_blocks = (uint64_t)st.st_blocks;
	sx.stx_atime = statx_time(st.st_atim);
	sx.stx_mtime = statx_time(st.st_mtim);
	sx.stx_ctime = statx_time(st.st_ctim);
	sx.stx_rdev_major = dev_major(st.st_rdev);
	sx.stx_rdev_minor = dev_minor(st.st_rdev);
	sx.stx_dev_major = dev_major(st.st_dev);
	sx.stx_dev_minor = dev_minor(st.st_dev);
	return copy_to_user(arg[4], &sx, sizeof(sx));
}

SYSCALL(access)
{
	PATH(path, arg[0]);
	return vfs_access(AT_FDCWD, path, (int)arg[1]);
}

SYSCALL(faccessat)
{
	PATH(path, arg[1]);
	return vfs_access((int)arg[0], path, (int)arg[2]);
}

SYSCALL(mkdir)
{
	PATH(path, arg[0]);
	return vfs_mkdir(AT_FDCWD, path, (int)arg[1] & ~umask_value);
}

SYSCALL(mkdirat)
{
	PATH(path, arg[1]);
	return vfs_mkdir((int)arg[0], path, (int)arg[2] & ~umask_value);
}

SYSCALL(rmdir)
{
	PATH(path, arg[0]);
	return vfs_unlink(AT_FDCWD, path, true);
}

SYSCALL(unlink)
{
	PATH(path, arg[0]);
	return vfs_unlink(AT_FDCWD, path, false);
}

SYSCALL(unlinkat)
{
	if (arg[2] & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	PATH(path, arg[1]);
	return vfs_unlink((int)arg[0], path, arg[2] & AT_REMOVEDIR);
}

SYSCALL(rename)
{
	PATH(from, arg[0]);
	PATH(to, arg[1]);
	return vfs_rename(AT_FDCWD, from, AT_FDCWD, to);
}

SYSCALL(renameat)
{
	PATH(from, arg[1]);
	PATH(to, arg[3]);
	return vfs_rename((int)arg[0], from, (int)arg[2], to);
}

SYSCALL(renameat2)
{
	if (arg[4])
		return -EINVAL; /* RENAME_NOREPLACE/EXCHANGE/WHITEOUT: not yet */
	PATH(from, arg[1]);
	PATH(to, arg[3]);
	return vfs_rename((int)arg[0], from, (int)arg[2], to);
}

SYSCALL(symlink)
{
	PATH(target, arg[0]);
	PATH(path, arg[1]);
	return vfs_symlink(target, AT_FDCWD, path);
}

SYSCALL(symlinkat)
{
	PATH(target, arg[0]);
	PATH(path, arg[2]);
	return vfs_symlink(target, (int)arg[1], path);
}

static long readlink_at(int dirfd, uint64_t upath, uint64_t ubuf, uint64_t len)
{
	char buf[VFS_PATH_MAX];
	long r;
	PATH(path, upath);

	if ((int64_t)len <= 0)
		return -EINVAL;
	if ((r = vfs_readlink(dirfd, path, buf, MIN(len, sizeof(buf)))) < 0)
		return r;
	return copy_to_user(ubuf, buf, r) ? -EFAULT : r;
}

SYSCALL(readlink)
{
	return readlink_at(AT_FDCWD, arg[0], arg[1], arg[2]);
}

SYSCALL(readlinkat)
{
	return readlink_at((int)arg[0], arg[1], arg[2], arg[3]);
}

SYSCALL(getcwd)
{
	char buf[VFS_PATH_MAX];
	long r = vfs_getcwd(buf, MIN(arg[1], sizeof(buf)));

	if (r < 0)
		return r;
	return copy_to_user(arg[0], buf, r) ? -EFAULT : r;
}

SYSCALL(chdir)
{
	PATH(path, arg[0]);
	return vfs_chdir(AT_FDCWD, path);
}

SYSCALL(fchdir)
{
	return vfs_chdir((int)arg[0], ".");
}

SYSCALL(umask)
{
	int old = umask_value;

	umask_value = arg[0] & 0777;
	return old;
}
