/* SPDX-License-Identifier: MIT */
/*
 * /proc: the few files that musl and common programs read, generated when
 * they are opened (a snapshot, as Linux's seq files give for small files),
 * read-only. A struct fs_backend mounted at /proc by vfs_init:
 *   /proc/meminfo      MemTotal, MemFree, MemAvailable from the frames
 *   /proc/cpuinfo      a block per CPU online, from CPUID and the TSC
 *   /proc/uptime       seconds since boot (idle time is not counted: 0.00)
 *   /proc/self/fd/N    one symbolic link per open fd: the path of a file
 *                      opened by path, else "pipe:[N]", "socket:[N]",
 *                      "anon_inode:[eventfd]", ...; opening it reopens the
 *                      path (or shares the file when it has none)
 * There is one process, so /proc/self is a directory, not a link to a pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include "arch.h"
#include "clock.h"
#include "cpu.h"
#include "mm.h"
#include "vfs.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define PROC_DEV 0x16

enum pkind { P_ROOT, P_SELF, P_FDDIR, P_FD, P_FILE };

struct pnode {
	enum pkind kind;
	int fd;	    /* P_FD */
	int file;   /* P_FILE: index in files[] */
};

/* Text of a generated file into buf (cap bytes); returns the length it
 * needs, which may exceed cap (then nothing past cap was written). */
typedef size_t (*gen_fn)(char *buf, size_t cap);

static size_t gen_meminfo(char *buf, size_t cap);
static size_t gen_cpuinfo(char *buf, size_t cap);
static size_t gen_uptime(char *buf, size_t cap);

static const struct {
	const char *name;
	gen_fn gen;
} files[] = {
	{ "meminfo", gen_meminfo },
	{ "cpuinfo", gen_cpuinfo },
	{ "uptime", gen_uptime },
};

/* ---- the generated files ---- */

/* Append to buf at *at (bounded by cap; *at counts what would be needed). */
__attribute__((format(printf, 4, 5))) static void emit(char *buf, size_t cap, size_t *at,
							const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(*at < cap ? buf + *at : NULL, *at < cap ? cap - *at : 0, fmt, ap);
	va_end(ap);
	*at += (size_t)n;
}

static size_t gen_meminfo(char *buf, size_t cap)
{
	uint64_t total = frames_total() * (PAGE_SIZE / 1024), free = frames_free() * (PAGE_SIZE / 1024);
	size_t at = 0;

	emit(buf, cap, &at, "%-16s%8lu kB\n", "MemTotal:", total);
	emit(buf, cap, &at, "%-16s%8lu kB\n", "MemFree:", free);
	emit(buf, cap, &at, "%-16s%8lu kB\n", "MemAvailable:", free);
	emit(buf, cap, &at, "%-16s%8lu kB\n", "Buffers:", 0ul);
	emit(buf, cap, &at, "%-16s%8lu kB\n", "Cached:", 0ul);
	emit(buf, cap, &at, "%-16s%8lu kB\n", "SwapTotal:", 0ul);
	emit(buf, cap, &at, "%-16s%8lu kB\n", "SwapFree:", 0ul);
	return at;
}

/* CPUID feature bits by Linux's /proc/cpuinfo names: leaf, register
 * (0 eax .. 3 edx), bit. */
static const struct {
	uint32_t leaf;
	uint8_t reg, bit;
	const char *name;
} flags[] = {
	{ 1, 3, 0, "fpu" },	     { 1, 3, 1, "vme" },	{ 1, 3, 2, "de" },
	{ 1, 3, 3, "pse" },	     { 1, 3, 4, "tsc" },	{ 1, 3, 5, "msr" },
	{ 1, 3, 6, "pae" },	     { 1, 3, 7, "mce" },	{ 1, 3, 8, "cx8" },
	{ 1, 3, 9, "apic" },	     { 1, 3, 11, "sep" },	{ 1, 3, 12, "mtrr" },
	{ 1, 3, 13, "pge" },	     { 1, 3, 14, "mca" },	{ 1, 3, 15, "cmov" },
	{ 1, 3, 16, "pat" },	     { 1, 3, 17, "pse36" },	{ 1, 3, 19, "clflush" },
	{ 1, 3, 23, "mmx" },	     { 1, 3, 24, "fxsr" },	{ 1, 3, 25, "sse" },
	{ 1, 3, 26, "sse2" },	     { 1, 3, 27, "ss" },	{ 1, 3, 28, "ht" },
	{ 0x80000001, 3, 11, "syscall" }, { 0x80000001, 3, 20, "nx" },
	{ 0x80000001, 3, 22, "mmxext" }, { 0x80000001, 3, 26, "pdpe1gb" },
	{ 0x80000001, 3, 27, "rdtscp" }, { 0x80000001, 3, 29, "lm" },
	{ 1, 2, 0, "pni" },	     { 1, 2, 1, "pclmulqdq" },	{ 1, 2, 3, "monitor" },
	{ 1, 2, 5, "vmx" },	     { 1, 2, 9, "ssse3" },	{ 1, 2, 12, "fma" },
	{ 1, 2, 13, "cx16" },	     { 1, 2, 17, "pcid" },	{ 1, 2, 19, "sse4_1" },
	{ 1, 2, 20, "sse4_2" },	     { 1, 2, 21, "x2apic" },	{ 1, 2, 22, "movbe" },
	{ 1, 2, 23, "popcnt" },	     { 1, 2, 24, "tsc_deadline_timer" },
	{ 1, 2, 25, "aes" },	     { 1, 2, 26, "xsave" },	{ 1, 2, 28, "avx" },
	{ 1, 2, 29, "f16c" },	     { 1, 2, 30, "rdrand" },	{ 1, 2, 31, "hypervisor" },
	{ 0x80000001, 2, 0, "lahf_lm" }, { 0x80000001, 2, 2, "svm" },
	{ 0x80000001, 2, 5, "abm" },	 { 0x80000001, 2, 6, "sse4a" },
	{ 7, 1, 0, "fsgsbase" },     { 7, 1, 3, "bmi1" },	{ 7, 1, 5, "avx2" },
	{ 7, 1, 7, "smep" },	     { 7, 1, 8, "bmi2" },	{ 7, 1, 9, "erms" },
	{ 7, 1, 10, "invpcid" },     { 7, 1, 16, "avx512f" },	{ 7, 1, 18, "rdseed" },
	{ 7, 1, 19, "adx" },	     { 7, 1, 20, "smap" },	{ 7, 1, 23, "clflushopt" },
	{ 7, 1, 24, "clwb" },	     { 7, 1, 29, "sha_ni" },
};

static uint32_t reg_of(struct cpuid_regs r, int i)
{
	return i == 0 ? r.eax : i == 1 ? r.ebx : i == 2 ? r.ecx : r.edx;
}

/* CPUID leaf (subleaf 0), or zeros when the CPU does not have it. */
static struct cpuid_regs leaf(uint32_t l)
{
	uint32_t max = cpuid(l & 0x80000000u, 0).eax;

	return l <= max ? cpuid(l, 0) : (struct cpuid_regs){ 0 };
}

static void brand(char *name)
{
	char *p = name;

	kmemset(name, 0, 49);
	if (leaf(0x80000000u).eax < 0x80000004u) {
		kmemcpy(name, "unknown", 8);
		return;
	}
	for (uint32_t l = 0x80000002u; l <= 0x80000004u; l++) {
		struct cpuid_regs r = cpuid(l, 0);
		kmemcpy(p, &r.eax, 4), kmemcpy(p + 4, &r.ebx, 4);
		kmemcpy(p + 8, &r.ecx, 4), kmemcpy(p + 12, &r.edx, 4);
		p += 16;
	}
	for (p = name; *p == ' '; p++)
		;
	kmemmove(name, p, kstrlen(p) + 1);
}

static size_t gen_cpuinfo(char *buf, size_t cap)
{
	struct cpuid_regs v = cpuid(0, 0), f1 = leaf(1);
	uint32_t fam = (f1.eax >> 8) & 0xf, model = (f1.eax >> 4) & 0xf;
	uint64_t khz = clock_tsc_khz();
	char vendor[13], name[49];
	size_t at = 0;

	kmemcpy(vendor, &v.ebx, 4), kmemcpy(vendor + 4, &v.edx, 4);
	kmemcpy(vendor + 8, &v.ecx, 4), vendor[12] = 0;
	if (fam == 0xf)
		fam += (f1.eax >> 20) & 0xff;
	if (fam == 6 || fam >= 0xf)
		model += ((f1.eax >> 16) & 0xf) << 4;
	brand(name);
	for (uint32_t c = 0; c < MAX_CPUS; c++) {
		if (!cpus[c].online)
			continue;
		emit(buf, cap, &at,
		     "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
		     "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\n"
		     "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n"
		     "apicid\t\t: %u\nfpu\t\t: yes\nflags\t\t:",
		     c, vendor, fam, model, name, f1.eax & 0xf, khz / 1000, khz % 1000, ncpus, c,
		     ncpus, cpus[c].apic_id);
		for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
			if (reg_of(leaf(flags[i].leaf), flags[i].reg) >> flags[i].bit & 1)
				emit(buf, cap, &at, " %s", flags[i].name);
		emit(buf, cap, &at, "\n\n");
	}
	return at;
}

static size_t gen_uptime(char *buf, size_t cap)
{
	uint64_t cs = clock_uptime_ns() / 10000000ull;
	size_t at = 0;

	emit(buf, cap, &at, "%lu.%02lu 0.00\n", cs / 100, cs % 100);
	return at;
}

/* ---- names ---- */

/* Parse a decimal fd number of len bytes; -1 if it is not one. */
static int parse_fd(const char *s, size_t len)
{
	int n = 0;

	if (!len || len > 4 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n < FD_MAX ? n : -1;
}

static bool is(const char *s, size_t len, const char *name)
{
	return kstrlen(name) == len && !kmemcmp(s, name, len);
}

/* The node that rel names (rel is normalised by the VFS). */
static long resolve(const char *rel, struct pnode *pn)
{
	pn->kind = P_ROOT;
	while (*rel) {
		const char *e = kstrchr(rel, '/');
		size_t len = e ? (size_t)(e - rel) : kstrlen(rel);
		bool found = false;

		switch (pn->kind) {
		case P_ROOT:
			if (is(rel, len, "self"))
				pn->kind = P_SELF, found = true;
			for (size_t i = 0; i < ARRAY_SIZE(files) && !found; i++)
				if (is(rel, len, files[i].name))
					pn->kind = P_FILE, pn->file = (int)i, found = true;
			break;
		case P_SELF:
			if (is(rel, len, "fd"))
				pn->kind = P_FDDIR, found = true;
			break;
		case P_FDDIR: {
			struct file *f;
			if ((pn->fd = parse_fd(rel, len)) >= 0 && (f = fd_get(pn->fd))) {
				file_put(f);
				pn->kind = P_FD, found = true;
			}
			break;
		}
		default:
			return -ENOTDIR;
		}
		if (!found)
			return -ENOENT;
		rel = e ? e + 1 : rel + len;
	}
	return 0;
}

/* What /proc/self/fd/N shows for f, like Linux; the length written. */
static size_t describe(struct file *f, char *buf, size_t len)
{
	struct stat st;

	if (f->path) {
		ksnprintf(buf, len, "%s", f->path);
		return kstrlen(buf);
	}
	kmemset(&st, 0, sizeof(st));
	if (f->ops->stat)
		f->ops->stat(f, &st);
	/* Sockets have no inode number of their own: their address stands in. */
	if (!st.st_ino)
		st.st_ino = (uint32_t)((uintptr_t)f->priv >> 4);
	if (f->ops->anon_name)
		ksnprintf(buf, len, "anon_inode:%s", f->ops->anon_name);
	else if (S_ISFIFO(st.st_mode))
		ksnprintf(buf, len, "pipe:[%lu]", (uint64_t)st.st_ino);
	else if (S_ISSOCK(st.st_mode))
		ksnprintf(buf, len, "socket:[%lu]", (uint64_t)st.st_ino);
	else if (S_ISCHR(st.st_mode))
		ksnprintf(buf, len, "/dev/console");
	else
		ksnprintf(buf, len, "anon_inode:[unknown]");
	return kstrlen(buf);
}

static void node_stat(const struct pnode *pn, struct stat *st)
{
	kmemset(st, 0, sizeof(*st));
	st->st_dev = PROC_DEV;
	st->st_ino = 1 + (uint64_t)pn->kind * 0x10000 + (uint64_t)(pn->kind == P_FD ? pn->fd : pn->file);
	st->st_nlink = 1;
	st->st_blksize = 1024;
	st->st_atim = st->st_mtim = st->st_ctim =
		(struct timespec){ (time_t)(clock_realtime_ns() / 1000000000ull), 0 };
	if (pn->kind == P_FILE) {
		st->st_mode = S_IFREG | 0444;
	} else if (pn->kind == P_FD) {
		struct file *f = fd_get(pn->fd);
		int acc = f ? f->flags & O_ACCMODE : O_RDONLY;
		st->st_mode = S_IFLNK | (acc == O_RDONLY ? 0500 : acc == O_WRONLY ? 0300 : 0700);
		st->st_size = 64;
		if (f)
			file_put(f);
	} else {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	}
}

/* ---- open files ---- */

struct ptext {
	char *data;
	size_t len;
	int file; /* index in files[] */
};

static long text_read(struct file *f, char *buf, size_t len)
{
	struct ptext *t = f->priv;
	size_t n = f->pos >= t->len ? 0 : MIN(len, t->len - f->pos);

	kmemcpy(buf, t->data + f->pos, n);
	f->pos += n;
	return (long)n;
}

static long text_stat(struct file *f, struct stat *st)
{
	struct pnode pn = { .kind = P_FILE, .file = ((struct ptext *)f->priv)->file };

	node_stat(&pn, st);
	return 0;
}

static long proc_statfs(struct file *f, struct statfs *sf);

static void text_release(struct file *f)
{
	struct ptext *t = f->priv;

	kfree(t->data);
	kfree(t);
}

static const struct file_ops text_ops = {
	.read = text_read,
	.stat = text_stat,
	.lseek = file_seek,
	.statfs = proc_statfs,
	.release = text_release,
};

/* Directory entry i of directory pn (from "." on); false past the end. */
static bool dir_entry(const struct pnode *pn, uint64_t i, char *name, struct pnode *child)
{
	static const char *const self[] = { "fd" };

	if (i < 2) {
		kmemcpy(name, i ? ".." : ".", 3 - !i);
		*child = *pn;
		return true;
	}
	i -= 2;
	if (pn->kind == P_ROOT) {
		if (i < ARRAY_SIZE(files)) {
			*child = (struct pnode){ .kind = P_FILE, .file = (int)i };
			kmemcpy(name, files[i].name, kstrlen(files[i].name) + 1);
			return true;
		}
		*child = (struct pnode){ .kind = P_SELF };
		kmemcpy(name, "self", 5);
		return i == ARRAY_SIZE(files);
	}
	if (pn->kind == P_SELF) {
		*child = (struct pnode){ .kind = P_FDDIR };
		kmemcpy(name, self[0], 3);
		return i < ARRAY_SIZE(self);
	}
	*child = (struct pnode){ .kind = P_FD, .fd = (int)i };
	ksnprintf(name, 8, "%u", (unsigned)i);
	return i < FD_MAX;
}

static long dir_getdents(struct file *f, char *buf, size_t len)
{
	struct pnode *pn = f->priv, child;
	char name[8];
	size_t used = 0;

	for (uint64_t i = f->pos; dir_entry(pn, i, name, &child); i++) {
		struct stat st;

		if (child.kind == P_FD && i >= 2) {
			struct file *t = fd_get(child.fd);
			if (!t) {
				f->pos = i + 1;
				continue;
			}
			file_put(t);
		}
		size_t nl = kstrlen(name), rec = ALIGN_UP(19 + nl + 1, 8);
		if (used + rec > len)
			return used ? (long)used : -EINVAL;
		node_stat(&child, &st);
		struct dirent *de = (struct dirent *)(buf + used);
		de->d_ino = st.st_ino;
		de->d_off = (off_t)(i + 1);
		de->d_reclen = (unsigned short)rec;
		de->d_type = IFTODT(st.st_mode);
		kmemcpy(de->d_name, name, nl + 1);
		used += rec;
		f->pos = i + 1;
	}
	return (long)used;
}

static long dir_stat(struct file *f, struct stat *st)
{
	node_stat(f->priv, st);
	return 0;
}

static void dir_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops dir_ops = {
	.stat = dir_stat,
	.lseek = file_seek,
	.getdents = dir_getdents,
	.statfs = proc_statfs,
	.release = dir_release,
};

static long open_text(int i, struct file **out)
{
	struct ptext *t = kzalloc(sizeof(*t));
	size_t cap = 4096;

	if (!t)
		return -ENOMEM;
	t->file = i;
	for (;;) {
		if (!(t->data = kmalloc(cap))) {
			kfree(t);
			return -ENOMEM;
		}
		t->len = files[i].gen(t->data, cap);
		if (t->len < cap)
			break;
		kfree(t->data);
		cap = t->len + 1;
	}
	if (!(*out = file_new(&text_ops, O_RDONLY, t))) {
		kfree(t->data);
		kfree(t);
		return -ENFILE;
	}
	return 0;
}

/* Opening /proc/self/fd/N opens what N is: its path again, else the same
 * open file (a pipe, a socket). */
static long open_fd(int fd, int flags, struct file **out)
{
	struct file *f = fd_get(fd);
	long r;

	if (!f)
		return -ENOENT;
	if (f->path) {
		r = vfs_open(AT_FDCWD, f->path, flags & ~(O_CREAT | O_EXCL), 0, out);
		file_put(f);
		return r;
	}
	*out = f; /* fd_get's reference is the caller's */
	return 0;
}

static long be_open(void *ctx, const char *rel, int flags, int mode, struct file **out)
{
	struct pnode pn, *d;
	long r;

	(void)ctx, (void)mode;
	if ((r = resolve(rel, &pn)))
		return r == -ENOENT && (flags & O_CREAT) ? -EACCES : r;
	if (pn.kind == P_FD)
		return flags & O_NOFOLLOW ? -ELOOP : open_fd(pn.fd, flags, out);
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (pn.kind == P_FILE) {
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
			return -EACCES;
		return open_text(pn.file, out);
	}
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	if (!(d = kmalloc(sizeof(*d))))
		return -ENOMEM;
	*d = pn;
	if (!(*out = file_new(&dir_ops, O_RDONLY, d))) {
		kfree(d);
		return -ENFILE;
	}
	return 0;
}

static long be_stat(void *ctx, const char *rel, struct stat *st, bool follow)
{
	struct pnode pn;
	long r;

	(void)ctx;
	if ((r = resolve(rel, &pn)))
		return r;
	if (pn.kind == P_FD && follow) {
		struct file *f = fd_get(pn.fd);
		if (!f)
			return -ENOENT;
		kmemset(st, 0, sizeof(*st));
		r = f->ops->stat ? f->ops->stat(f, st) : 0;
		file_put(f);
		return r;
	}
	node_stat(&pn, st);
	return 0;
}

static long be_readlink(void *ctx, const char *rel, char *buf, size_t len)
{
	char tmp[VFS_PATH_MAX];
	struct pnode pn;
	struct file *f;
	size_t n;
	long r;

	(void)ctx;
	if ((r = resolve(rel, &pn)))
		return r;
	if (pn.kind != P_FD)
		return -EINVAL;
	if (!(f = fd_get(pn.fd)))
		return -ENOENT;
	n = describe(f, tmp, sizeof(tmp));
	file_put(f);
	n = MIN(n, len);
	kmemcpy(buf, tmp, n);
	return (long)n;
}

static void fill_statfs(struct statfs *sf)
{
	kmemset(sf, 0, sizeof(*sf));
	sf->f_type = PROC_SUPER_MAGIC;
	sf->f_bsize = sf->f_frsize = PAGE_SIZE;
	sf->f_namelen = VFS_NAME_MAX;
}

static long proc_statfs(struct file *f, struct statfs *sf)
{
	(void)f;
	fill_statfs(sf);
	return 0;
}

static long be_statfs(void *ctx, const char *rel, struct statfs *sf)
{
	struct pnode pn;
	long r;

	(void)ctx;
	if ((r = resolve(rel, &pn)))
		return r;
	fill_statfs(sf);
	return 0;
}

const struct fs_backend procfs_backend = {
	.name = "procfs",
	.open = be_open,
	.stat = be_stat,
	.readlink = be_readlink,
	.statfs = be_statfs,
};
