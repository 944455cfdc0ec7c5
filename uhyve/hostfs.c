/* SPDX-License-Identifier: MIT */
/*
 * Host directories (--mount HOST_DIR:GUEST_PATH) behind the FS_* hypercalls
 * of <hermit/hypercall.h> (DESIGN.md D8). The sandbox is enforced here, on
 * the host: each mount's directory is opened once (O_PATH | O_DIRECTORY)
 * and every guest path is resolved from it with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS), so "..", absolute paths and symbolic links that
 * would leave the directory fail in the host kernel (EXDEV, given to the
 * guest as -EACCES). Calls on a name resolve its parent that way and act
 * on the last component with the *at() calls, which do not follow it.
 * Open files are a bounded table of host fds; the guest holds indexes,
 * checked on every use, and a handle closed while another vCPU uses it is
 * closed when that use ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uhyve.h"

#define HFS_PATH_MAX 4096 /* with the NUL */
#define HFS_NAME_MAX 255
#define HFS_IO_MAX   0x7ffff000ull /* Linux's largest single read/write */

static long hfs_openat2(int dirfd, const char *path, int flags, unsigned mode)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .mode = (flags & O_CREAT) ? (mode & 07777) : 0,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	if (fd >= 0)
		return fd;
	return errno == EXDEV ? -EACCES : -errno; /* EXDEV: it would leave the mount */
}

void hfs_init(struct hfs *fs)
{
	unsigned i;

	memset(fs, 0, sizeof(*fs));
	pthread_mutex_init(&fs->lock, NULL);
	for (i = 0; i < HFS_HANDLES; i++)
		fs->h[i].fd = -1;
}

int hfs_add(struct hfs *fs, const char *host, char *err)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC};
	long fd;

	if (fs->nmounts >= HFS_MOUNTS_MAX) {
		snprintf(err, ERRLEN, "--mount: at most %d mounts", HFS_MOUNTS_MAX);
		return -1;
	}
	fd = syscall(SYS_openat2, AT_FDCWD, host, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		snprintf(err, ERRLEN,
			 "--mount %s: this host's kernel has no openat2 (Linux 5.6 or later is "
			 "needed to keep the guest inside the directory); not mounting",
			 host);
		return -1;
	}
	if (fd < 0) {
		snprintf(err, ERRLEN, "--mount %s: %s", host,
			 errno == ENOTDIR ? "not a directory" : strerror(errno));
		return -1;
	}
	fs->dirfd[fs->nmounts++] = (int)fd;
	return 0;
}

void hfs_free(struct hfs *fs)
{
	unsigned i;

	for (i = 0; i < fs->nmounts; i++)
		close(fs->dirfd[i]);
	for (i = 0; i < HFS_HANDLES; i++)
		if (fs->h[i].fd >= 0)
			close(fs->h[i].fd);
	fs->nmounts = 0;
	pthread_mutex_destroy(&fs->lock);
}

/* Copy the guest's path (len bytes, no NUL) into out as a C string, "."
 * for the mount's root; 0 or -errno. */
static int hfs_path(char *out, const char *p, uint64_t len)
{
	if (len >= HFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (memchr(p, '\0', len))
		return -EINVAL;
	if (len == 0) {
		strcpy(out, ".");
		return 0;
	}
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/* Resolve path beneath mount `mount` and open it with flags; fd or -errno. */
static long hfs_resolve(struct hfs *fs, uint32_t mount, const char *p, uint64_t len, int flags,
			unsigned mode)
{
	char path[HFS_PATH_MAX];
	int r;

	if (!fs || mount >= fs->nmounts)
		return -ENOENT;
	if ((r = hfs_path(path, p, len)) < 0)
		return r;
	return hfs_openat2(fs->dirfd[mount], path, flags, mode);
}

/* Resolve the parent of path beneath the mount (an O_PATH fd in *pfd) and
 * put the last component in name; 0 or -errno. */
static int hfs_parent(struct hfs *fs, uint32_t mount, const char *p, uint64_t len, int *pfd,
		      char *name)
{
	char path[HFS_PATH_MAX];
	char *slash, *last;
	long fd;
	int r;

	if (!fs || mount >= fs->nmounts)
		return -ENOENT;
	if ((r = hfs_path(path, p, len)) < 0)
		return r;
	if (len == 0)
		return -EINVAL; /* the mount's root has no name */
	slash = strrchr(path, '/');
	last = slash ? slash + 1 : path;
	if (!*last || !strcmp(last, ".") || !strcmp(last, ".."))
		return -EINVAL;
	if (strlen(last) > HFS_NAME_MAX)
		return -ENAMETOOLONG;
	strcpy(name, last);
	if (slash == path)
		return -EACCES; /* an absolute path */
	if (slash)
		*slash = '\0';
	fd = hfs_openat2(fs->dirfd[mount], slash ? path : ".", O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return (int)fd;
	*pfd = (int)fd;
	return 0;
}

/* ---- handles ---- */

static int64_t hfs_new_handle(struct hfs *fs, int fd)
{
	int64_t i;

	pthread_mutex_lock(&fs->lock);
	for (i = 0; i < HFS_HANDLES; i++)
		if (fs->h[i].fd < 0) {
			fs->h[i].fd = fd;
			fs->h[i].refs = 0;
			fs->h[i].closing = false;
			pthread_mutex_unlock(&fs->lock);
			return i;
		}
	pthread_mutex_unlock(&fs->lock);
	close(fd);
	return -EMFILE;
}

/* The host fd of handle h, held until hfs_put; -EBADF if not open. */
static int hfs_get(struct hfs *fs, int32_t h)
{
	int fd = -EBADF;

	if (!fs || h < 0 || h >= HFS_HANDLES)
		return -EBADF;
	pthread_mutex_lock(&fs->lock);
	if (fs->h[h].fd >= 0 && !fs->h[h].closing) {
		fd = fs->h[h].fd;
		fs->h[h].refs++;
	}
	pthread_mutex_unlock(&fs->lock);
	return fd;
}

/* Close handle h's fd if it is closing and unused (lock held). */
static void hfs_release(struct hfs *fs, int32_t h)
{
	if (fs->h[h].closing && fs->h[h].refs == 0) {
		close(fs->h[h].fd);
		fs->h[h].fd = -1;
		fs->h[h].closing = false;
	}
}

static void hfs_put(struct hfs *fs, int32_t h)
{
	pthread_mutex_lock(&fs->lock);
	fs->h[h].refs--;
	hfs_release(fs, h);
	pthread_mutex_unlock(&fs->lock);
}

int64_t hfs_close(struct hfs *fs, int32_t h)
{
	int64_t r = -EBADF;

	if (!fs || h < 0 || h >= HFS_HANDLES)
		return -EBADF;
	pthread_mutex_lock(&fs->lock);
	if (fs->h[h].fd >= 0 && !fs->h[h].closing) {
		fs->h[h].closing = true;
		hfs_release(fs, h);
		r = 0;
	}
	pthread_mutex_unlock(&fs->lock);
	return r;
}

/* ---- the calls, on host pointers ---- */

int64_t hfs_open(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, int flags,
		 unsigned mode)
{
	const int ok = O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY |
		       O_NOFOLLOW | O_NONBLOCK;
	long fd;

	flags &= ok;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	fd = hfs_resolve(fs, mount, path, len, flags, mode);
	if (fd < 0)
		return fd;
	return hfs_new_handle(fs, (int)fd);
}

static void hfs_conv_stat(struct uhyve_stat *u, const struct stat *st)
{
	memset(u, 0, sizeof(*u));
	u->dev = st->st_dev;
	u->ino = st->st_ino;
	u->nlink = st->st_nlink;
	u->mode = st->st_mode;
	u->uid = st->st_uid;
	u->gid = st->st_gid;
	u->rdev = st->st_rdev;
	u->size = st->st_size;
	u->blksize = st->st_blksize;
	u->blocks = st->st_blocks;
	u->atime_sec = st->st_atim.tv_sec;
	u->atime_nsec = st->st_atim.tv_nsec;
	u->mtime_sec = st->st_mtim.tv_sec;
	u->mtime_nsec = st->st_mtim.tv_nsec;
	u->ctime_sec = st->st_ctim.tv_sec;
	u->ctime_nsec = st->st_ctim.tv_nsec;
}

int64_t hfs_stat(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, bool follow,
		 struct uhyve_stat *out)
{
	struct stat st;
	long fd = hfs_resolve(fs, mount, path, len, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
	int r;

	if (fd < 0)
		return fd;
	r = fstat((int)fd, &st) < 0 ? -errno : 0;
	close((int)fd);
	if (r == 0)
		hfs_conv_stat(out, &st);
	return r;
}

int64_t hfs_mkdir(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, unsigned mode)
{
	char name[HFS_NAME_MAX + 1];
	int pfd, r = hfs_parent(fs, mount, path, len, &pfd, name);

	if (r < 0)
		return r;
	r = mkdirat(pfd, name, mode & 07777) < 0 ? -errno : 0;
	close(pfd);
	return r;
}

int64_t hfs_unlink(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, bool dir)
{
	char name[HFS_NAME_MAX + 1];
	int pfd, r = hfs_parent(fs, mount, path, len, &pfd, name);

	if (r < 0)
		return r;
	r = unlinkat(pfd, name, dir ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;
	close(pfd);
	return r;
}

int64_t hfs_rename(struct hfs *fs, uint32_t mount, const char *from, uint64_t from_len,
		   const char *to, uint64_t to_len)
{
	char n1[HFS_NAME_MAX + 1], n2[HFS_NAME_MAX + 1];
	int p1, p2, r = hfs_parent(fs, mount, from, from_len, &p1, n1);

	if (r < 0)
		return r;
	r = hfs_parent(fs, mount, to, to_len, &p2, n2);
	if (r < 0) {
		close(p1);
		return r;
	}
	r = renameat(p1, n1, p2, n2) < 0 ? -errno : 0;
	close(p1);
	close(p2);
	return r;
}

int64_t hfs_symlink(struct hfs *fs, uint32_t mount, const char *target, uint64_t target_len,
		    const char *path, uint64_t len)
{
	char name[HFS_NAME_MAX + 1], t[HFS_PATH_MAX];
	int pfd, r;

	if (!fs || mount >= fs->nmounts)
		return -ENOENT;
	if ((r = hfs_path(t, target, target_len)) < 0)
		return r;
	if (target_len == 0)
		return -ENOENT; /* as symlink(2) with an empty target */
	if ((r = hfs_parent(fs, mount, path, len, &pfd, name)) < 0)
		return r;
	r = symlinkat(t, pfd, name) < 0 ? -errno : 0;
	close(pfd);
	return r;
}

int64_t hfs_readlink(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, char *buf,
		     uint64_t size)
{
	char name[HFS_NAME_MAX + 1];
	int pfd, r = hfs_parent(fs, mount, path, len, &pfd, name);
	ssize_t n;

	if (r < 0)
		return r;
	n = readlinkat(pfd, name, buf, size > HFS_IO_MAX ? HFS_IO_MAX : size);
	if (n < 0)
		n = -errno;
	close(pfd);
	return n;
}

int64_t hfs_pread(struct hfs *fs, int32_t h, void *buf, uint64_t len, uint64_t off)
{
	int fd = hfs_get(fs, h);
	ssize_t n;

	if (fd < 0)
		return fd;
	if (off > INT64_MAX)
		n = -EINVAL;
	else if ((n = pread(fd, buf, len > HFS_IO_MAX ? HFS_IO_MAX : len, (off_t)off)) < 0)
		n = -errno;
	hfs_put(fs, h);
	return n;
}

int64_t hfs_pwrite(struct hfs *fs, int32_t h, const void *buf, uint64_t len, uint64_t off)
{
	int fd = hfs_get(fs, h);
	ssize_t n;

	if (fd < 0)
		return fd;
	if (off > INT64_MAX)
		n = -EINVAL;
	else if ((n = pwrite(fd, buf, len > HFS_IO_MAX ? HFS_IO_MAX : len, (off_t)off)) < 0)
		n = -errno;
	hfs_put(fs, h);
	return n;
}

int64_t hfs_fstat(struct hfs *fs, int32_t h, struct uhyve_stat *out)
{
	struct stat st;
	int fd = hfs_get(fs, h), r;

	if (fd < 0)
		return fd;
	r = fstat(fd, &st) < 0 ? -errno : 0;
	hfs_put(fs, h);
	if (r == 0)
		hfs_conv_stat(out, &st);
	return r;
}

int64_t hfs_getdents(struct hfs *fs, int32_t h, void *buf, uint64_t len)
{
	int fd = hfs_get(fs, h);
	long n;

	if (fd < 0)
		return fd;
	n = syscall(SYS_getdents64, fd, buf, len > (1u << 30) ? (1u << 30) : (unsigned)len);
	if (n < 0)
		n = -errno;
	hfs_put(fs, h);
	return n;
}

int64_t hfs_ftruncate(struct hfs *fs, int32_t h, uint64_t len)
{
	int fd = hfs_get(fs, h), r;

	if (fd < 0)
		return fd;
	if (len > INT64_MAX)
		r = -EINVAL;
	else
		r = ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
	hfs_put(fs, h);
	return r;
}

int64_t hfs_fsync(struct hfs *fs, int32_t h, bool datasync)
{
	int fd = hfs_get(fs, h), r;

	if (fd < 0)
		return fd;
	r = (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
	hfs_put(fs, h);
	return r;
}

static int hfs_fd_statfs(int fd, struct uhyve_statfs *out)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	out->type = (uint64_t)sf.f_type;
	out->bsize = (uint64_t)sf.f_bsize;
	out->frsize = (uint64_t)(sf.f_frsize ? sf.f_frsize : sf.f_bsize);
	out->namelen = (uint64_t)sf.f_namelen;
	out->blocks = sf.f_blocks;
	out->bfree = sf.f_bfree;
	out->bavail = sf.f_bavail;
	out->files = sf.f_files;
	out->ffree = sf.f_ffree;
	return 0;
}

int64_t hfs_statfs(struct hfs *fs, uint32_t mount, const char *path, uint64_t len,
		   struct uhyve_statfs *out)
{
	long fd = hfs_resolve(fs, mount, path, len, O_PATH, 0);
	int r;

	if (fd < 0)
		return fd;
	r = hfs_fd_statfs((int)fd, out);
	close((int)fd);
	return r;
}

int64_t hfs_fstatfs(struct hfs *fs, int32_t h, struct uhyve_statfs *out)
{
	int fd = hfs_get(fs, h), r;

	if (fd < 0)
		return fd;
	r = hfs_fd_statfs(fd, out);
	hfs_put(fs, h);
	return r;
}

/* ---- the hypercalls: guest pointers through guest_ptr() ---- */

/* Host address of [gpa, gpa+len) or NULL with err set (the call then ends
 * the guest). A zero length names no memory. */
static void *hfs_ptr(const struct guest *g, unsigned call, const char *what, uint64_t gpa,
		     uint64_t len, char *err)
{
	static char empty[1];
	void *p = len ? guest_ptr(g, gpa, len) : empty;

	if (!p)
		snprintf(err, ERRLEN, "hypercall %s: %s 0x%llx +%llu outside guest memory",
			 hc_name(call), what, (unsigned long long)gpa, (unsigned long long)len);
	return p;
}

static int hfs_path_call(struct hfs *fs, const struct guest *g, unsigned call, uint8_t *p,
			 char *err)
{
	struct uhyve_fs_path a;
	const char *path, *path2 = NULL;
	void *buf = NULL;
	struct uhyve_stat st;

	memcpy(&a, p, sizeof(a));
	if (!(path = hfs_ptr(g, call, "path", a.path, a.path_len, err)))
		return HC_ERROR;
	if ((call == UHYVE_HC_FS_RENAME || call == UHYVE_HC_FS_SYMLINK) &&
	    !(path2 = hfs_ptr(g, call, "path2", a.path2, a.path2_len, err)))
		return HC_ERROR;
	if ((call == UHYVE_HC_FS_STAT || call == UHYVE_HC_FS_READLINK) &&
	    !(buf = hfs_ptr(g, call, "buffer", a.buf, a.len, err)))
		return HC_ERROR;
	switch (call) {
	case UHYVE_HC_FS_OPEN:
		a.ret = hfs_open(fs, a.mount, path, a.path_len, a.flags, a.mode);
		break;
	case UHYVE_HC_FS_STAT:
		if (a.len < sizeof(st)) {
			a.ret = -EINVAL;
			break;
		}
		a.ret = hfs_stat(fs, a.mount, path, a.path_len, a.flags & 1, &st);
		if (a.ret == 0)
			memcpy(buf, &st, sizeof(st));
		break;
	case UHYVE_HC_FS_MKDIR:
		a.ret = hfs_mkdir(fs, a.mount, path, a.path_len, a.mode);
		break;
	case UHYVE_HC_FS_UNLINK:
		a.ret = hfs_unlink(fs, a.mount, path, a.path_len, a.flags & 1);
		break;
	case UHYVE_HC_FS_RENAME:
		a.ret = hfs_rename(fs, a.mount, path, a.path_len, path2, a.path2_len);
		break;
	case UHYVE_HC_FS_READLINK:
		a.ret = hfs_readlink(fs, a.mount, path, a.path_len, buf, a.len);
		break;
	case UHYVE_HC_FS_SYMLINK:
		a.ret = hfs_symlink(fs, a.mount, path2, a.path2_len, path, a.path_len);
		break;
	}
	memcpy(p + offsetof(struct uhyve_fs_path, ret), &a.ret, sizeof(a.ret));
	return HC_CONTINUE;
}

static int hfs_io_call(struct hfs *fs, const struct guest *g, unsigned call, uint8_t *p, char *err)
{
	struct uhyve_fs_io a;
	struct uhyve_stat st;
	void *buf = NULL;

	memcpy(&a, p, sizeof(a));
	if ((call == UHYVE_HC_FS_PREAD || call == UHYVE_HC_FS_PWRITE ||
	     call == UHYVE_HC_FS_FSTAT || call == UHYVE_HC_FS_GETDENTS) &&
	    !(buf = hfs_ptr(g, call, "buffer", a.buf, a.len, err)))
		return HC_ERROR;
	switch (call) {
	case UHYVE_HC_FS_CLOSE:
		a.ret = hfs_close(fs, a.handle);
		break;
	case UHYVE_HC_FS_PREAD:
		a.ret = hfs_pread(fs, a.handle, buf, a.len, a.off);
		break;
	case UHYVE_HC_FS_PWRITE:
		a.ret = hfs_pwrite(fs, a.handle, buf, a.len, a.off);
		break;
	case UHYVE_HC_FS_FSTAT:
		if (a.len < sizeof(st)) {
			a.ret = -EINVAL;
			break;
		}
		a.ret = hfs_fstat(fs, a.handle, &st);
		if (a.ret == 0)
			memcpy(buf, &st, sizeof(st));
		break;
	case UHYVE_HC_FS_GETDENTS:
		a.ret = hfs_getdents(fs, a.handle, buf, a.len);
		break;
	case UHYVE_HC_FS_FTRUNCATE:
		a.ret = hfs_ftruncate(fs, a.handle, a.off);
		break;
	case UHYVE_HC_FS_FSYNC:
		a.ret = hfs_fsync(fs, a.handle, a.flags & 1);
		break;
	}
	memcpy(p + offsetof(struct uhyve_fs_io, ret), &a.ret, sizeof(a.ret));
	return HC_CONTINUE;
}

static int hfs_statfs_call(struct hfs *fs, const struct guest *g, uint8_t *p, char *err)
{
	const unsigned call = UHYVE_HC_FS_STATFS;
	struct uhyve_fs_statfs a;
	struct uhyve_statfs sf;
	const char *path = NULL;
	void *buf;

	memcpy(&a, p, sizeof(a));
	if (!(a.flags & UHYVE_FS_BY_HANDLE) &&
	    !(path = hfs_ptr(g, call, "path", a.path, a.path_len, err)))
		return HC_ERROR;
	if (!(buf = hfs_ptr(g, call, "buffer", a.buf, a.len, err)))
		return HC_ERROR;
	if (a.len < sizeof(sf))
		a.ret = -EINVAL;
	else if (a.flags & UHYVE_FS_BY_HANDLE)
		a.ret = hfs_fstatfs(fs, a.handle, &sf);
	else
		a.ret = hfs_statfs(fs, a.mount, path, a.path_len, &sf);
	if (a.ret == 0)
		memcpy(buf, &sf, sizeof(sf));
	memcpy(p + offsetof(struct uhyve_fs_statfs, ret), &a.ret, sizeof(a.ret));
	return HC_CONTINUE;
}

/* Serve FS call `call` (fs NULL: no mounts); HC_CONTINUE or HC_ERROR. */
int hfs_call(struct hfs *fs, const struct guest *g, unsigned call, uint32_t arg, char *err)
{
	bool io = call == UHYVE_HC_FS_CLOSE || call == UHYVE_HC_FS_PREAD ||
		  call == UHYVE_HC_FS_PWRITE || call == UHYVE_HC_FS_FSTAT ||
		  call == UHYVE_HC_FS_GETDENTS || call == UHYVE_HC_FS_FTRUNCATE ||
		  call == UHYVE_HC_FS_FSYNC;
	size_t size = io ? sizeof(struct uhyve_fs_io) : sizeof(struct uhyve_fs_path);
	uint8_t *p;

	if (call == UHYVE_HC_FS_STATFS)
		size = sizeof(struct uhyve_fs_statfs);
	p = hfs_ptr(g, call, "argument struct", arg, size, err);
	if (!p)
		return HC_ERROR;
	if (call == UHYVE_HC_FS_STATFS)
		return hfs_statfs_call(fs, g, p, err);
	return io ? hfs_io_call(fs, g, call, p, err) : hfs_path_call(fs, g, call, p, err);
}
