/* SPDX-License-Identifier: MIT */
/*
 * The VFS and its RAM file system. One lock guards the tree; file data
 * lives in kmalloc'd buffers that grow by doubling. Paths are copied from
 * the app by the system-call layer (syscall/fs.c) before they reach here.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <unistd.h>
#include "clock.h"
#include "log.h"
#include "mm.h"
#include "random.h"
#include "spinlock.h"
#include "console.h"
#include "tty.h"
#include "vfs.h"

#define SYMLOOP_MAX 40

struct inode {
	uint32_t mode; /* S_IFMT bits and permissions */
	uint64_t ino;
	int nlink;
	int refs;      /* open files and the working directory */
	struct inode *parent;
	char name[VFS_NAME_MAX + 1];
	struct inode *children, *sibling; /* directories */
	char *data;			  /* regular files and link targets */
	uint64_t size, cap;
	const struct dev_ops *dev;
	const struct fs_backend *mnt; /* a mount point: the backend below it */
	void *mnt_ctx;
	struct timespec atime, mtime, ctime;
};

static struct spinlock lock;
static struct inode *root, *cwd;
static char cwd_rel[VFS_PATH_MAX]; /* below cwd when cwd is a mount point */
static uint64_t next_ino = 1;

static struct timespec now(void)
{
	uint64_t ns = clock_realtime_ns();

	return (struct timespec){ ns / 1000000000ull, ns % 1000000000ull };
}

static struct inode *inode_new(struct inode *dir, const char *name, uint32_t mode)
{
	struct inode *n = kzalloc(sizeof(*n));

	if (!n)
		return NULL;
	n->mode = mode;
	n->ino = next_ino++;
	n->nlink = S_ISDIR(mode) ? 2 : 1;
	n->atime = n->mtime = n->ctime = now();
	kmemcpy(n->name, name, kstrnlen(name, VFS_NAME_MAX));
	n->parent = dir ? dir : n;
	if (dir) {
		n->sibling = dir->children;
		dir->children = n;
		if (S_ISDIR(mode))
			dir->nlink++;
		dir->mtime = n->ctime;
	}
	return n;
}

static void inode_free_if_unused(struct inode *n)
{
	if (n->nlink > 0 || n->refs > 0)
		return;
	kfree(n->data);
	kfree(n);
}

static void detach(struct inode *n)
{
	struct inode *d = n->parent;

	for (struct inode **pp = &d->children; *pp; pp = &(*pp)->sibling) {
		if (*pp == n) {
			*pp = n->sibling;
			break;
		}
	}
	if (S_ISDIR(n->mode))
		d->nlink--;
	d->mtime = d->ctime = now();
}

static struct inode *lookup(struct inode *dir, const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return dir;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return dir->parent;
	for (struct inode *c = dir->children; c; c = c->sibling)
		if (kstrnlen(c->name, VFS_NAME_MAX + 1) == len && !kmemcmp(c->name, name, len))
			return c;
	return NULL;
}

/* The directory to start from: "/" for absolute paths, else dirfd's
 * directory or the working directory. */
static long start_dir(int dirfd, const char *path, struct inode **out);

struct walk {
	struct inode *dir;  /* the parent of the last component */
	struct inode *node; /* the last component, NULL if absent */
	char last[VFS_NAME_MAX + 1];
	struct inode *mount; /* set: the path goes on in this mount's backend */
	char rel[VFS_PATH_MAX]; /* ... as this normalised relative path */
};

/* Append a component to a mount-relative path, or drop its last one. */
static long rel_push(char *rel, const char *c, size_t len)
{
	size_t at = kstrlen(rel);

	if (at + !!at + len >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (at)
		rel[at++] = '/';
	kmemcpy(rel + at, c, len);
	rel[at + len] = 0;
	return 0;
}

static void rel_pop(char *rel)
{
	char *slash = NULL;

	for (char *p = rel; *p; p++)
		if (*p == '/')
			slash = p;
	if (slash)
		*slash = 0;
	else
		rel[0] = 0;
}

/* Resolve path (lock held). follow: follow a symlink in the last component.
 * Returns 0 (w->node may be NULL: the parent exists; w->mount set: the rest
 * is the backend's) or -errno. */
static long walk(struct inode *start, const char *path, bool follow, struct walk *w)
{
	struct inode *dir = path[0] == '/' ? root : start;
	const char *p = path;
	int links = 0;

	if (!*path)
		return -ENOENT;
	if (kstrnlen(path, VFS_PATH_MAX) >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	w->node = dir;
	w->dir = dir->parent;
	w->mount = NULL;
	w->rel[0] = 0;
	kmemcpy(w->last, ".", 2);
	if (dir->mnt) {
		w->mount = dir;
		kmemcpy(w->rel, dir == cwd && path[0] != '/' ? cwd_rel : "",
			kstrlen(dir == cwd && path[0] != '/' ? cwd_rel : "") + 1);
	}
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t len = e - p;
		if (len > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		if (w->mount) { /* inside a mount: lexical, the backend resolves */
			if (len == 2 && p[0] == '.' && p[1] == '.') {
				if (!w->rel[0]) { /* leaving the mount upwards */
					dir = w->mount->parent;
					w->mount = NULL;
					w->node = dir;
					w->dir = dir->parent;
				} else {
					rel_pop(w->rel);
				}
			} else if (!(len == 1 && p[0] == '.')) {
				long r = rel_push(w->rel, p, len);
				if (r)
					return r;
			}
			p = e;
			continue;
		}
		if (!S_ISDIR(dir->mode))
			return -ENOTDIR;
		struct inode *n = lookup(dir, p, len);
		bool last = true;
		for (const char *q = e; *q; q++)
			if (*q != '/')
				last = false;
		if (n && S_ISLNK(n->mode) && (!last || follow || *e == '/')) {
			/* Splice the target in front of the rest and go on;
			 * the lock serialises walks, so two buffers suffice. */
			static char splice[2][VFS_PATH_MAX];
			char *buf = splice[++links & 1];
			size_t tl = n->size, rl = kstrlen(e);
			if (links > SYMLOOP_MAX)
				return -ELOOP;
			if (tl + rl + 1 > VFS_PATH_MAX)
				return -ENAMETOOLONG;
			kmemcpy(buf, n->data, tl);
			kmemcpy(buf + tl, e, rl + 1);
			p = buf;
			if (*p == '/')
				dir = root;
			continue;
		}
		w->dir = dir;
		w->node = n;
		kmemset(w->last, 0, sizeof(w->last));
		kmemcpy(w->last, p, len);
		if (n && n->mnt) {
			w->mount = n;
			w->rel[0] = 0;
		}
		if (last && !w->mount)
			return 0;
		if (!n)
			return -ENOENT;
		dir = n;
		p = e;
	}
}

/* ---- files ---- */

static long reg_read(struct file *f, char *buf, size_t len)
{
	long n = vfs_file_read_at(f, buf, len, f->pos);

	if (n > 0)
		f->pos += n;
	return n;
}

long vfs_file_read_at(struct file *f, char *dst, size_t len, uint64_t off)
{
	struct inode *n = f->priv;
	size_t k;

	spin_lock(&lock);
	k = off >= n->size ? 0 : MIN(len, n->size - off);
	kmemcpy(dst, n->data + off, k);
	n->atime = now();
	spin_unlock(&lock);
	return (long)k;
}

static long grow(struct inode *n, uint64_t size)
{
	if (size > n->cap) {
		uint64_t cap = MAX(size, n->cap * 2);
		char *d = kmalloc(cap);
		if (!d)
			return -ENOSPC;
		kmemcpy(d, n->data, n->size);
		kfree(n->data);
		n->data = d;
		n->cap = cap;
	}
	if (size > n->size)
		kmemset(n->data + n->size, 0, size - n->size);
	n->size = size;
	return 0;
}

static long reg_write(struct file *f, const char *buf, size_t len)
{
	struct inode *n = f->priv;
	uint64_t off;
	long r;

	spin_lock(&lock);
	off = (f->flags & O_APPEND) ? n->size : f->pos;
	if (off + len > n->size && (r = grow(n, off + len))) {
		spin_unlock(&lock);
		return r;
	}
	kmemcpy(n->data + off, buf, len);
	n->mtime = n->ctime = now();
	f->pos = off + len;
	spin_unlock(&lock);
	return (long)len;
}

static void fill_stat(struct inode *n, struct stat *st)
{
	kmemset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_size = S_ISDIR(n->mode) ? 4096 : n->size;
	st->st_blksize = 4096;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
	if (n->dev)
		st->st_rdev = n->ino;
}

static long node_stat(struct file *f, struct stat *st)
{
	spin_lock(&lock);
	fill_stat(f->priv, st);
	spin_unlock(&lock);
	return 0;
}

static long reg_truncate(struct file *f, uint64_t len)
{
	struct inode *n = f->priv;
	long r = 0;

	spin_lock(&lock);
	if (len > n->size)
		r = grow(n, len);
	else
		n->size = len;
	n->mtime = n->ctime = now();
	spin_unlock(&lock);
	return r;
}

/* RAM files are where they live: nothing to write back. */
static long node_fsync(struct file *f, bool datasync)
{
	(void)f, (void)datasync;
	return 0;
}

static void node_release(struct file *f)
{
	struct inode *n = f->priv;

	spin_lock(&lock);
	n->refs--;
	inode_free_if_unused(n);
	spin_unlock(&lock);
}

/* getdents64: ".", "..", then the children from position f->pos. */
static long dir_getdents(struct file *f, char *buf, size_t len)
{
	struct inode *d = f->priv, *c;
	size_t used = 0;
	uint64_t i = 0;

	spin_lock(&lock);
	for (c = NULL;; i++) {
		const char *name;
		struct inode *n;
		if (i == 0)
			name = ".", n = d;
		else if (i == 1)
			name = "..", n = d->parent;
		else {
			c = c ? c->sibling : d->children;
			if (!c)
				break;
			name = c->name, n = c;
		}
		if (i < f->pos)
			continue;
		size_t nl = kstrlen(name), rec = ALIGN_UP(19 + nl + 1, 8);
		if (used + rec > len) {
			spin_unlock(&lock);
			return used ? (long)used : -EINVAL;
		}
		struct dirent *de = (struct dirent *)(buf + used);
		de->d_ino = n->ino;
		de->d_off = i + 1;
		de->d_reclen = rec;
		de->d_type = IFTODT(n->mode);
		kmemcpy(de->d_name, name, nl + 1);
		used += rec;
		f->pos = i + 1;
	}
	spin_unlock(&lock);
	return (long)used;
}

static long dev_read(struct file *f, char *buf, size_t len)
{
	return ((struct inode *)f->priv)->dev->read(buf, len);
}

static long dev_write(struct file *f, const char *buf, size_t len)
{
	return ((struct inode *)f->priv)->dev->write(buf, len);
}

static const struct file_ops reg_ops = {
	.read = reg_read,
	.write = reg_write,
	.stat = node_stat,
	.lseek = file_seek,
	.truncate = reg_truncate,
	.fsync = node_fsync,
	.release = node_release,
};

static const struct file_ops dir_ops = {
	.stat = node_stat,
	.lseek = file_seek,
	.getdents = dir_getdents,
	.fsync = node_fsync,
	.release = node_release,
};

static const struct file_ops dev_file_ops = {
	.read = dev_read,
	.write = dev_write,
	.stat = node_stat,
	.release = node_release,
};

bool vfs_is_file(struct file *f)
{
	return f->ops == &reg_ops;
}

static long start_dir(int dirfd, const char *path, struct inode **out)
{
	struct file *f;

	if (path[0] == '/' || dirfd == AT_FDCWD) {
		*out = cwd;
		return 0;
	}
	if (!(f = fd_get(dirfd)))
		return -EBADF;
	if (f->ops != &dir_ops) {
		file_put(f);
		return -ENOTDIR;
	}
	*out = f->priv;
	file_put(f); /* the directory stays: cwd or an open file holds it */
	return 0;
}

/* ---- operations ---- */

/* Resolve path (relative to dirfd unless absolute) into w. Returns with the
 * lock held, whatever the result. */
static long walk_at(int dirfd, const char *path, bool follow, struct walk *w)
{
	struct inode *start;
	long r = start_dir(dirfd, path, &start);

	spin_lock(&lock);
	return r ? r : walk(start, path, follow, w);
}

/* The absolute path of n (lock held), with "/" and rel appended when rel
 * is not empty; into a kmalloc'd string, NULL when out of memory. */
static char *path_of(struct inode *n, const char *rel)
{
	size_t len = rel[0] ? kstrlen(rel) + 1 : 0, at;
	char *p;

	for (struct inode *m = n; m != root; m = m->parent)
		len += kstrlen(m->name) + 1;
	if (!(p = kmalloc(len + 2)))
		return NULL;
	at = len;
	p[at] = 0;
	if (rel[0]) {
		at -= kstrlen(rel);
		kmemcpy(p + at, rel, kstrlen(rel));
		p[--at] = '/';
	}
	for (struct inode *m = n; m != root; m = m->parent) {
		at -= kstrlen(m->name);
		kmemcpy(p + at, m->name, kstrlen(m->name));
		p[--at] = '/';
	}
	if (!len)
		p[0] = '/', p[1] = 0;
	return p;
}

/* After a walk that ended in a mount: drop the lock and let the backend do
 * op on the relative path (EPERM if it cannot). */
#define IN_MOUNT(w, op, ...)                                                      \
	do {                                                                      \
		if ((w).mount) {                                                  \
			const struct fs_backend *be_ = (w).mount->mnt;            \
			void *ctx_ = (w).mount->mnt_ctx;                          \
			spin_unlock(&lock);                                       \
			return be_->op ? be_->op(ctx_, (w).rel, ##__VA_ARGS__) : -EPERM; \
		}                                                                 \
	} while (0)

long vfs_open(int dirfd, const char *path, int flags, int mode, struct file **out)
{
	struct inode *n;
	struct walk w;
	const struct file_ops *ops;
	long r;

	r = walk_at(dirfd, path, !(flags & O_NOFOLLOW), &w);
	if (r)
		goto out;
	if (w.mount) {
		const struct fs_backend *be = w.mount->mnt;
		char *path = path_of(w.mount, w.rel);

		spin_unlock(&lock);
		r = be->open ? be->open(w.mount->mnt_ctx, w.rel, flags, mode, out) : -EPERM;
		/* A file the backend opened anew (one reference, no path yet);
		 * not one it shares, as /proc/self/fd/N of a pipe is. */
		if (r == 0 && !(*out)->path && (*out)->refs == 1)
			(*out)->path = path;
		else
			kfree(path);
		return r;
	}
	n = w.node;
	if (n && (flags & O_CREAT) && (flags & O_EXCL)) {
		r = -EEXIST;
		goto out;
	}
	if (!n) {
		if (!(flags & O_CREAT)) {
			r = -ENOENT;
			goto out;
		}
		if (!(n = inode_new(w.dir, w.last, S_IFREG | (mode & 07777 & ~022)))) {
			r = -ENOSPC;
			goto out;
		}
	}
	if (S_ISLNK(n->mode)) {
		r = -ELOOP; /* O_NOFOLLOW on a link */
		goto out;
	}
	if ((flags & O_DIRECTORY) && !S_ISDIR(n->mode)) {
		r = -ENOTDIR;
		goto out;
	}
	if (S_ISDIR(n->mode) && (flags & O_ACCMODE) != O_RDONLY) {
		r = -EISDIR;
		goto out;
	}
	if ((flags & O_TRUNC) && S_ISREG(n->mode) && (flags & O_ACCMODE) != O_RDONLY) {
		n->size = 0;
		n->mtime = n->ctime = now();
	}
	ops = S_ISDIR(n->mode) ? &dir_ops : n->dev ? &dev_file_ops : &reg_ops;
	*out = file_new(ops, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK), n);
	if (!*out) {
		r = -ENFILE;
		goto out;
	}
	n->refs++;
	(*out)->path = path_of(n, "");
	r = 0;
out:
	spin_unlock(&lock);
	return r;
}

long vfs_stat(int dirfd, const char *path, struct stat *st, bool follow)
{
	struct walk w;
	long r;

	r = walk_at(dirfd, path, follow, &w);
	if (!r)
		IN_MOUNT(w, stat, st, follow);
	if (!r && !w.node)
		r = -ENOENT;
	if (!r)
		fill_stat(w.node, st);
	spin_unlock(&lock);
	return r;
}

long vfs_access(int dirfd, const char *path, int mode)
{
	struct stat st;
	long r = vfs_stat(dirfd, path, &st, true);

	if (r || mode == F_OK)
		return r;
	if ((mode & X_OK) && !(st.st_mode & 0111) && !S_ISDIR(st.st_mode))
		return -EACCES;
	return 0;
}

#define TMPFS_MAGIC 0x01021994

/* The RAM fs's figures: its files live in the frames. */
static void ram_statfs(struct statfs *sf)
{
	kmemset(sf, 0, sizeof(*sf));
	sf->f_type = TMPFS_MAGIC;
	sf->f_bsize = sf->f_frsize = PAGE_SIZE;
	sf->f_blocks = sf->f_files = frames_total();
	sf->f_bfree = sf->f_bavail = sf->f_ffree = frames_free();
	sf->f_namelen = VFS_NAME_MAX;
}

long vfs_statfs(int dirfd, const char *path, struct statfs *sf)
{
	struct walk w;
	long r;

	r = walk_at(dirfd, path, true, &w);
	if (!r && w.mount) {
		const struct fs_backend *be = w.mount->mnt;
		void *ctx = w.mount->mnt_ctx;
		spin_unlock(&lock);
		return be->statfs ? be->statfs(ctx, w.rel, sf) : -ENOSYS;
	}
	if (!r && !w.node)
		r = -ENOENT;
	spin_unlock(&lock);
	if (!r)
		ram_statfs(sf);
	return r;
}

long vfs_fstatfs(struct file *f, struct statfs *sf)
{
	if (f->ops->statfs)
		return f->ops->statfs(f, sf);
	ram_statfs(sf);
	return 0;
}

long vfs_mkdir(int dirfd, const char *path, int mode)
{
	struct walk w;
	long r;

	r = walk_at(dirfd, path, false, &w);
	if (!r)
		IN_MOUNT(w, mkdir, mode);
	if (!r && w.node)
		r = -EEXIST;
	if (!r && !inode_new(w.dir, w.last, S_IFDIR | (mode & 07777 & ~022)))
		r = -ENOSPC;
	spin_unlock(&lock);
	return r;
}

long vfs_unlink(int dirfd, const char *path, bool dir)
{
	struct inode *n;
	struct walk w;
	long r;

	r = walk_at(dirfd, path, false, &w);
	if (!r && w.mount && !w.rel[0])
		r = -EBUSY; /* the mount point itself */
	if (!r)
		IN_MOUNT(w, unlink, dir);
	n = r ? NULL : w.node;
	if (!r && !n)
		r = -ENOENT;
	else if (!r && n == root)
		r = -EBUSY;
	else if (!r && dir && !S_ISDIR(n->mode))
		r = -ENOTDIR;
	else if (!r && !dir && S_ISDIR(n->mode))
		r = -EISDIR;
	else if (!r && dir && (!kstrcmp(w.last, ".")))
		r = -EINVAL;
	else if (!r && dir && n->children)
		r = -ENOTEMPTY;
	else if (!r && n == cwd)
		r = -EBUSY;
	if (!r) {
		detach(n);
		n->nlink = 0;
		inode_free_if_unused(n);
	}
	spin_unlock(&lock);
	return r;
}

static bool is_ancestor(struct inode *a, struct inode *n)
{
	for (; n != root; n = n->parent)
		if (n == a)
			return true;
	return a == root;
}

long vfs_rename(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	struct inode *s1, *s2, *n, *t;
	struct walk a, b;
	long r;

	if ((r = start_dir(olddirfd, oldpath, &s1)) || (r = start_dir(newdirfd, newpath, &s2)))
		return r;
	spin_lock(&lock);
	if ((r = walk(s1, oldpath, false, &a)) || (r = walk(s2, newpath, false, &b)))
		goto out;
	if (a.mount || b.mount) {
		const struct fs_backend *be = a.mount ? a.mount->mnt : NULL;
		void *ctx = a.mount ? a.mount->mnt_ctx : NULL;
		if (a.mount != b.mount)
			r = -EXDEV;
		else if (!a.rel[0] || !b.rel[0])
			r = -EBUSY;
		if (r)
			goto out;
		spin_unlock(&lock);
		return be->rename ? be->rename(ctx, a.rel, b.rel) : -EPERM;
	}
	n = a.node, t = b.node;
	r = -ENOENT;
	if (!n)
		goto out;
	r = 0;
	if (n == t)
		goto out;
	r = -EINVAL;
	if (n == root || (S_ISDIR(n->mode) && is_ancestor(n, b.dir)))
		goto out;
	if (t) {
		r = S_ISDIR(n->mode) && !S_ISDIR(t->mode) ? -ENOTDIR
		    : !S_ISDIR(n->mode) && S_ISDIR(t->mode) ? -EISDIR
		    : t->children				  ? -ENOTEMPTY
								  : 0;
		if (r)
			goto out;
		detach(t);
		t->nlink = 0;
		inode_free_if_unused(t);
	}
	detach(n);
	kmemset(n->name, 0, sizeof(n->name));
	kmemcpy(n->name, b.last, kstrlen(b.last));
	n->parent = b.dir;
	n->sibling = b.dir->children;
	b.dir->children = n;
	if (S_ISDIR(n->mode))
		b.dir->nlink++;
	n->ctime = b.dir->mtime = now();
	r = 0;
out:
	spin_unlock(&lock);
	return r;
}

long vfs_symlink(const char *target, int dirfd, const char *path)
{
	struct inode *n;
	struct walk w;
	long r;

	r = walk_at(dirfd, path, false, &w);
	if (!r && w.mount) {
		const struct fs_backend *be = w.mount->mnt;
		void *ctx = w.mount->mnt_ctx;
		spin_unlock(&lock);
		return be->symlink ? be->symlink(ctx, target, w.rel) : -EPERM;
	}
	if (!r && w.node)
		r = -EEXIST;
	if (!r && (!(n = inode_new(w.dir, w.last, S_IFLNK | 0777)) ||
		   grow(n, kstrlen(target) + 1)))
		r = -ENOSPC;
	if (!r) {
		kmemcpy(n->data, target, kstrlen(target) + 1);
		n->size = kstrlen(target);
	}
	spin_unlock(&lock);
	return r;
}

long vfs_readlink(int dirfd, const char *path, char *buf, size_t len)
{
	struct walk w;
	long r;

	r = walk_at(dirfd, path, false, &w);
	if (!r)
		IN_MOUNT(w, readlink, buf, len);
	if (!r && !w.node)
		r = -ENOENT;
	else if (!r && !S_ISLNK(w.node->mode))
		r = -EINVAL;
	if (!r) {
		r = (long)MIN(len, w.node->size);
		kmemcpy(buf, w.node->data, r);
	}
	spin_unlock(&lock);
	return r;
}

long vfs_truncate(const char *path, uint64_t len)
{
	struct file *f;
	long r = vfs_open(AT_FDCWD, path, O_WRONLY, 0, &f);

	if (r)
		return r;
	r = f->ops->truncate ? f->ops->truncate(f, len) : -EINVAL;
	file_put(f);
	return r;
}

long vfs_chdir(int dirfd, const char *path)
{
	struct walk w;
	long r;

	r = walk_at(dirfd, path, true, &w);
	if (!r && w.mount) {
		struct stat st;
		struct inode *m = w.mount;
		spin_unlock(&lock);
		r = m->mnt->stat ? m->mnt->stat(m->mnt_ctx, w.rel, &st, true) : -ENOENT;
		if (!r && !S_ISDIR(st.st_mode))
			r = -ENOTDIR;
		spin_lock(&lock);
		if (!r) {
			m->refs++;
			cwd->refs--;
			cwd = m;
			kmemcpy(cwd_rel, w.rel, kstrlen(w.rel) + 1);
		}
		spin_unlock(&lock);
		return r;
	}
	if (!r && !w.node)
		r = -ENOENT;
	else if (!r && !S_ISDIR(w.node->mode))
		r = -ENOTDIR;
	if (!r) {
		w.node->refs++;
		cwd->refs--;
		inode_free_if_unused(cwd);
		cwd = w.node;
		cwd_rel[0] = 0;
	}
	spin_unlock(&lock);
	return r;
}

long vfs_getcwd(char *buf, size_t len)
{
	char tmp[VFS_PATH_MAX];
	size_t at = sizeof(tmp) - 1;
	long r;

	spin_lock(&lock);
	tmp[at] = 0;
	if (cwd_rel[0]) {
		size_t l = kstrlen(cwd_rel);
		if (at < l + 1) {
			spin_unlock(&lock);
			return -ENAMETOOLONG;
		}
		at -= l;
		kmemcpy(tmp + at, cwd_rel, l);
		tmp[--at] = '/';
	}
	for (struct inode *n = cwd; n != root; n = n->parent) {
		size_t l = kstrlen(n->name);
		if (at < l + 1) {
			spin_unlock(&lock);
			return -ENAMETOOLONG;
		}
		at -= l;
		kmemcpy(tmp + at, n->name, l);
		tmp[--at] = '/';
	}
	if (at == sizeof(tmp) - 1)
		tmp[--at] = '/';
	r = (long)(sizeof(tmp) - at);
	if ((size_t)r > len)
		r = -ERANGE;
	else
		kmemcpy(buf, tmp + at, r);
	spin_unlock(&lock);
	return r;
}

/* ---- the initial tree ---- */

static long null_read(char *buf, size_t len)
{
	(void)buf, (void)len;
	return 0;
}

static long sink_write(const char *buf, size_t len)
{
	(void)buf;
	return (long)len;
}

static long zero_read(char *buf, size_t len)
{
	kmemset(buf, 0, len);
	return (long)len;
}

static long urandom_read(char *buf, size_t len)
{
	random_fill(buf, len);
	return (long)len;
}

static long console_read(char *buf, size_t len)
{
	return tty_read(buf, len);
}

static long console_dev_write(const char *buf, size_t len)
{
	console_write(CONSOLE_OUT, buf, len);
	return (long)len;
}

static const struct dev_ops dev_null = { null_read, sink_write };
static const struct dev_ops dev_zero = { zero_read, sink_write };
static const struct dev_ops dev_urandom = { urandom_read, sink_write };
static const struct dev_ops dev_console = { console_read, console_dev_write };

static struct inode *mkdir_p(const char *path)
{
	struct walk w;

	if (walk(root, path, true, &w) == 0 && w.node)
		return w.node;
	for (const char *p = path + 1;; p++) {
		if (*p == '/' || !*p) {
			char part[VFS_PATH_MAX];
			size_t l = p - path;
			kmemcpy(part, path, l);
			part[l] = 0;
			if (walk(root, part, true, &w) == 0 && !w.node)
				inode_new(w.dir, w.last, S_IFDIR | 0755);
			if (!*p)
				break;
		}
	}
	walk(root, path, true, &w);
	return w.node;
}

static void add_file(const char *dir, const char *name, const char *text)
{
	struct inode *n = inode_new(mkdir_p(dir), name, S_IFREG | 0644);

	if (!n || grow(n, kstrlen(text)))
		panic("vfs: out of memory for %s/%s", dir, name);
	kmemcpy(n->data, text, kstrlen(text));
}

static void add_dev(const char *name, const struct dev_ops *ops, uint32_t mode)
{
	struct inode *n = inode_new(mkdir_p("/dev"), name, S_IFCHR | mode);

	if (!n)
		panic("vfs: out of memory for /dev/%s", name);
	n->dev = ops;
}

/* Make the directory path (created if needed) a mount point of be. */
static long mount_at(const char *path, const struct fs_backend *be, void *ctx)
{
	struct inode *n;

	spin_lock(&lock);
	n = mkdir_p(path);
	if (n && S_ISDIR(n->mode) && !n->mnt) {
		n->mnt = be;
		n->mnt_ctx = ctx;
	}
	spin_unlock(&lock);
	if (!n || n->mnt != be)
		return n ? -EBUSY : -ENOENT;
	return 0;
}

long vfs_mount(const char *path, const struct fs_backend *be, void *ctx)
{
	long r = mount_at(path, be, ctx);

	if (r == 0)
		pr_info("vfs: %s mounted at %s", be->name, path);
	return r;
}

void vfs_init(const char *wd, const char *hostname)
{
	char line[VFS_NAME_MAX + 2];

	root = inode_new(NULL, "", S_IFDIR | 0755);
	if (!root)
		panic("vfs: out of memory");
	inode_new(root, "tmp", S_IFDIR | 01777);
	ksnprintf(line, sizeof(line), "%s\n", hostname);
	add_file("/etc", "hostname", line);
	add_file("/etc", "hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
	add_file("/etc", "resolv.conf", "");
	add_dev("null", &dev_null, 0666);
	add_dev("zero", &dev_zero, 0666);
	add_dev("urandom", &dev_urandom, 0666);
	add_dev("random", &dev_urandom, 0666);
	add_dev("console", &dev_console, 0620);
	if (mount_at("/proc", &procfs_backend, NULL))
		panic("vfs: cannot mount /proc");
	cwd = mkdir_p(wd[0] == '/' ? wd : "/root");
	if (!cwd || !S_ISDIR(cwd->mode))
		panic("vfs: working directory %s is not a directory", wd);
	cwd->refs++;
	pr_debug("vfs: RAM fs at /, working directory %s, hostname %s", wd, hostname);
}
