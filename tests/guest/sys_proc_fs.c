/*
 * sys_proc_fs: /proc files, statx, statfs/fstatfs and fsync/fdatasync with
 * the results Linux gives (only what holds on both): /proc/meminfo's
 * MemTotal/MemFree/MemAvailable, /proc/cpuinfo's blocks (as many as
 * sysconf says CPUs are online), /proc/uptime, /proc/self/fd/N for a file,
 * a pipe and the listing directory itself; statx against stat; statfs of
 * "/" and of a /proc file; fsync of a file (0) and of a pipe (EINVAL).
 */
#include "thr.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#define PROC_SUPER_MAGIC 0x9fa0

/* Linux's struct statx (musl 1.2.3 has no statx()). */
struct kstatx {
	unsigned stx_mask, stx_blksize;
	unsigned long long stx_attributes;
	unsigned stx_nlink, stx_uid, stx_gid;
	unsigned short stx_mode, spare0;
	unsigned long long stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct {
		long long tv_sec;
		unsigned tv_nsec;
		int reserved;
	} stx_atime, stx_btime, stx_ctime, stx_mtime;
	unsigned stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	unsigned long long spare2[14];
};

static char text[1 << 16];

/* Read a whole file into text (NUL-terminated); its length or -1. */
static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, text + n, sizeof(text) - 1 - n)) > 0)
		n += r;
	close(fd);
	text[n] = 0;
	return r < 0 ? -1 : n;
}

/* The number after "key:" on a line of text, or -1. */
static long field(const char *key)
{
	char *p = strstr(text, key);

	if (!p || (p != text && p[-1] != '\n'))
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == '\t' || *p == ':')
		p++;
	return *p >= '0' && *p <= '9' ? strtol(p, NULL, 10) : -1;
}

static int count(const char *what)
{
	int n = 0;

	for (char *p = text; (p = strstr(p, what)); p++)
		if (p == text || p[-1] == '\n')
			n++;
	return n;
}

static void meminfo(void)
{
	EQ(slurp("/proc/meminfo") > 0, 1, "/proc/meminfo reads");
	long total = field("MemTotal"), free = field("MemFree"), avail = field("MemAvailable");
	EQ(total > 0, 1, "MemTotal is positive");
	EQ(free > 0 && free <= total, 1, "0 < MemFree <= MemTotal");
	EQ(avail > 0 && avail <= total, 1, "0 < MemAvailable <= MemTotal");
	EQ(strstr(text, "MemTotal:") && strstr(strstr(text, "MemTotal:"), " kB\n") != NULL, 1,
	   "values in kB");
	info("MemTotal %ld kB, MemFree %ld kB", total, free);
}

static void cpuinfo(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	EQ(slurp("/proc/cpuinfo") > 0, 1, "/proc/cpuinfo reads");
	EQ(count("processor\t:"), cpus, "a processor block per CPU online");
	EQ(count("vendor_id\t:"), cpus, "each with vendor_id");
	EQ(count("model name\t:"), cpus, "each with model name");
	EQ(count("flags\t\t:"), cpus, "each with flags");
	EQ(count("cpu MHz\t\t:"), cpus, "each with cpu MHz");
	EQ(field("processor"), 0, "the first block is processor 0");
	EQ(strstr(text, " fpu") && strstr(text, " sse2"), 1, "flags name fpu and sse2");
	EQ(field("cpu MHz") > 0, 1, "cpu MHz is positive");
}

static void uptime(void)
{
	long a, b, c, d;

	EQ(slurp("/proc/uptime") > 0, 1, "/proc/uptime reads");
	EQ(sscanf(text, "%ld.%ld %ld.%ld", &a, &b, &c, &d), 4, "two numbers with decimals");
	EQ(a < 100000, 1, "uptime is seconds since boot");
}

static void self_fd(void)
{
	char buf[256], want[64];
	struct stat st;
	int p[2];
	int fd = open("procfile", O_CREAT | O_TRUNC | O_RDWR, 0644);
	long n;

	EQ(fd >= 0, 1, "open a file");
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	n = readlink(want, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	char cwd[200];
	getcwd(cwd, sizeof(cwd));
	char path[300];
	snprintf(path, sizeof(path), "%s/procfile", cwd);
	EQ(n > 0 && !strcmp(buf, path), 1, "readlink of a file's fd is its path");
	EQ(lstat(want, &st) == 0 && S_ISLNK(st.st_mode), 1, "the fd is a symbolic link");
	EQ(stat(want, &st) == 0 && S_ISREG(st.st_mode), 1, "stat follows it to the file");
	EQ(write(fd, "xyz", 3), 3, "write the file");
	int again = open(want, O_RDONLY);
	EQ(again >= 0 && read(again, buf, 3) == 3 && !memcmp(buf, "xyz", 3), 1,
	   "opening the fd's link reopens the file");
	close(again);
	close(fd);
	unlink("procfile");

	EQ(pipe(p), 0, "pipe");
	fstat(p[0], &st);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", p[0]);
	n = readlink(want, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	snprintf(path, sizeof(path), "pipe:[%lu]", (unsigned long)st.st_ino);
	EQ(!strcmp(buf, path), 1, "a pipe's fd reads pipe:[inode]");
	snprintf(want, sizeof(want), "/proc/self/fd/%d", p[1]);
	n = readlink(want, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	EQ(!strcmp(buf, path), 1, "... the same for both ends");

	DIR *d = opendir("/proc/self/fd");
	int seen = 0, dots = 0, self = -1;
	struct dirent *e;
	EQ(d != NULL, 1, "opendir /proc/self/fd");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.') {
			dots++;
			continue;
		}
		int k = atoi(e->d_name);
		seen |= k == 0 ? 1 : k == p[0] ? 2 : k == p[1] ? 4 : 0;
		if (k == dirfd(d))
			self = k;
	}
	EQ(seen, 7, "the listing has fd 0 and both pipe ends");
	EQ(dots, 2, "and . and ..");
	snprintf(want, sizeof(want), "/proc/self/fd/%d", self);
	n = readlink(want, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	EQ(n > 9 && !strncmp(buf, "/proc/", 6) && !strcmp(buf + n - 3, "/fd"), 1,
	   "the listing's own fd reads /proc/.../fd");
	if (d)
		closedir(d);
	close(p[0]);
	close(p[1]);
	ERRNO(readlink("/proc/self/fd/999", buf, sizeof(buf)), ENOENT, "a closed fd is ENOENT");
	ERRNO(readlink("/proc/meminfo", buf, sizeof(buf)), EINVAL, "readlink of a file is EINVAL");
}

static void statx_fs(void)
{
	struct kstatx sx;
	struct stat st;
	struct statfs sf;
	int fd = open("sx", O_CREAT | O_TRUNC | O_RDWR, 0640), p[2];

	EQ(write(fd, "0123456789", 10), 10, "write 10 bytes");
	memset(&sx, 0xff, sizeof(sx));
	EQ(syscall(SYS_statx, AT_FDCWD, "sx", 0, 0x7ff, &sx), 0, "statx");
	EQ(stat("sx", &st), 0, "stat");
	EQ((sx.stx_mask & 0x7ff) == 0x7ff, 1, "statx gives STATX_BASIC_STATS");
	EQ(sx.stx_size, 10, "statx size");
	EQ(sx.stx_mode, st.st_mode, "statx mode is stat's");
	EQ(sx.stx_ino, st.st_ino, "statx inode is stat's");
	EQ(sx.stx_nlink, st.st_nlink, "statx nlink is stat's");
	EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec, "statx mtime is stat's");
	EQ(syscall(SYS_statx, fd, "", 0x1000, 0x7ff, &sx) == 0 && sx.stx_size == 10, 1,
	   "statx AT_EMPTY_PATH on the fd");
	ERRNO(syscall(SYS_statx, AT_FDCWD, "nosuch", 0, 0x7ff, &sx), ENOENT, "statx ENOENT");
	ERRNO(syscall(SYS_statx, AT_FDCWD, "sx", 0x6000, 0x7ff, &sx), EINVAL,
	      "statx with both sync flags is EINVAL");
	EQ(fsync(fd), 0, "fsync a file");
	EQ(fdatasync(fd), 0, "fdatasync a file");
	EQ(pipe(p), 0, "pipe");
	ERRNO(fsync(p[0]), EINVAL, "fsync of a pipe is EINVAL");
	close(p[0]);
	close(p[1]);
	EQ(fstatfs(fd, &sf) == 0 && sf.f_bsize > 0, 1, "fstatfs of a file");
	close(fd);
	unlink("sx");
	EQ(statfs("/", &sf) == 0 && sf.f_bsize > 0 && sf.f_namelen == 255, 1,
	   "statfs of / (namelen 255)");
	EQ(statfs("/proc/meminfo", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC, 1,
	   "statfs of a /proc file is proc's");
	ERRNO(statfs("/nosuch/dir", &sf), ENOENT, "statfs ENOENT");
}

int main(void)
{
	meminfo();
	cpuinfo();
	uptime();
	self_fd();
	statx_fs();
	return finish();
}
