/*
 * mount_io: files in a uhyve host directory mounted at /data (integer-only,
 * output through write() alone, so that an emulating KVM can run it).
 * Reads the host's in.txt, writes out.txt, makes and renames a directory,
 * lists it, and tries every escape: a symlink to /etc, a symlink to ..,
 * ".." above the mount, a path over PATH_MAX; fsync, fdatasync and statfs
 * reach the host (argv[1]: the host's f_type of the directory, in hex, as
 * stat -f -c %t prints it). Exit status: failed checks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

static int failed;

static void put(const char *s)
{
	write(1, s, strlen(s));
}

static void check(int ok, const char *what)
{
	put(ok ? "ok - " : "not ok - ");
	put(what);
	put("\n");
	failed += !ok;
}

static char longpath[5000];

/* The hex number s (no 0x), or 0 if s is not one. */
static unsigned long hex(const char *s)
{
	unsigned long v = 0;

	for (; s && *s; s++) {
		int d = -1;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		if (d < 0)
			return 0;
		v = v * 16 + (unsigned long)d;
	}
	return v;
}

/* fsync, fdatasync and statfs on the mount give the host's answers. */
static void sync_and_statfs(unsigned long host_type)
{
	struct statfs sf, fsf;
	int fd = open("/data/sync.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);

	check(fd >= 0 && write(fd, "synced\n", 7) == 7 && fsync(fd) == 0, "fsync in the mount");
	check(fdatasync(fd) == 0, "fdatasync in the mount");
	check(statfs("/data", &sf) == 0 && sf.f_blocks > 0 && sf.f_bsize > 0,
	      "statfs of the mount: f_blocks and f_bsize positive");
	check(host_type != 0 && (unsigned long)sf.f_type == host_type,
	      "statfs of the mount: the host's f_type");
	check(fstatfs(fd, &fsf) == 0 && fsf.f_type == sf.f_type && fsf.f_blocks == sf.f_blocks,
	      "fstatfs of a file in the mount: the same file system");
	close(fd);
	check(statfs("/data/in.txt", &fsf) == 0 && fsf.f_type == sf.f_type, "statfs of a file");
	errno = 0;
	check(statfs("/data/nope", &fsf) < 0 && errno == ENOENT,
	      "statfs of a missing file: ENOENT");
	errno = 0;
	check(statfs("/data/escape", &fsf) < 0 && errno == EACCES,
	      "statfs through a symlink to /etc is refused (EACCES)");
}

int main(int argc, char **argv)
{
	char buf[256];
	struct stat st;
	int fd, n;

	fd = open("/data/in.txt", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	check(n == 20 && !memcmp(buf, "hello from the host\n", 20), "read the host's in.txt");
	close(fd);
	fd = open("/data/out.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check(fd >= 0 && write(fd, "written in the guest\n", 21) == 21, "write out.txt");
	check(fstat(fd, &st) == 0 && st.st_size == 21, "fstat sees 21 bytes");
	close(fd);
	sync_and_statfs(hex(argc > 1 ? argv[1] : NULL));
	check(mkdir("/data/d", 0755) == 0 && rename("/data/d", "/data/e") == 0, "mkdir, rename");
	check(stat("/data/e", &st) == 0 && S_ISDIR(st.st_mode), "stat the renamed directory");
	fd = open("/data", O_RDONLY | O_DIRECTORY);
	n = fd >= 0 ? syscall(SYS_getdents64, fd, buf, sizeof(buf)) : -1;
	check(n > 0, "getdents64 lists the mount");
	close(fd);
	check(rmdir("/data/e") == 0, "rmdir");
	check(chdir("/data") == 0 && open("in.txt", O_RDONLY) >= 0, "chdir into the mount, relative open");
	errno = 0;
	check(open("/data/escape/passwd", O_RDONLY) < 0 && errno == EACCES,
	      "a symlink to /etc is refused (EACCES)");
	errno = 0;
	check(open("/data/up/outside.txt", O_RDONLY) < 0, "a symlink to .. is refused");
	errno = 0;
	check(open("/data/../outside.txt", O_RDONLY) < 0 && errno == ENOENT,
	      "/data/.. is the guest's /, not the host's parent");
	check(symlink("../outside.txt", "/data/mine") == 0 && open("/data/mine", O_RDONLY) < 0,
	      "a symlink made by the guest cannot lead out either");
	check(open("/data/mine", O_WRONLY | O_TRUNC) < 0, "... not even to truncate");
	memset(longpath, 'a', sizeof(longpath) - 1);
	memcpy(longpath, "/data/", 6);
	errno = 0;
	check(open(longpath, O_RDONLY) < 0 && errno == ENAMETOOLONG, "a 5000-byte path: ENAMETOOLONG");
	put(failed ? "some checks failed\n" : "all checks passed\n");
	return failed;
}
