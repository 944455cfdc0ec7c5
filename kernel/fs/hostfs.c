/* SPDX-License-Identifier: MIT */
/*
 * uhyve host directories (DESIGN.md D7, D8): the FS_* hypercalls of
 * <hermit/hypercall.h> behind a struct fs_backend. uhyve passes the guest
 * paths as HERMIT_MOUNTS=P0,P1,...; mount i of the host is mounted at Pi
 * with ctx = i. The host enforces the sandbox; here paths and data go
 * through static bounce buffers (below 4 GiB, identity-mapped), since app
 * buffers may live in virtual memory uhyve cannot see. One spinlock guards
 * the argument structs and the buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include "file.h"
#include "mm.h"
#include "spinlock.h"
#include "uhyve.h"
#include "vfs.h"

#define BOUNCE 65536

static struct spinlock lock;
static struct uhyve_fs_path parg;
static struct uhyve_fs_io ioarg;
static struct uhyve_stat ustat;
static struct uhyve_fs_statfs sarg;
static struct uhyve_statfs ustatfs;
static char path1[VFS_PATH_MAX], path2[VFS_PATH_MAX];
static char bounce[BOUNCE] __attribute__((aligned(4096)));

static int handle_of(struct file *f)
{
	return (int)(uintptr_t)f->priv;
}

static void to_stat(struct stat *st)
{
	kmemset(st, 0, sizeof(*st));
	st->st_dev = ustat.dev;
	st->st_ino = ustat.ino;
	st->st_nlink = ustat.nlink;
	st->st_mode = ustat.mode;
	st->st_uid = ustat.uid;
	st->st_gid = ustat.gid;
	st->st_rdev = ustat.rdev;
	st->st_size = ustat.size;
	st->st_blksize = ustat.blksize;
	st->st_blocks = ustat.blocks;
	st->st_atim.tv_sec = ustat.atime_sec;
	st->st_atim.tv_nsec = ustat.atime_nsec;
	st->st_mtim.tv_sec = ustat.mtime_sec;
	st->st_mtim.tv_nsec = ustat.mtime_nsec;
	st->st_ctim.tv_sec = ustat.ctime_sec;
	st->st_ctim.tv_nsec = ustat.ctime_nsec;
}

/* A handle call with the lock held; returns ret. */
static long io_call(enum uhyve_call call, int h, void *buf, uint64_t len, uint64_t off)
{
	ioarg = (struct uhyve_fs_io){.handle = h, .buf = (uintptr_t)buf, .len = len, .off = off};
	uhyve_hypercall(call, &ioarg);
	return (long)ioarg.ret;
}

/* Copy rel into dst (static); 0 or -ENAMETOOLONG; *len its length. */
static long copy_path(char *dst, const char *rel, uint64_t *len)
{
	size_t n = kstrlen(rel);

	if (n >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	kmemcpy(dst, rel, n);
	*len = n;
	return 0;
}

/* A path call with the lock held: parg's mount/flags/mode set from the
 * arguments, rel (and rel2) copied to the static paths. */
static long path_call(enum uhyve_call call, void *ctx, const char *rel, const char *rel2,
		      int flags, int mode, void *buf, uint64_t len)
{
	uint64_t n1 = 0, n2 = 0;
	long r = copy_path(path1, rel, &n1);

	if (r == 0 && rel2)
		r = copy_path(path2, rel2, &n2);
	if (r)
		return r;
	parg = (struct uhyve_fs_path){.mount = (uint32_t)(uintptr_t)ctx, .flags = flags,
				      .mode = (uint32_t)mode, .path = (uintptr_t)path1,
				      .path_len = n1, .path2 = (uintptr_t)path2, .path2_len = n2,
				      .buf = (uintptr_t)buf, .len = len};
	uhyve_hypercall(call, &parg);
	return (long)parg.ret;
}

static long hostfs_fstat(struct file *f, struct stat *st)
{
	long r;

	spin_lock(&lock);
	r = io_call(UHYVE_HC_FS_FSTAT, handle_of(f), &ustat, sizeof(ustat), 0);
	if (r == 0)
		to_stat(st);
	spin_unlock(&lock);
	return r;
}

static long hostfs_read(struct file *f, char *buf, size_t len)
{
	size_t done = 0;
	long r = 0;

	while (done < len) {
		size_t n = MIN(len - done, sizeof(bounce));

		spin_lock(&lock);
		r = io_call(UHYVE_HC_FS_PREAD, handle_of(f), bounce, n, f->pos);
		if (r > 0)
			kmemcpy(buf + done, bounce, (size_t)r);
		spin_unlock(&lock);
		if (r <= 0)
			break;
		done += (size_t)r;
		f->pos += (uint64_t)r;
		if ((size_t)r < n)
			break;
	}
	return done ? (long)done : r;
}

static long hostfs_write(struct file *f, const char *buf, size_t len)
{
	size_t done = 0;
	long r = 0;

	if (f->flags & O_APPEND) {
		struct stat st;

		if ((r = hostfs_fstat(f, &st)) < 0)
			return r;
		f->pos = (uint64_t)st.st_size;
	}
	while (done < len) {
		size_t n = MIN(len - done, sizeof(bounce));

		spin_lock(&lock);
		kmemcpy(bounce, buf + done, n);
		r = io_call(UHYVE_HC_FS_PWRITE, handle_of(f), bounce, n, f->pos);
		spin_unlock(&lock);
		if (r <= 0)
			break;
		done += (size_t)r;
		f->pos += (uint64_t)r;
		if ((size_t)r < n)
			break;
	}
	return done ? (long)done : r;
}

static long hostfs_getdents(struct file *f, char *buf, size_t len)
{
	long r;

	spin_lock(&lock);
	r = io_call(UHYVE_HC_FS_GETDENTS, handle_of(f), bounce, MIN(len, sizeof(bounce)), 0);
	if (r > 0)
		kmemcpy(buf, bounce, (size_t)r);
	spin_unlock(&lock);
	return r;
}

static long hostfs_ftruncate(struct file *f, uint64_t len)
{
	long r;

	spin_lock(&lock);
	r = io_call(UHYVE_HC_FS_FTRUNCATE, handle_of(f), NULL, 0, len);
	spin_unlock(&lock);
	return r;
}

/* Writes reach the host file at once (pwrite on the host); this makes the
 * host write them to its storage (fsync/fdatasync there). */
static long hostfs_fsync(struct file *f, bool datasync)
{
	long r;

	spin_lock(&lock);
	ioarg = (struct uhyve_fs_io){.handle = handle_of(f), .flags = datasync};
	uhyve_hypercall(UHYVE_HC_FS_FSYNC, &ioarg);
	r = (long)ioarg.ret;
	spin_unlock(&lock);
	return r;
}

/* FS_STATFS with sarg set but for buf/len, lock held: the host's figures
 * into sf. */
static long statfs_call(struct statfs *sf)
{
	sarg.buf = (uintptr_t)&ustatfs;
	sarg.len = sizeof(ustatfs);
	uhyve_hypercall(UHYVE_HC_FS_STATFS, &sarg);
	if (sarg.ret)
		return (long)sarg.ret;
	kmemset(sf, 0, sizeof(*sf));
	sf->f_type = ustatfs.type;
	sf->f_bsize = ustatfs.bsize;
	sf->f_frsize = ustatfs.frsize;
	sf->f_namelen = ustatfs.namelen;
	sf->f_blocks = ustatfs.blocks;
	sf->f_bfree = ustatfs.bfree;
	sf->f_bavail = ustatfs.bavail;
	sf->f_files = ustatfs.files;
	sf->f_ffree = ustatfs.ffree;
	return 0;
}

static long hostfs_statfs(struct file *f, struct statfs *sf)
{
	long r;

	spin_lock(&lock);
	sarg = (struct uhyve_fs_statfs){.handle = handle_of(f), .flags = UHYVE_FS_BY_HANDLE};
	r = statfs_call(sf);
	spin_unlock(&lock);
	return r;
}

static void hostfs_release(struct file *f)
{
	spin_lock(&lock);
	io_call(UHYVE_HC_FS_CLOSE, handle_of(f), NULL, 0, 0);
	spin_unlock(&lock);
}

static const struct file_ops hostfs_file_ops = {
	.read = hostfs_read,
	.write = hostfs_write,
	.stat = hostfs_fstat,
	.lseek = file_seek,
	.getdents = hostfs_getdents,
	.truncate = hostfs_ftruncate,
	.fsync = hostfs_fsync,
	.statfs = hostfs_statfs,
	.release = hostfs_release,
};

static long be_open(void *ctx, const char *rel, int flags, int mode, struct file **out)
{
	struct file *f;
	long h;

	spin_lock(&lock);
	h = path_call(UHYVE_HC_FS_OPEN, ctx, rel, NULL, flags, mode, NULL, 0);
	spin_unlock(&lock);
	if (h < 0)
		return h;
	f = file_new(&hostfs_file_ops, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK),
		     (void *)(uintptr_t)h);
	if (!f) {
		spin_lock(&lock);
		io_call(UHYVE_HC_FS_CLOSE, (int)h, NULL, 0, 0);
		spin_unlock(&lock);
		return -ENOMEM;
	}
	*out = f;
	return 0;
}

static long be_stat(void *ctx, const char *rel, struct stat *st, bool follow)
{
	long r;

	spin_lock(&lock);
	r = path_call(UHYVE_HC_FS_STAT, ctx, rel, NULL, follow, 0, &ustat, sizeof(ustat));
	if (r == 0)
		to_stat(st);
	spin_unlock(&lock);
	return r;
}

static long be_mkdir(void *ctx, const char *rel, int mode)
{
	long r;

	spin_lock(&lock);
	r = path_call(UHYVE_HC_FS_MKDIR, ctx, rel, NULL, 0, mode, NULL, 0);
	spin_unlock(&lock);
	return r;
}

static long be_unlink(void *ctx, const char *rel, bool dir)
{
	long r;

	spin_lock(&lock);
	r = path_call(UHYVE_HC_FS_UNLINK, ctx, rel, NULL, dir, 0, NULL, 0);
	spin_unlock(&lock);
	return r;
}

static long be_rename(void *ctx, const char *from, const char *to)
{
	long r;

	spin_lock(&lock);
	r = path_call(UHYVE_HC_FS_RENAME, ctx, from, to, 0, 0, NULL, 0);
	spin_unlock(&lock);
	return r;
}

static long be_symlink(void *ctx, const char *target, const char *rel)
{
	long r;

	spin_lock(&lock);
	r = path_call(UHYVE_HC_FS_SYMLINK, ctx, rel, target, 0, 0, NULL, 0);
	spin_unlock(&lock);
	return r;
}

static long be_readlink(void *ctx, const char *rel, char *buf, size_t len)
{
	long r;

	spin_lock(&lock);
	r = path_call(UHYVE_HC_FS_READLINK, ctx, rel, NULL, 0, 0, bounce,
		      MIN(len, sizeof(bounce)));
	if (r > 0)
		kmemcpy(buf, bounce, (size_t)r);
	spin_unlock(&lock);
	return r;
}

static long be_truncate(void *ctx, const char *rel, uint64_t len)
{
	struct file *f;
	long r = be_open(ctx, rel, O_WRONLY, 0, &f);

	if (r < 0)
		return r;
	r = hostfs_ftruncate(f, len);
	file_put(f);
	return r;
}

static long be_statfs(void *ctx, const char *rel, struct statfs *sf)
{
	uint64_t n;
	long r;

	spin_lock(&lock);
	r = copy_path(path1, rel, &n);
	if (r == 0) {
		sarg = (struct uhyve_fs_statfs){.mount = (uint32_t)(uintptr_t)ctx,
						.path = (uintptr_t)path1, .path_len = n};
		r = statfs_call(sf);
	}
	spin_unlock(&lock);
	return r;
}

const struct fs_backend hostfs_backend = {
	.name = "hostfs",
	.open = be_open,
	.stat = be_stat,
	.mkdir = be_mkdir,
	.unlink = be_unlink,
	.rename = be_rename,
	.symlink = be_symlink,
	.readlink = be_readlink,
	.truncate = be_truncate,
	.statfs = be_statfs,
};

/* Mount uhyve's host directory i at the i-th comma-separated path of
 * mounts (HERMIT_MOUNTS); nothing when not on uhyve. */
void hostfs_init(const char *mounts)
{
	char path[VFS_PATH_MAX];
	uintptr_t i = 0;

	if (!uhyve_present() || !mounts)
		return;
	while (*mounts) {
		const char *end = kstrchr(mounts, ',');
		size_t n = end ? (size_t)(end - mounts) : kstrlen(mounts);

		if (n && n < sizeof(path)) {
			long r;

			kmemcpy(path, mounts, n);
			path[n] = '\0';
			r = vfs_mount(path, &hostfs_backend, (void *)i);
			if (r < 0)
				kprintf("[hermit] hostfs: cannot mount host directory %u at %s "
					"(error %ld)\n",
					(unsigned)i, path, -r);
		}
		i++;
		if (!end)
			break;
		mounts = end + 1;
	}
}
