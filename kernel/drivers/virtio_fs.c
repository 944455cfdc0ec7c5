/* SPDX-License-Identifier: MIT */
/*
 * virtio-fs (virtio device type 26, feature `virtio-fs`; DESIGN.md D7):
 * FUSE requests over the device's first request queue, FORGETs over the
 * hiprio queue, behind a struct fs_backend. No DAX yet.
 *
 * One request at a time per device, under a sleeping "busy" flag. Requests
 * and replies go through two bounce buffers in identity-mapped frames (app
 * buffers may be in virtual memory); READ and WRITE are cut at FS_CHUNK.
 * A request waits for the queue's interrupt (blocking the thread once the
 * scheduler runs, polling before); with no answer in FS_TIMEOUT_NS the
 * device is taken for dead and every later request fails with EIO.
 *
 * Paths are walked with LOOKUP from FUSE_ROOT_ID component by component;
 * each looked-up node is forgotten once the operation (or the open file)
 * is done with it. Symbolic links are followed here, in the guest (the
 * server resolves nothing), and only inside the mount: an absolute target
 * or one that climbs above the mount's root gives EACCES, as on uhyve.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include "clock.h"
#include "file.h"
#include "log.h"
#include "mm.h"
#include "sched.h"
#include "spinlock.h"
#include "vfs.h"
#include "virtio.h"
#include "virtio_fs.h"

#define FS_CHUNK	 65536
#define FS_BUF		 (FS_CHUNK + 4096)
#define FS_TIMEOUT_NS	 30000000000ull
#define FS_MAX_DEVS	 8
#define FS_FORGET_SLOTS	 32
#define FUSE_ROOT_ID	 1
#define FUSE_KERNEL_VER	 7
#define FUSE_KERNEL_MINOR 31
#define SYMLOOP_MAX	 40
#define FUSE_SUPER_MAGIC 0x65735546
#define FUSE_FSYNC_FDATASYNC 1u

enum {
	FUSE_LOOKUP = 1, FUSE_FORGET = 2, FUSE_GETATTR = 3, FUSE_SETATTR = 4,
	FUSE_READLINK = 5, FUSE_SYMLINK = 6, FUSE_MKDIR = 9, FUSE_UNLINK = 10,
	FUSE_RMDIR = 11, FUSE_RENAME = 12, FUSE_OPEN = 14, FUSE_READ = 15,
	FUSE_WRITE = 16, FUSE_STATFS = 17, FUSE_RELEASE = 18, FUSE_FSYNC = 20,
	FUSE_FSYNCDIR = 30, FUSE_FLUSH = 25, FUSE_INIT = 26, FUSE_OPENDIR = 27, FUSE_READDIR = 28,
	FUSE_RELEASEDIR = 29, FUSE_CREATE = 35,
};

#define FATTR_SIZE	  (1u << 3)
#define FATTR_FH	  (1u << 6)
#define FUSE_GETATTR_FH	  1u

struct fuse_in_header {
	uint32_t len, opcode;
	uint64_t unique, nodeid;
	uint32_t uid, gid, pid, padding;
};

struct fuse_out_header {
	uint32_t len;
	int32_t error;
	uint64_t unique;
};

struct fuse_attr {
	uint64_t ino, size, blocks, atime, mtime, ctime;
	uint32_t atimensec, mtimensec, ctimensec, mode, nlink, uid, gid, rdev, blksize, flags;
};

struct fuse_entry_out {
	uint64_t nodeid, generation, entry_valid, attr_valid;
	uint32_t entry_valid_nsec, attr_valid_nsec;
	struct fuse_attr attr;
};

struct fuse_attr_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec, dummy;
	struct fuse_attr attr;
};

struct fuse_init_in {
	uint32_t major, minor, max_readahead, flags;
};

struct fuse_init_out {
	uint32_t major, minor, max_readahead, flags;
	uint16_t max_background, congestion_threshold;
	uint32_t max_write, time_gran;
	uint16_t max_pages, map_alignment;
	uint32_t flags2, reserved[7];
};

struct fuse_getattr_in {
	uint32_t getattr_flags, dummy;
	uint64_t fh;
};

struct fuse_setattr_in {
	uint32_t valid, padding;
	uint64_t fh, size, lock_owner, atime, mtime, ctime;
	uint32_t atimensec, mtimensec, ctimensec, mode, unused4, uid, gid, unused5;
};

struct fuse_open_in {
	uint32_t flags, open_unused;
};

struct fuse_open_out {
	uint64_t fh;
	uint32_t open_flags, padding;
};

struct fuse_create_in {
	uint32_t flags, mode, umask, padding;
};

struct fuse_mkdir_in {
	uint32_t mode, umask;
};

struct fuse_rename_in {
	uint64_t newdir;
};

struct fuse_io_in { /* fuse_read_in and fuse_write_in */
	uint64_t fh, offset;
	uint32_t size, io_flags;
	uint64_t lock_owner;
	uint32_t flags, padding;
};

struct fuse_write_out {
	uint32_t size, padding;
};

struct fuse_release_in {
	uint64_t fh;
	uint32_t flags, release_flags;
	uint64_t lock_owner;
};

struct fuse_flush_in {
	uint64_t fh;
	uint32_t flush_unused, padding;
	uint64_t lock_owner;
};

struct fuse_fsync_in {
	uint64_t fh;
	uint32_t fsync_flags, padding;
};

struct fuse_forget_in {
	uint64_t nlookup;
};

struct fuse_dirent {
	uint64_t ino, off;
	uint32_t namelen, type;
	char name[];
};

struct forget_slot {
	struct fuse_in_header h;
	struct fuse_forget_in in;
	volatile bool busy;
};

struct vfs_dev {
	struct virtio_dev vdev;
	struct virtq *hiprio, *req;
	char tag[37];
	struct spinlock lock; /* guards busy, done, waiter */
	bool busy, done, dead, ready;
	struct thread *waiter, *queue_head;
	uint8_t *out, *in; /* bounce buffers: to and from the device */
	uint64_t unique;
	uint32_t max_write;
	struct forget_slot *forgets; /* identity-mapped */
};

struct vfs_file {
	struct vfs_dev *d;
	uint64_t nodeid, fh;
	bool dir;
	int oflags;
};

static struct vfs_dev *devs[FS_MAX_DEVS];
static int ndevs;

static bool can_block(void)
{
	struct thread *t = thread_current();

	return t && !t->idle;
}

static void req_interrupt(struct virtq *q)
{
	struct vfs_dev *d = q->ctx;

	spin_lock(&d->lock);
	d->done = true;
	if (d->waiter)
		sched_wakeup(d->waiter, 0);
	d->waiter = NULL;
	spin_unlock(&d->lock);
}

/* Take the device for one request (a sleeping lock; FIFO-less). */
static void dev_acquire(struct vfs_dev *d)
{
	spin_lock(&d->lock);
	while (d->busy) {
		spin_unlock(&d->lock);
		if (can_block())
			schedule();
		else
			__asm__ volatile("pause");
		spin_lock(&d->lock);
	}
	d->busy = true;
	spin_unlock(&d->lock);
}

static void dev_release(struct vfs_dev *d)
{
	spin_lock(&d->lock);
	d->busy = false;
	spin_unlock(&d->lock);
}

/* Reap used FORGET buffers from the hiprio queue. */
static void reap_forgets(struct vfs_dev *d)
{
	struct forget_slot *s;
	uint32_t len;

	while ((s = virtq_get(d->hiprio, &len)))
		s->busy = false;
}

/* Wait until the request queue's buffer is used: 0 or -EIO (timeout). */
static int wait_used(struct vfs_dev *d)
{
	uint64_t deadline = clock_uptime_ns() + FS_TIMEOUT_NS;

	spin_lock(&d->lock);
	while (!d->done) {
		if (clock_uptime_ns() >= deadline) {
			d->waiter = NULL;
			spin_unlock(&d->lock);
			return -EIO;
		}
		if (can_block()) {
			d->waiter = thread_current();
			sched_block(&d->lock, deadline);
			spin_lock(&d->lock);
		} else {
			spin_unlock(&d->lock);
			__asm__ volatile("sti; nop; pause; cli" ::: "memory");
			spin_lock(&d->lock);
		}
	}
	d->waiter = NULL;
	spin_unlock(&d->lock);
	return 0;
}

/*
 * One FUSE request with the device held: the header, then nin argument
 * pieces (args[i], lens[i]) copied to the out buffer; the reply lands in
 * d->in after its header, at most rlen bytes. Returns the reply's payload
 * length or -errno (the server's error as is).
 */
static long fuse_call(struct vfs_dev *d, uint32_t opcode, uint64_t nodeid, unsigned nargs,
		      const void *const *args, const size_t *lens, size_t rlen)
{
	struct fuse_in_header *h = (void *)d->out;
	struct fuse_out_header *oh = (void *)d->in;
	size_t len = sizeof(*h);
	uint32_t used;
	int err;

	if (d->dead)
		return -EIO;
	for (unsigned i = 0; i < nargs; i++) {
		if (len + lens[i] > FS_BUF)
			return -ENAMETOOLONG;
		kmemcpy(d->out + len, args[i], lens[i]);
		len += lens[i];
	}
	*h = (struct fuse_in_header){.len = (uint32_t)len, .opcode = opcode,
				     .unique = ++d->unique, .nodeid = nodeid};
	kmemset(oh, 0, sizeof(*oh));
	struct virtq_buf out = {d->out, (uint32_t)len};
	struct virtq_buf in = {d->in, (uint32_t)(sizeof(*oh) + MIN(rlen, FS_BUF - sizeof(*oh)))};
	spin_lock(&d->lock);
	d->done = false;
	spin_unlock(&d->lock);
	if ((err = virtq_add(d->req, &out, 1, &in, 1, d)))
		return err;
	virtq_kick(d->req);
	/* An interrupt is only a hint (a config change or a late one can set
	 * done too): wait until the used ring really holds the reply. */
	for (bool got = false; !got;) {
		if (wait_used(d) < 0) {
			pr_warn("virtio-fs %s: no answer from the device: taking it for dead",
				d->tag);
			d->dead = true;
			return -EIO;
		}
		spin_lock(&d->lock);
		d->done = false;
		spin_unlock(&d->lock);
		got = virtq_get(d->req, &used);
	}
	if (used < sizeof(*oh) || oh->unique != h->unique) {
		pr_warn("virtio-fs %s: bad reply to opcode %u (%u bytes, unique %lu for %lu, error %d)",
			d->tag, opcode, used, (unsigned long)oh->unique, (unsigned long)d->unique,
			oh->error);
		return -EIO;
	}
	if (oh->error)
		return oh->error > 0 ? -EIO : oh->error;
	return (long)(MIN(used, oh->len) - sizeof(*oh));
}

static void *reply(struct vfs_dev *d)
{
	return d->in + sizeof(struct fuse_out_header);
}

/* Tell the server to drop one lookup of nodeid (device held). */
static void forget(struct vfs_dev *d, uint64_t nodeid)
{
	struct forget_slot *s = NULL;
	uint64_t deadline = clock_uptime_ns() + 1000000000ull;

	if (nodeid == FUSE_ROOT_ID || !nodeid || d->dead)
		return;
	for (;;) {
		reap_forgets(d);
		for (int i = 0; i < FS_FORGET_SLOTS && !s; i++)
			if (!d->forgets[i].busy)
				s = &d->forgets[i];
		if (s || clock_uptime_ns() > deadline)
			break;
		__asm__ volatile("pause");
	}
	if (!s)
		return; /* the server keeps a reference: harmless */
	s->h = (struct fuse_in_header){.len = sizeof(s->h) + sizeof(s->in),
				       .opcode = FUSE_FORGET, .unique = ++d->unique,
				       .nodeid = nodeid};
	s->in.nlookup = 1;
	struct virtq_buf out = {s, sizeof(s->h) + sizeof(s->in)};
	s->busy = true;
	if (virtq_add(d->hiprio, &out, 1, NULL, 0, s)) {
		s->busy = false;
		return;
	}
	virtq_kick(d->hiprio);
}

static long lookup(struct vfs_dev *d, uint64_t parent, const char *name, size_t n,
		   struct fuse_entry_out *e)
{
	char zero = 0;
	const void *args[] = {name, &zero};
	size_t lens[] = {n, 1};
	long r;

	if (n > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	r = fuse_call(d, FUSE_LOOKUP, parent, 2, args, lens, sizeof(*e));
	if (r < 0)
		return r;
	if ((size_t)r < sizeof(*e))
		return -EIO;
	kmemcpy(e, reply(d), sizeof(*e));
	if (!e->nodeid)
		return -ENOENT; /* a negative entry */
	return 0;
}

/* rel (len bytes) with the link at [at, end) replaced by target, made
 * lexical again (no ".", ".." applied) into out (VFS_PATH_MAX bytes); a
 * target that leaves the mount (absolute, or ".." above its root) is
 * refused with EACCES, as uhyve's host directories refuse it. */
static long splice_link(const char *rel, size_t len, size_t at, size_t end, const char *target,
			size_t tlen, char *out)
{
	size_t o = 0, srcs = 3;
	const char *src[3] = {rel, target, rel + end};
	size_t lens[3] = {at, tlen, len - end};

	if (tlen && target[0] == '/')
		return -EACCES;
	for (size_t s = 0; s < srcs; s++) {
		for (size_t i = 0; i < lens[s];) {
			size_t j = i;

			while (j < lens[s] && src[s][j] != '/')
				j++;
			if (j - i == 2 && src[s][i] == '.' && src[s][i + 1] == '.') {
				if (!o)
					return -EACCES;
				while (o && out[o - 1] != '/')
					o--;
				if (o)
					o--;
			} else if (j > i && !(j - i == 1 && src[s][i] == '.')) {
				if (o + !!o + (j - i) >= VFS_PATH_MAX)
					return -ENAMETOOLONG;
				if (o)
					out[o++] = '/';
				kmemcpy(out + o, src[s] + i, j - i);
				o += j - i;
			}
			i = j + 1;
		}
	}
	out[o] = 0;
	return (long)o;
}

/* Replace the link `node` at [at, end) of *rel (*n bytes) by its target:
 * *rel becomes *own (allocated on first use: the path, then room for the
 * next splice). */
static long follow_link(struct vfs_dev *d, uint64_t node, const char **rel, size_t *n,
			size_t at, size_t end, char **own, int links)
{
	long t;

	if (links > SYMLOOP_MAX)
		return -ELOOP;
	if (!*own && !(*own = kmalloc(2 * VFS_PATH_MAX)))
		return -ENOMEM;
	if ((t = fuse_call(d, FUSE_READLINK, node, 0, NULL, NULL, VFS_PATH_MAX - 1)) < 0)
		return t;
	t = splice_link(*rel, *n, at, end, reply(d), (size_t)t, *own + VFS_PATH_MAX);
	if (t < 0)
		return t;
	kmemcpy(*own, *own + VFS_PATH_MAX, (size_t)t + 1);
	*rel = *own;
	*n = (size_t)t;
	return 0;
}

/* Walk the first `n` bytes of rel; *node gets a looked-up node (the root
 * for ""), to be forgotten by the caller; e its entry (attributes).
 * Symbolic links on the way are followed (the last one only if follow),
 * inside the mount: each is read and spliced in, and the walk starts
 * again from the root (at most SYMLOOP_MAX of them: ELOOP). */
static long walk(struct vfs_dev *d, const char *rel, size_t n, bool follow, uint64_t *node,
		 struct fuse_entry_out *e)
{
	uint64_t cur = FUSE_ROOT_ID;
	char *own = NULL;
	int links = 0;
	size_t i = 0;
	long r = 0;

	kmemset(e, 0, sizeof(*e));
	while (i < n) {
		size_t j = i;

		while (j < n && rel[j] != '/')
			j++;
		r = lookup(d, cur, rel + i, j - i, e);
		forget(d, cur);
		if (r < 0)
			goto out;
		cur = e->nodeid;
		if (S_ISLNK(e->attr.mode) && (j < n || follow)) {
			r = follow_link(d, cur, &rel, &n, i, j, &own, ++links);
			forget(d, cur);
			if (r < 0)
				goto out;
			cur = FUSE_ROOT_ID;
			i = 0;
			kmemset(e, 0, sizeof(*e));
			continue;
		}
		if (j < n && !S_ISDIR(e->attr.mode)) {
			forget(d, cur);
			r = -ENOTDIR;
			goto out;
		}
		i = j + 1;
	}
	*node = cur;
	r = 0;
	if (cur == FUSE_ROOT_ID) { /* "" or a link to the root: no entry yet */
		struct fuse_getattr_in in = {0};
		const void *args[] = {&in};
		size_t lens[] = {sizeof(in)};

		r = fuse_call(d, FUSE_GETATTR, cur, 1, args, lens, sizeof(struct fuse_attr_out));
		if (r >= 0 && (size_t)r < sizeof(struct fuse_attr_out))
			r = -EIO;
		if (r >= 0) {
			e->attr = ((struct fuse_attr_out *)reply(d))->attr;
			r = 0;
		}
	}
out:
	kfree(own);
	return r;
}

/* The parent of rel (looked up) and the last component's name. */
static long walk_parent(struct vfs_dev *d, const char *rel, uint64_t *parent, const char **name)
{
	const char *slash = NULL;
	struct fuse_entry_out e;

	for (const char *p = rel; *p; p++)
		if (*p == '/')
			slash = p;
	if (!*rel)
		return -EBUSY; /* the mount's root itself */
	*name = slash ? slash + 1 : rel;
	return walk(d, rel, slash ? (size_t)(slash - rel) : 0, true, parent, &e);
}

static void attr_to_stat(const struct fuse_attr *a, struct stat *st)
{
	kmemset(st, 0, sizeof(*st));
	st->st_dev = 0x1a;
	st->st_ino = a->ino;
	st->st_nlink = a->nlink;
	st->st_mode = a->mode;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = a->rdev;
	st->st_size = (off_t)a->size;
	st->st_blksize = a->blksize ? a->blksize : 4096;
	st->st_blocks = (blkcnt_t)a->blocks;
	st->st_atim.tv_sec = (time_t)a->atime;
	st->st_atim.tv_nsec = a->atimensec;
	st->st_mtim.tv_sec = (time_t)a->mtime;
	st->st_mtim.tv_nsec = a->mtimensec;
	st->st_ctim.tv_sec = (time_t)a->ctime;
	st->st_ctim.tv_nsec = a->ctimensec;
}

static long getattr(struct vfs_dev *d, uint64_t node, const uint64_t *fh, struct stat *st)
{
	struct fuse_getattr_in in = {.getattr_flags = fh ? FUSE_GETATTR_FH : 0,
				     .fh = fh ? *fh : 0};
	const void *args[] = {&in};
	size_t lens[] = {sizeof(in)};
	long r = fuse_call(d, FUSE_GETATTR, node, 1, args, lens, sizeof(struct fuse_attr_out));

	if (r < 0)
		return r;
	if ((size_t)r < sizeof(struct fuse_attr_out))
		return -EIO;
	attr_to_stat(&((struct fuse_attr_out *)reply(d))->attr, st);
	return 0;
}

static long set_size(struct vfs_dev *d, uint64_t node, const uint64_t *fh, uint64_t size)
{
	struct fuse_setattr_in in = {.valid = FATTR_SIZE | (fh ? FATTR_FH : 0),
				     .fh = fh ? *fh : 0, .size = size};
	const void *args[] = {&in};
	size_t lens[] = {sizeof(in)};
	long r = fuse_call(d, FUSE_SETATTR, node, 1, args, lens, sizeof(struct fuse_attr_out));

	return r < 0 ? r : 0;
}

/* ---- open files ---- */

static long vf_stat(struct file *f, struct stat *st)
{
	struct vfs_file *v = f->priv;
	long r;

	dev_acquire(v->d);
	r = getattr(v->d, v->nodeid, v->dir ? NULL : &v->fh, st);
	dev_release(v->d);
	return r;
}

static long vf_read(struct file *f, char *buf, size_t len)
{
	struct vfs_file *v = f->priv;
	struct vfs_dev *d = v->d;
	size_t done = 0;
	long r = 0;

	if (v->dir)
		return -EISDIR;
	while (done < len) {
		uint32_t n = (uint32_t)MIN(len - done, FS_CHUNK);
		struct fuse_io_in in = {.fh = v->fh, .offset = f->pos, .size = n,
					.flags = (uint32_t)v->oflags};
		const void *args[] = {&in};
		size_t lens[] = {sizeof(in)};

		dev_acquire(d);
		r = fuse_call(d, FUSE_READ, v->nodeid, 1, args, lens, n);
		if (r > 0) {
			if ((size_t)r > n)
				r = n;
			kmemcpy(buf + done, reply(d), (size_t)r);
		}
		dev_release(d);
		if (r <= 0)
			break;
		done += (size_t)r;
		f->pos += (uint64_t)r;
		if ((size_t)r < n)
			break;
	}
	return done ? (long)done : r;
}

static long vf_write(struct file *f, const char *buf, size_t len)
{
	struct vfs_file *v = f->priv;
	struct vfs_dev *d = v->d;
	size_t done = 0;
	long r = 0;

	if (v->dir)
		return -EISDIR;
	if (f->flags & O_APPEND) {
		struct stat st;

		if ((r = vf_stat(f, &st)) < 0)
			return r;
		f->pos = (uint64_t)st.st_size;
	}
	while (done < len) {
		uint32_t n = (uint32_t)MIN(MIN(len - done, FS_CHUNK), d->max_write);
		struct fuse_io_in in = {.fh = v->fh, .offset = f->pos, .size = n,
					.flags = (uint32_t)v->oflags};
		const void *args[] = {&in, buf + done};
		size_t lens[] = {sizeof(in), n};

		/* buf is app memory: fuse_call copies it into the bounce buffer. */
		dev_acquire(d);
		r = fuse_call(d, FUSE_WRITE, v->nodeid, 2, args, lens, sizeof(struct fuse_write_out));
		if (r >= 0)
			r = (size_t)r < sizeof(struct fuse_write_out)
				    ? -EIO
				    : (long)((struct fuse_write_out *)reply(d))->size;
		dev_release(d);
		if (r <= 0)
			break;
		done += (size_t)r;
		f->pos += (uint64_t)r;
		if ((size_t)r < n)
			break;
	}
	return done ? (long)done : r;
}

/* FUSE dirents (24 + name, 8-aligned) become linux_dirent64 records (19 +
 * name + NUL, 8-aligned), never larger: asking the server for len bytes
 * always fits. f->pos is the server's offset cookie. */
static long vf_getdents(struct file *f, char *buf, size_t len)
{
	struct vfs_file *v = f->priv;
	struct vfs_dev *d = v->d;
	struct fuse_io_in in = {.fh = v->fh, .offset = f->pos,
				.size = (uint32_t)MIN(len, FS_CHUNK)};
	const void *args[] = {&in};
	size_t lens[] = {sizeof(in)};
	size_t used = 0, at = 0;
	long r;

	if (!v->dir)
		return -ENOTDIR;
	dev_acquire(d);
	r = fuse_call(d, FUSE_READDIR, v->nodeid, 1, args, lens, in.size);
	while (r > 0 && at + sizeof(struct fuse_dirent) <= (size_t)r) {
		struct fuse_dirent *fd = (void *)((char *)reply(d) + at);
		size_t flen = ALIGN_UP(sizeof(*fd) + fd->namelen, 8);
		size_t rec = ALIGN_UP(19 + fd->namelen + 1, 8);

		if (at + sizeof(*fd) + fd->namelen > (size_t)r || fd->namelen > VFS_NAME_MAX)
			break;
		if (used + rec > len)
			break;
		struct dirent *de = (struct dirent *)(buf + used);
		de->d_ino = fd->ino;
		de->d_off = (off_t)fd->off;
		de->d_reclen = (unsigned short)rec;
		de->d_type = (unsigned char)fd->type;
		kmemcpy(de->d_name, fd->name, fd->namelen);
		de->d_name[fd->namelen] = '\0';
		used += rec;
		f->pos = fd->off;
		at += flen;
	}
	dev_release(d);
	if (r < 0)
		return r;
	if (!used && at < (size_t)r)
		return -EINVAL;
	return (long)used;
}

static long vf_truncate(struct file *f, uint64_t len)
{
	struct vfs_file *v = f->priv;
	long r;

	dev_acquire(v->d);
	r = set_size(v->d, v->nodeid, &v->fh, len);
	dev_release(v->d);
	return r;
}

/* FUSE_FSYNC; a server without it (ENOSYS) has nothing to write back. */
static long vf_fsync(struct file *f, bool datasync)
{
	struct vfs_file *v = f->priv;
	struct fuse_fsync_in in = {.fh = v->fh, .fsync_flags = datasync ? FUSE_FSYNC_FDATASYNC : 0};
	const void *args[] = {&in};
	size_t lens[] = {sizeof(in)};
	long r;

	dev_acquire(v->d);
	r = fuse_call(v->d, v->dir ? FUSE_FSYNCDIR : FUSE_FSYNC, v->nodeid, 1, args, lens, 0);
	dev_release(v->d);
	return r == -ENOSYS ? 0 : r < 0 ? r : 0;
}

struct fuse_kstatfs {
	uint64_t blocks, bfree, bavail, files, ffree;
	uint32_t bsize, namelen, frsize, padding, spare[6];
};

static long statfs_node(struct vfs_dev *d, uint64_t node, struct statfs *sf)
{
	struct fuse_kstatfs *k = reply(d);
	long r = fuse_call(d, FUSE_STATFS, node, 0, NULL, NULL, sizeof(*k));

	if (r >= 0 && (size_t)r < sizeof(*k))
		r = -EIO;
	if (r < 0)
		return r;
	kmemset(sf, 0, sizeof(*sf));
	sf->f_type = FUSE_SUPER_MAGIC;
	sf->f_bsize = k->bsize;
	sf->f_frsize = k->frsize ? k->frsize : k->bsize;
	sf->f_blocks = k->blocks;
	sf->f_bfree = k->bfree;
	sf->f_bavail = k->bavail;
	sf->f_files = k->files;
	sf->f_ffree = k->ffree;
	sf->f_namelen = k->namelen;
	return 0;
}

static long vf_statfs(struct file *f, struct statfs *sf)
{
	struct vfs_file *v = f->priv;
	long r;

	dev_acquire(v->d);
	r = statfs_node(v->d, v->nodeid, sf);
	dev_release(v->d);
	return r;
}

static void close_node(struct vfs_dev *d, uint64_t node, uint64_t fh, bool dir, int oflags)
{
	struct fuse_release_in in = {.fh = fh, .flags = (uint32_t)oflags};
	const void *args[] = {&in};
	size_t lens[] = {sizeof(in)};

	if (!dir) {
		struct fuse_flush_in fl = {.fh = fh};
		const void *fargs[] = {&fl};
		size_t flens[] = {sizeof(fl)};

		fuse_call(d, FUSE_FLUSH, node, 1, fargs, flens, 0);
	}
	fuse_call(d, dir ? FUSE_RELEASEDIR : FUSE_RELEASE, node, 1, args, lens, 0);
	forget(d, node);
}

static void vf_release(struct file *f)
{
	struct vfs_file *v = f->priv;

	dev_acquire(v->d);
	close_node(v->d, v->nodeid, v->fh, v->dir, v->oflags);
	dev_release(v->d);
	kfree(v);
}

static const struct file_ops vf_ops = {
	.read = vf_read,
	.write = vf_write,
	.stat = vf_stat,
	.lseek = file_seek,
	.getdents = vf_getdents,
	.truncate = vf_truncate,
	.fsync = vf_fsync,
	.statfs = vf_statfs,
	.release = vf_release,
};

/* ---- the backend ---- */

#define OPEN_PASS (O_ACCMODE | O_NONBLOCK | O_SYNC | O_DSYNC | O_NOATIME)

static long do_open(struct vfs_dev *d, const char *rel, int flags, int mode, struct vfs_file *v)
{
	struct fuse_entry_out e;
	uint64_t node = 0;
	long r = walk(d, rel, kstrlen(rel), !(flags & O_NOFOLLOW), &node, &e);
	uint32_t oflags = (uint32_t)(flags & OPEN_PASS);

	if (r == 0) {
		if ((flags & O_CREAT) && (flags & O_EXCL)) {
			forget(d, node);
			return -EEXIST;
		}
		if (!*rel && !e.attr.mode) {
			struct stat st;
			if ((r = getattr(d, node, NULL, &st)) < 0)
				return r;
			e.attr.mode = st.st_mode;
		}
		if (S_ISLNK(e.attr.mode))
			r = -ELOOP; /* O_NOFOLLOW on a link */
		else if (S_ISDIR(e.attr.mode) && (flags & O_ACCMODE) != O_RDONLY)
			r = -EISDIR;
		else if (!S_ISDIR(e.attr.mode) && (flags & O_DIRECTORY))
			r = -ENOTDIR;
		if (r) {
			forget(d, node);
			return r;
		}
		struct fuse_open_in in = {.flags = S_ISDIR(e.attr.mode) ? O_RDONLY : oflags};
		const void *args[] = {&in};
		size_t lens[] = {sizeof(in)};
		v->dir = S_ISDIR(e.attr.mode);
		r = fuse_call(d, v->dir ? FUSE_OPENDIR : FUSE_OPEN, node, 1, args, lens,
			      sizeof(struct fuse_open_out));
		if (r >= 0 && (size_t)r < sizeof(struct fuse_open_out))
			r = -EIO;
		if (r < 0) {
			forget(d, node);
			return r;
		}
		v->fh = ((struct fuse_open_out *)reply(d))->fh;
		v->nodeid = node;
		v->oflags = (int)in.flags;
		if (!v->dir && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY &&
		    (r = set_size(d, node, &v->fh, 0)) < 0) {
			close_node(d, node, v->fh, false, v->oflags);
			return r;
		}
		return 0;
	}
	if (r != -ENOENT || !(flags & O_CREAT))
		return r;
	/* Create it in its parent. */
	uint64_t parent;
	const char *name;
	if ((r = walk_parent(d, rel, &parent, &name)) < 0)
		return r;
	struct fuse_create_in in = {.flags = oflags, .mode = (uint32_t)(mode & 07777) | S_IFREG};
	char zero = 0;
	const void *args[] = {&in, name, &zero};
	size_t lens[] = {sizeof(in), kstrlen(name), 1};
	r = fuse_call(d, FUSE_CREATE, parent, 3, args, lens,
		      sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out));
	forget(d, parent);
	if (r >= 0 && (size_t)r < sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out))
		r = -EIO;
	if (r < 0)
		return r;
	v->nodeid = ((struct fuse_entry_out *)reply(d))->nodeid;
	v->fh = ((struct fuse_open_out *)((char *)reply(d) + sizeof(struct fuse_entry_out)))->fh;
	v->dir = false;
	v->oflags = (int)oflags;
	return 0;
}

static long be_open(void *ctx, const char *rel, int flags, int mode, struct file **out)
{
	struct vfs_dev *d = ctx;
	struct vfs_file *v = kzalloc(sizeof(*v));
	struct file *f;
	long r;

	if (!v)
		return -ENOMEM;
	v->d = d;
	dev_acquire(d);
	r = do_open(d, rel, flags, mode, v);
	dev_release(d);
	if (r < 0) {
		kfree(v);
		return r;
	}
	f = file_new(&vf_ops, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK), v);
	if (!f) {
		dev_acquire(d);
		close_node(d, v->nodeid, v->fh, v->dir, v->oflags);
		dev_release(d);
		kfree(v);
		return -ENOMEM;
	}
	*out = f;
	return 0;
}

static long be_stat(void *ctx, const char *rel, struct stat *st, bool follow)
{
	struct vfs_dev *d = ctx;
	struct fuse_entry_out e;
	uint64_t node;
	long r;

	dev_acquire(d);
	r = walk(d, rel, kstrlen(rel), follow, &node, &e);
	if (r == 0) {
		if (*rel)
			attr_to_stat(&e.attr, st);
		else
			r = getattr(d, node, NULL, st);
		forget(d, node);
	}
	dev_release(d);
	return r;
}

/* An operation on (parent, name) with extra arguments; the reply, when it
 * is an entry, has its node forgotten. */
static long name_op(struct vfs_dev *d, const char *rel, uint32_t opcode, const void *pre,
		    size_t prelen, const char *post)
{
	uint64_t parent;
	const char *name;
	char zero = 0;
	long r;

	struct fuse_entry_out e;
	uint64_t target = 0;

	if ((r = walk_parent(d, rel, &parent, &name)) < 0)
		return r;
	/* virtiofsd removes only names it has looked up: look the target up
	 * first, and forget it afterwards. */
	if (opcode == FUSE_UNLINK || opcode == FUSE_RMDIR) {
		if ((r = lookup(d, parent, name, kstrlen(name), &e)) < 0) {
			forget(d, parent);
			return r;
		}
		target = e.nodeid;
	}
	const void *args[] = {pre, name, &zero, post, &zero};
	size_t lens[] = {prelen, kstrlen(name), 1, post ? kstrlen(post) : 0, 1};
	if (prelen)
		r = fuse_call(d, opcode, parent, post ? 5 : 3, args, lens,
			      sizeof(struct fuse_entry_out));
	else
		r = fuse_call(d, opcode, parent, post ? 4 : 2, args + 1, lens + 1,
			      sizeof(struct fuse_entry_out));
	if (r >= (long)sizeof(struct fuse_entry_out) &&
	    (opcode == FUSE_MKDIR || opcode == FUSE_SYMLINK))
		forget(d, ((struct fuse_entry_out *)reply(d))->nodeid);
	forget(d, target);
	forget(d, parent);
	return r < 0 ? r : 0;
}

static long be_mkdir(void *ctx, const char *rel, int mode)
{
	struct vfs_dev *d = ctx;
	struct fuse_mkdir_in in = {.mode = (uint32_t)(mode & 07777)};
	long r;

	dev_acquire(d);
	r = name_op(d, rel, FUSE_MKDIR, &in, sizeof(in), NULL);
	dev_release(d);
	return r;
}

static long be_unlink(void *ctx, const char *rel, bool dir)
{
	struct vfs_dev *d = ctx;
	long r;

	dev_acquire(d);
	r = name_op(d, rel, dir ? FUSE_RMDIR : FUSE_UNLINK, NULL, 0, NULL);
	dev_release(d);
	return r;
}

static long be_symlink(void *ctx, const char *target, const char *rel)
{
	struct vfs_dev *d = ctx;
	long r;

	dev_acquire(d);
	r = name_op(d, rel, FUSE_SYMLINK, NULL, 0, target);
	dev_release(d);
	return r;
}

static long be_rename(void *ctx, const char *from, const char *to)
{
	struct vfs_dev *d = ctx;
	uint64_t p1 = 0, p2 = 0;
	const char *n1, *n2;
	char zero = 0;
	long r;

	dev_acquire(d);
	if ((r = walk_parent(d, from, &p1, &n1)) == 0) {
		if ((r = walk_parent(d, to, &p2, &n2)) == 0) {
			struct fuse_rename_in in = {.newdir = p2};
			const void *args[] = {&in, n1, &zero, n2, &zero};
			size_t lens[] = {sizeof(in), kstrlen(n1), 1, kstrlen(n2), 1};
			struct fuse_entry_out e;
			uint64_t src = 0, dst = 0;

			/* As for unlink: virtiofsd wants both names looked up. */
			if ((r = lookup(d, p1, n1, kstrlen(n1), &e)) == 0) {
				src = e.nodeid;
				if (lookup(d, p2, n2, kstrlen(n2), &e) == 0)
					dst = e.nodeid;
				r = fuse_call(d, FUSE_RENAME, p1, 5, args, lens, 0);
			}
			forget(d, src);
			forget(d, dst);
			forget(d, p2);
		}
		forget(d, p1);
	}
	dev_release(d);
	return r < 0 ? r : 0;
}

static long be_readlink(void *ctx, const char *rel, char *buf, size_t len)
{
	struct vfs_dev *d = ctx;
	struct fuse_entry_out e;
	uint64_t node;
	long r;

	dev_acquire(d);
	if ((r = walk(d, rel, kstrlen(rel), false, &node, &e)) == 0) {
		if (!S_ISLNK(e.attr.mode))
			r = -EINVAL;
		else if ((r = fuse_call(d, FUSE_READLINK, node, 0, NULL, NULL, VFS_PATH_MAX)) > 0)
			kmemcpy(buf, reply(d), (size_t)(r = (long)MIN((size_t)r, len)));
		forget(d, node);
	}
	dev_release(d);
	return r;
}

static long be_truncate(void *ctx, const char *rel, uint64_t len)
{
	struct vfs_dev *d = ctx;
	struct fuse_entry_out e;
	uint64_t node;
	long r;

	dev_acquire(d);
	if ((r = walk(d, rel, kstrlen(rel), true, &node, &e)) == 0) {
		r = S_ISDIR(e.attr.mode) ? -EISDIR : set_size(d, node, NULL, len);
		forget(d, node);
	}
	dev_release(d);
	return r;
}

static long be_statfs(void *ctx, const char *rel, struct statfs *sf)
{
	struct vfs_dev *d = ctx;
	struct fuse_entry_out e;
	uint64_t node;
	long r;

	dev_acquire(d);
	if ((r = walk(d, rel, kstrlen(rel), true, &node, &e)) == 0) {
		r = statfs_node(d, node, sf);
		forget(d, node);
	}
	dev_release(d);
	return r;
}

static const struct fs_backend virtio_fs_backend = {
	.name = "virtio-fs",
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

/* ---- the device ---- */

static long fuse_init(struct vfs_dev *d)
{
	struct fuse_init_in in = {.major = FUSE_KERNEL_VER, .minor = FUSE_KERNEL_MINOR,
				  .max_readahead = FS_CHUNK, .flags = 0};
	const void *args[] = {&in};
	size_t lens[] = {sizeof(in)};
	struct fuse_init_out *o = reply(d);
	long r = fuse_call(d, FUSE_INIT, 0, 1, args, lens, sizeof(*o));

	if (r < 0)
		return r;
	if ((size_t)r < 24 || o->major != FUSE_KERNEL_VER)
		return -EPROTO;
	d->max_write = o->max_write && o->max_write < FS_CHUNK ? o->max_write : FS_CHUNK;
	pr_info("virtio-fs %s: FUSE %u.%u, max_write %u", d->tag, o->major, o->minor,
		d->max_write);
	return 0;
}

static int fs_probe(struct pci_dev *pci)
{
	struct vfs_dev *d;
	uint32_t nreq = 0;
	uint64_t out_pa, in_pa, fg_pa;
	int err;

	if (virtio_pci_type(pci) != VIRTIO_ID_FS)
		return -ENODEV;
	if (ndevs >= FS_MAX_DEVS || !(d = kzalloc(sizeof(*d))))
		return -ENOMEM;
	out_pa = frame_alloc_contig(FS_BUF / 4096);
	in_pa = frame_alloc_contig(FS_BUF / 4096);
	fg_pa = frame_alloc();
	if (!out_pa || !in_pa || !fg_pa) {
		err = -ENOMEM;
		goto fail;
	}
	d->out = (uint8_t *)out_pa;
	d->in = (uint8_t *)in_pa;
	d->forgets = (struct forget_slot *)fg_pa;
	kmemset(d->forgets, 0, sizeof(*d->forgets) * FS_FORGET_SLOTS);
	if ((err = virtio_pci_init(&d->vdev, pci, 0)))
		goto fail;
	virtio_config_read(&d->vdev, 0, d->tag, 36);
	virtio_config_read(&d->vdev, 36, &nreq, 4);
	d->tag[36] = '\0';
	if (!d->tag[0] || !nreq) {
		err = -EINVAL;
		goto fail;
	}
	if ((err = virtq_setup(&d->vdev, 0, 64, NULL, d, &d->hiprio)) ||
	    (err = virtq_setup(&d->vdev, 1, 64, req_interrupt, d, &d->req)))
		goto fail;
	virtio_ready(&d->vdev);
	if ((err = (int)fuse_init(d)))
		goto fail;
	d->ready = true;
	devs[ndevs++] = d;
	pci->driver_data = d;
	pr_info("virtio-fs: tag '%s', %u request queue(s), %s", d->tag, nreq,
		d->vdev.msix ? "MSI-X" : "INTx");
	return 0;
fail:
	/* d stays: an interrupt handler may still name it. */
	pr_warn("virtio-fs: %02x:%02x.%u: not usable (error %d)", pci->bus, pci->dev, pci->fn,
		err);
	if (d->vdev.common)
		virtio_reset(&d->vdev);
	return err;
}

void virtio_fs_init(void)
{
	pci_register_driver(0x1af4, 0x105a, fs_probe);
}

void virtio_fs_mount_all(const char *wd)
{
	char path[64];

	for (int i = 0; i < ndevs; i++) {
		struct vfs_dev *d = devs[i];
		const char *at = path;
		long r;

		if (!kstrcmp(d->tag, "root"))
			at = wd && *wd ? wd : "/root";
		else
			ksnprintf(path, sizeof(path), "/%s", d->tag);
		if ((r = vfs_mount(at, &virtio_fs_backend, d)) < 0)
			pr_warn("virtio-fs %s: cannot mount at %s (error %ld)", d->tag, at, -r);
		else
			pr_info("virtio-fs %s: mounted at %s", d->tag, at);
	}
}
