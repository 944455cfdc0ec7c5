/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of uhyve/hostfs.c (the --mount sandbox) and --mount parsing:
 * against a temporary tree  T/outside (a file that must never change) and
 * T/mnt (the mount), hostile paths are refused and nothing outside the
 * mount is read or changed; the hypercalls end the guest on bad pointers.
 * fsync and statfs reach the host (statfs gives the host's own figures).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "check.h"
#include "uhyve.h"

static char top[256], mnt[300], outside[300];
static struct hfs fs;

#define P(s) (s), strlen(s)

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static int outside_intact(void)
{
	char buf[64] = {0}, path[400];
	struct stat st;
	int fd = open(outside, O_RDONLY), n;

	if (fd < 0)
		return 0;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	snprintf(path, sizeof(path), "%s/x", top);
	/* nothing created next to the mount */
	return n == 6 && !strcmp(buf, "secret") && stat(path, &st) < 0 &&
	       (snprintf(path, sizeof(path), "%s/newdir", top), stat(path, &st) < 0);
}

static void setup(void)
{
	char p[400];
	char err[ERRLEN];

	snprintf(top, sizeof(top), "/tmp/uhyve-hostfs-XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(mnt, sizeof(mnt), "%s/mnt", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	mkdir(mnt, 0755);
	put(outside, "secret");
	snprintf(p, sizeof(p), "%s/file", mnt);
	put(p, "hello");
	snprintf(p, sizeof(p), "%s/sub", mnt);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/abs", mnt);
	CHECK(symlink(outside, p) == 0); /* absolute symlink out */
	snprintf(p, sizeof(p), "%s/up", mnt);
	CHECK(symlink("..", p) == 0); /* symlink to .. */
	snprintf(p, sizeof(p), "%s/sub/upup", mnt);
	CHECK(symlink("../../outside", p) == 0); /* relative symlink out */
	snprintf(p, sizeof(p), "%s/rel", mnt);
	CHECK(symlink("sub/../file", p) == 0); /* a symlink that stays in */
	hfs_init(&fs);
	CHECK(hfs_add(&fs, mnt, err) == 0);
}

static void test_mount_options(void)
{
	struct options o;
	char err[ERRLEN];
	char *cmd;

	memset(&o, 0, sizeof(o));
	CHECK(opt_mount(&o, "/a/b:/data", err) == 0);
	CHECK(opt_mount(&o, "/x:y:/m2", err) == 0); /* split at the last ':' */
	CHECK(o.mountc == 2 && !strcmp(o.mounts[0].host, "/a/b") &&
	      !strcmp(o.mounts[0].guest, "/data") && !strcmp(o.mounts[1].host, "/x:y") &&
	      !strcmp(o.mounts[1].guest, "/m2"));
	CHECK(opt_mount(&o, "/a:rel", err) < 0 && CONTAINS(err, "must be absolute"));
	CHECK(opt_mount(&o, "/a", err) < 0 && CONTAINS(err, "HOST_DIR:GUEST_PATH"));
	CHECK(opt_mount(&o, ":/g", err) < 0 && CONTAINS(err, "HOST_DIR:GUEST_PATH"));
	CHECK(opt_mount(&o, "/a:", err) < 0 && CONTAINS(err, "HOST_DIR:GUEST_PATH"));
	CHECK(opt_mount(&o, "/a:/", err) < 0);
	CHECK(opt_mount(&o, "/a:/b,c", err) < 0);
	o.image = "img";
	cmd = opt_cmdline(&o);
	CHECK(cmd && !strcmp(cmd, "env=HERMIT_MOUNTS=/data,/m2 --"));
	free(cmd);
	opt_free(&o);

	/* through opt_parse */
	{
		char *argv[] = {"uhyve", "--mount", "/h:/g", "--mount=/h2:/g 2", "img", NULL};
		struct opt_env env = {0};

		CHECK(opt_parse(&o, 5, argv, &env, err) == 0 && o.mountc == 2);
		cmd = opt_cmdline(&o);
		CHECK(cmd && !strcmp(cmd, "'env=HERMIT_MOUNTS=/g,/g 2' --"));
		free(cmd);
		opt_free(&o);
	}
	{
		char *argv[] = {"uhyve", "--mount", NULL};
		struct opt_env env = {0};

		CHECK(opt_parse(&o, 2, argv, &env, err) < 0 && CONTAINS(err, "needs"));
		opt_free(&o);
	}
	{
		struct hfs f;

		hfs_init(&f);
		CHECK(hfs_add(&f, "/nonexistent-uhyve-dir", err) < 0 &&
		      CONTAINS(err, "No such file"));
		CHECK(hfs_add(&f, outside, err) < 0 && CONTAINS(err, "not a directory"));
		hfs_free(&f);
	}
}

static void test_escapes(void)
{
	struct uhyve_stat st;
	char buf[64], path[5000], nul[] = "file\0../outside";
	int64_t h;

	memset(path, 'a', sizeof(path));
	/* open */
	CHECK(hfs_open(&fs, 0, P("../outside"), O_RDONLY, 0) == -EACCES);
	CHECK(hfs_open(&fs, 0, P("sub/../../outside"), O_RDONLY, 0) == -EACCES);
	CHECK(hfs_open(&fs, 0, P("abs"), O_RDONLY, 0) == -EACCES);
	CHECK(hfs_open(&fs, 0, P("up/outside"), O_RDONLY, 0) == -EACCES);
	CHECK(hfs_open(&fs, 0, P("sub/upup"), O_RDONLY, 0) == -EACCES);
	CHECK(hfs_open(&fs, 0, P("abs"), O_WRONLY | O_TRUNC, 0) == -EACCES);
	CHECK(hfs_open(&fs, 0, P("../x"), O_WRONLY | O_CREAT, 0644) == -EACCES);
	CHECK(hfs_open(&fs, 0, P("sub/../../x"), O_WRONLY | O_CREAT, 0644) == -EACCES);
	CHECK(hfs_open(&fs, 0, P(outside), O_RDONLY, 0) == -EACCES);
	CHECK(hfs_open(&fs, 0, path, sizeof(path), O_RDONLY, 0) == -ENAMETOOLONG);
	CHECK(hfs_open(&fs, 0, nul, sizeof(nul) - 1, O_RDONLY, 0) == -EINVAL);
	CHECK(hfs_open(&fs, 1, P("file"), O_RDONLY, 0) == -ENOENT); /* no mount 1 */
	CHECK(hfs_open(NULL, 0, P("file"), O_RDONLY, 0) == -ENOENT); /* no mounts */
	/* stat */
	CHECK(hfs_stat(&fs, 0, P("../outside"), true, &st) == -EACCES);
	CHECK(hfs_stat(&fs, 0, P("abs"), true, &st) == -EACCES);
	CHECK(hfs_stat(&fs, 0, P("up"), true, &st) == -EACCES);
	CHECK(hfs_stat(&fs, 0, P("abs"), false, &st) == 0 && S_ISLNK(st.mode));
	CHECK(hfs_stat(&fs, 0, path, 4096, true, &st) == -ENAMETOOLONG);
	/* names */
	CHECK(hfs_mkdir(&fs, 0, P("../newdir"), 0755) == -EACCES);
	CHECK(hfs_mkdir(&fs, 0, P("up/newdir"), 0755) == -EACCES);
	CHECK(hfs_mkdir(&fs, 0, P("sub/../../newdir"), 0755) == -EACCES);
	CHECK(hfs_mkdir(&fs, 0, P("/tmp/newdir"), 0755) == -EACCES);
	CHECK(hfs_mkdir(&fs, 0, P(".."), 0755) == -EINVAL);
	CHECK(hfs_unlink(&fs, 0, P("../outside"), false) == -EACCES);
	CHECK(hfs_unlink(&fs, 0, P("up/outside"), false) == -EACCES);
	CHECK(hfs_unlink(&fs, 0, P("sub/.."), true) == -EINVAL);
	CHECK(hfs_unlink(&fs, 0, nul, sizeof(nul) - 1, false) == -EINVAL);
	CHECK(hfs_rename(&fs, 0, P("../outside"), P("stolen")) == -EACCES);
	CHECK(hfs_rename(&fs, 0, P("file"), P("../x")) == -EACCES);
	CHECK(hfs_rename(&fs, 0, P("file"), P("up/x")) == -EACCES);
	CHECK(hfs_symlink(&fs, 0, P("/etc"), P("../x")) == -EACCES);
	CHECK(hfs_readlink(&fs, 0, P("up/abs"), buf, sizeof(buf)) == -EACCES);
	CHECK(hfs_readlink(&fs, 0, path, 4097, buf, sizeof(buf)) == -ENAMETOOLONG);
	/* a symlink the guest makes cannot lead out either */
	CHECK(hfs_symlink(&fs, 0, P("../outside"), P("evil")) == 0);
	CHECK(hfs_open(&fs, 0, P("evil"), O_RDWR | O_TRUNC, 0) == -EACCES);
	CHECK(hfs_symlink(&fs, 0, P("/proc/self/root/etc/passwd"), P("evil2")) == 0);
	CHECK(hfs_open(&fs, 0, P("evil2"), O_RDONLY, 0) == -EACCES);
	/* the file behind a symlink that stays inside is fine */
	h = hfs_open(&fs, 0, P("rel"), O_RDONLY, 0);
	CHECK(h >= 0 && hfs_pread(&fs, (int32_t)h, buf, sizeof(buf), 0) == 5 &&
	      !memcmp(buf, "hello", 5));
	CHECK(hfs_close(&fs, (int32_t)h) == 0);
	CHECK(outside_intact());
}

static void test_ops(void)
{
	struct uhyve_stat st;
	char buf[4096];
	int64_t h, d, n;
	int found = 0;

	h = hfs_open(&fs, 0, P("sub/new"), O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(h >= 0);
	CHECK(hfs_pwrite(&fs, (int32_t)h, "abcdef", 6, 0) == 6);
	CHECK(hfs_pwrite(&fs, (int32_t)h, "XY", 2, 10) == 2);
	CHECK(hfs_fstat(&fs, (int32_t)h, &st) == 0 && st.size == 12 && S_ISREG(st.mode) &&
	      (st.mode & 0777) == 0600);
	CHECK(hfs_pread(&fs, (int32_t)h, buf, 3, 2) == 3 && !memcmp(buf, "cde", 3));
	CHECK(hfs_ftruncate(&fs, (int32_t)h, 4) == 0);
	CHECK(hfs_fstat(&fs, (int32_t)h, &st) == 0 && st.size == 4);
	CHECK(hfs_close(&fs, (int32_t)h) == 0);
	CHECK(hfs_close(&fs, (int32_t)h) == -EBADF);
	CHECK(hfs_pread(&fs, (int32_t)h, buf, 1, 0) == -EBADF);
	CHECK(hfs_pread(&fs, -1, buf, 1, 0) == -EBADF);
	CHECK(hfs_pread(&fs, HFS_HANDLES, buf, 1, 0) == -EBADF);
	CHECK(hfs_open(&fs, 0, P("sub/new"), O_RDWR | O_CREAT | O_EXCL, 0600) == -EEXIST);
	CHECK(hfs_mkdir(&fs, 0, P("sub/d"), 0755) == 0);
	CHECK(hfs_stat(&fs, 0, P("sub/d"), true, &st) == 0 && S_ISDIR(st.mode));
	CHECK(hfs_rename(&fs, 0, P("sub/new"), P("sub/d/moved")) == 0);
	CHECK(hfs_stat(&fs, 0, P("sub/d/moved"), true, &st) == 0 && st.size == 4);
	CHECK(hfs_symlink(&fs, 0, P("moved"), P("sub/d/ln")) == 0);
	CHECK(hfs_readlink(&fs, 0, P("sub/d/ln"), buf, sizeof(buf)) == 5 &&
	      !memcmp(buf, "moved", 5));
	d = hfs_open(&fs, 0, P("sub/d"), O_RDONLY | O_DIRECTORY, 0);
	CHECK(d >= 0);
	while ((n = hfs_getdents(&fs, (int32_t)d, buf, sizeof(buf))) > 0) {
		int64_t off = 0;

		while (off < n) {
			unsigned short reclen;

			memcpy(&reclen, buf + off + 16, 2);
			found += !strcmp(buf + off + 19, "moved") || !strcmp(buf + off + 19, "ln");
			off += reclen;
		}
	}
	CHECK(n == 0 && found == 2);
	CHECK(hfs_close(&fs, (int32_t)d) == 0);
	CHECK(hfs_stat(&fs, 0, "", 0, true, &st) == 0 && S_ISDIR(st.mode)); /* the root */
	CHECK(hfs_unlink(&fs, 0, P("sub/d"), true) == -ENOTEMPTY);
	CHECK(hfs_unlink(&fs, 0, P("sub/d/ln"), false) == 0);
	CHECK(hfs_unlink(&fs, 0, P("sub/d/moved"), false) == 0);
	CHECK(hfs_unlink(&fs, 0, P("sub/d"), true) == 0);
	CHECK(hfs_unlink(&fs, 0, "", 0, true) == -EINVAL);
	CHECK(outside_intact());
}

/* fsync/fdatasync on handles; statfs by path and by handle gives what the
 * host's statfs(2) says of the mount. */
static void test_sync_statfs(void)
{
	struct uhyve_statfs u;
	struct statfs host;
	char path[5000];
	int64_t h, d;

	memset(path, 'a', sizeof(path));
	h = hfs_open(&fs, 0, P("file"), O_RDWR, 0);
	CHECK(h >= 0 && hfs_pwrite(&fs, (int32_t)h, "hello", 5, 0) == 5);
	CHECK(hfs_fsync(&fs, (int32_t)h, false) == 0);
	CHECK(hfs_fsync(&fs, (int32_t)h, true) == 0);
	d = hfs_open(&fs, 0, P("sub"), O_RDONLY | O_DIRECTORY, 0);
	CHECK(d >= 0 && hfs_fsync(&fs, (int32_t)d, false) == 0); /* a directory too */
	CHECK(statfs(mnt, &host) == 0);
	memset(&u, 0xa5, sizeof(u));
	CHECK(hfs_statfs(&fs, 0, "", 0, &u) == 0);
	CHECK(u.type == (uint64_t)host.f_type && u.bsize == (uint64_t)host.f_bsize &&
	      u.blocks == host.f_blocks && u.files == host.f_files &&
	      u.namelen == (uint64_t)host.f_namelen && u.bsize > 0 && u.blocks > 0 &&
	      u.frsize > 0 && u.bavail <= u.bfree && u.bfree <= u.blocks);
	memset(&u, 0, sizeof(u));
	CHECK(hfs_statfs(&fs, 0, P("sub/../file"), &u) == 0 && u.type == (uint64_t)host.f_type);
	memset(&u, 0, sizeof(u));
	CHECK(hfs_statfs(&fs, 0, P("rel"), &u) == 0 && u.type == (uint64_t)host.f_type);
	memset(&u, 0, sizeof(u));
	CHECK(hfs_fstatfs(&fs, (int32_t)h, &u) == 0 && u.type == (uint64_t)host.f_type &&
	      u.blocks == host.f_blocks);
	CHECK(hfs_fstatfs(&fs, (int32_t)d, &u) == 0 && u.type == (uint64_t)host.f_type);
	/* statfs cannot leave the mount either */
	CHECK(hfs_statfs(&fs, 0, P("../outside"), &u) == -EACCES);
	CHECK(hfs_statfs(&fs, 0, P("abs"), &u) == -EACCES);
	CHECK(hfs_statfs(&fs, 0, P("up"), &u) == -EACCES);
	CHECK(hfs_statfs(&fs, 0, P("/"), &u) == -EACCES);
	CHECK(hfs_statfs(&fs, 0, P("nope"), &u) == -ENOENT);
	CHECK(hfs_statfs(&fs, 0, path, sizeof(path), &u) == -ENAMETOOLONG);
	CHECK(hfs_statfs(&fs, 1, "", 0, &u) == -ENOENT);
	CHECK(hfs_statfs(NULL, 0, "", 0, &u) == -ENOENT);
	CHECK(hfs_close(&fs, (int32_t)d) == 0 && hfs_close(&fs, (int32_t)h) == 0);
	/* handles that are not open */
	CHECK(hfs_fsync(&fs, (int32_t)h, false) == -EBADF);
	CHECK(hfs_fsync(&fs, (int32_t)h, true) == -EBADF);
	CHECK(hfs_fsync(&fs, -1, false) == -EBADF);
	CHECK(hfs_fsync(&fs, HFS_HANDLES, false) == -EBADF);
	CHECK(hfs_fsync(&fs, INT32_MIN, true) == -EBADF);
	CHECK(hfs_fsync(NULL, 0, false) == -EBADF);
	CHECK(hfs_fstatfs(&fs, (int32_t)h, &u) == -EBADF);
	CHECK(hfs_fstatfs(&fs, -1, &u) == -EBADF);
	CHECK(hfs_fstatfs(&fs, HFS_HANDLES, &u) == -EBADF);
	CHECK(hfs_fstatfs(NULL, 0, &u) == -EBADF);
	CHECK(outside_intact());
}

/* The hypercall entry: a fake guest, bad pointers end it. */
static void test_calls(void)
{
	static uint8_t ram[1 << 20] __attribute__((aligned(4096)));
	struct guest g = {.mem = ram, .size = sizeof(ram)};
	struct uhyve_fs_path a = {0};
	struct uhyve_fs_io io = {0};
	char err[ERRLEN];

	memcpy(ram + 0x2000, "file", 4);
	a = (struct uhyve_fs_path){.path = 0x2000, .path_len = 4, .flags = O_RDONLY, .ret = 1};
	memcpy(ram + 0x1000, &a, sizeof(a));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_OPEN, 0x1000, err) == HC_CONTINUE);
	memcpy(&a, ram + 0x1000, sizeof(a));
	CHECK(a.ret >= 0);
	io = (struct uhyve_fs_io){.handle = (int32_t)a.ret, .buf = 0x3000, .len = 5};
	memcpy(ram + 0x1000, &io, sizeof(io));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_PREAD, 0x1000, err) == HC_CONTINUE);
	memcpy(&io, ram + 0x1000, sizeof(io));
	CHECK(io.ret == 5 && !memcmp(ram + 0x3000, "hello", 5));
	/* a buffer past the end of RAM */
	io.buf = sizeof(ram) - 2;
	memcpy(ram + 0x1000, &io, sizeof(io));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_PREAD, 0x1000, err) == HC_ERROR &&
	      CONTAINS(err, "FS_PREAD: buffer"));
	io.buf = 0x3000;
	memcpy(ram + 0x1000, &io, sizeof(io));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_CLOSE, 0x1000, err) == HC_CONTINUE);
	/* a path far outside, an argument struct outside */
	a.path = 0xffffffffffff0000ull;
	memcpy(ram + 0x1000, &a, sizeof(a));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STAT, 0x1000, err) == HC_ERROR &&
	      CONTAINS(err, "FS_STAT: path"));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_OPEN, sizeof(ram) - 8, err) == HC_ERROR);
	/* no mounts: ENOENT */
	a.path = 0x2000;
	a.ret = 1;
	memcpy(ram + 0x1000, &a, sizeof(a));
	CHECK(hfs_call(NULL, &g, UHYVE_HC_FS_OPEN, 0x1000, err) == HC_CONTINUE);
	memcpy(&a, ram + 0x1000, sizeof(a));
	CHECK(a.ret == -ENOENT);
}

/* FS_FSYNC and FS_STATFS through the hypercall entry: bad handles are
 * -EBADF to the guest, bad pointers end it. */
static void test_sync_statfs_calls(void)
{
	static uint8_t ram[1 << 20] __attribute__((aligned(4096)));
	struct guest g = {.mem = ram, .size = sizeof(ram)};
	struct uhyve_fs_statfs s;
	struct uhyve_statfs u;
	struct uhyve_fs_io io;
	struct statfs host;
	char err[ERRLEN];
	int64_t h = hfs_open(&fs, 0, P("file"), O_RDWR, 0);

	CHECK(h >= 0 && statfs(mnt, &host) == 0);
	/* FS_FSYNC: fsync, fdatasync, a closed handle, a handle out of range */
	io = (struct uhyve_fs_io){.handle = (int32_t)h, .ret = 1};
	memcpy(ram + 0x1000, &io, sizeof(io));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_FSYNC, 0x1000, err) == HC_CONTINUE);
	memcpy(&io, ram + 0x1000, sizeof(io));
	CHECK(io.ret == 0);
	io = (struct uhyve_fs_io){.handle = (int32_t)h, .flags = 1, .ret = 1};
	memcpy(ram + 0x1000, &io, sizeof(io));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_FSYNC, 0x1000, err) == HC_CONTINUE);
	memcpy(&io, ram + 0x1000, sizeof(io));
	CHECK(io.ret == 0);
	io = (struct uhyve_fs_io){.handle = 77, .ret = 1};
	memcpy(ram + 0x1000, &io, sizeof(io));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_FSYNC, 0x1000, err) == HC_CONTINUE);
	memcpy(&io, ram + 0x1000, sizeof(io));
	CHECK(io.ret == -EBADF);
	io = (struct uhyve_fs_io){.handle = -5, .ret = 1};
	memcpy(ram + 0x1000, &io, sizeof(io));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_FSYNC, 0x1000, err) == HC_CONTINUE);
	memcpy(&io, ram + 0x1000, sizeof(io));
	CHECK(io.ret == -EBADF);
	CHECK(hfs_call(NULL, &g, UHYVE_HC_FS_FSYNC, 0x1000, err) == HC_CONTINUE);
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_FSYNC, sizeof(ram) - 8, err) == HC_ERROR &&
	      CONTAINS(err, "FS_FSYNC: argument struct"));

	/* FS_STATFS by path: the host's figures in the guest's buffer */
	memcpy(ram + 0x2000, "sub", 3);
	memset(ram + 0x3000, 0, sizeof(u));
	s = (struct uhyve_fs_statfs){.path = 0x2000, .path_len = 3, .buf = 0x3000,
				     .len = sizeof(u), .ret = 1};
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_CONTINUE);
	memcpy(&s, ram + 0x1000, sizeof(s));
	memcpy(&u, ram + 0x3000, sizeof(u));
	CHECK(s.ret == 0 && u.type == (uint64_t)host.f_type && u.blocks == host.f_blocks &&
	      u.bsize == (uint64_t)host.f_bsize);
	/* by handle: path is not read, even when it points nowhere */
	memset(ram + 0x3000, 0, sizeof(u));
	s = (struct uhyve_fs_statfs){.handle = (int32_t)h, .flags = UHYVE_FS_BY_HANDLE,
				     .path = 0xffffffffffff0000ull, .path_len = 9,
				     .buf = 0x3000, .len = sizeof(u), .ret = 1};
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_CONTINUE);
	memcpy(&s, ram + 0x1000, sizeof(s));
	memcpy(&u, ram + 0x3000, sizeof(u));
	CHECK(s.ret == 0 && u.type == (uint64_t)host.f_type && u.blocks == host.f_blocks);
	/* a handle that is not open, a buffer too small: errors, nothing written */
	memset(ram + 0x3000, 0x5a, sizeof(u));
	s.handle = 200;
	s.ret = 1;
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_CONTINUE);
	memcpy(&s, ram + 0x1000, sizeof(s));
	CHECK(s.ret == -EBADF && ram[0x3000] == 0x5a);
	s.handle = -1;
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_CONTINUE);
	memcpy(&s, ram + 0x1000, sizeof(s));
	CHECK(s.ret == -EBADF);
	s.handle = (int32_t)h;
	s.len = sizeof(u) - 1;
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_CONTINUE);
	memcpy(&s, ram + 0x1000, sizeof(s));
	CHECK(s.ret == -EINVAL && ram[0x3000] == 0x5a);
	/* no mounts: ENOENT by path, EBADF by handle */
	s.len = sizeof(u);
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(NULL, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_CONTINUE);
	memcpy(&s, ram + 0x1000, sizeof(s));
	CHECK(s.ret == -EBADF);
	s = (struct uhyve_fs_statfs){.path = 0x2000, .path_len = 3, .buf = 0x3000,
				     .len = sizeof(u)};
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(NULL, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_CONTINUE);
	memcpy(&s, ram + 0x1000, sizeof(s));
	CHECK(s.ret == -ENOENT);
	/* bad pointers end the guest: path, buffer (by path and by handle), struct */
	s = (struct uhyve_fs_statfs){.path = sizeof(ram) - 1, .path_len = 3, .buf = 0x3000,
				     .len = sizeof(u)};
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_ERROR &&
	      CONTAINS(err, "FS_STATFS: path"));
	s.path = 0x2000;
	s.buf = sizeof(ram) - 16;
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_ERROR &&
	      CONTAINS(err, "FS_STATFS: buffer"));
	s.flags = UHYVE_FS_BY_HANDLE;
	s.handle = (int32_t)h;
	s.buf = 0xfffffffffffffff0ull;
	memcpy(ram + 0x1000, &s, sizeof(s));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STATFS, 0x1000, err) == HC_ERROR &&
	      CONTAINS(err, "FS_STATFS: buffer"));
	CHECK(hfs_call(&fs, &g, UHYVE_HC_FS_STATFS, sizeof(ram) - sizeof(s) + 8, err) ==
		  HC_ERROR &&
	      CONTAINS(err, "FS_STATFS: argument struct"));
	CHECK(hfs_close(&fs, (int32_t)h) == 0);
}

int main(void)
{
	char cmd[400];
	int r;

	setup();
	test_mount_options();
	test_escapes();
	test_ops();
	test_sync_statfs();
	test_calls();
	test_sync_statfs_calls();
	hfs_free(&fs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	r = system(cmd);
	(void)r;
	return check_done("test_hostfs");
}
