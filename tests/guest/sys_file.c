/*
 * sys_file: the file system calls with Linux's results, in a scratch
 * directory under the working directory: open/openat (O_CREAT, O_EXCL,
 * O_TRUNC, O_APPEND, O_DIRECTORY, O_CLOEXEC, O_NOFOLLOW), read/write,
 * pread64/pwrite64, lseek, stat/fstat/lstat/newfstatat, access, getdents64,
 * mkdir/rmdir, unlink/unlinkat, rename/renameat, truncate/ftruncate,
 * fsync, getcwd/chdir/fchdir, umask, symlink/readlink, ".." and symlinks
 * in paths, mmap of a file (MAP_PRIVATE), and the standard files.
 */
#include "thr.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static long fsize(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : (long)st.st_size;
}

static void files(void)
{
	char buf[64];
	int fd = open("f", O_CREAT | O_EXCL | O_RDWR, 0644);

	EQ(fd >= 0, 1, "O_CREAT|O_EXCL creates");
	ERRNO(open("f", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST, "again: EEXIST");
	EQ(write(fd, "hello world", 11), 11, "write 11 bytes");
	EQ(lseek(fd, 0, SEEK_CUR), 11, "the offset follows");
	EQ(lseek(fd, 6, SEEK_SET), 6, "lseek SEEK_SET");
	EQ(read(fd, buf, sizeof(buf)), 5, "read the rest");
	EQ(memcmp(buf, "world", 5), 0, "... which is 'world'");
	EQ(read(fd, buf, sizeof(buf)), 0, "end of file");
	EQ(pwrite(fd, "W", 1, 6), 1, "pwrite at 6");
	EQ(pread(fd, buf, 5, 6), 5, "pread at 6");
	EQ(memcmp(buf, "World", 5), 0, "... sees the pwrite");
	EQ(lseek(fd, 0, SEEK_CUR), 11, "pread/pwrite leave the offset");
	EQ(lseek(fd, 100, SEEK_SET), 100, "seek past the end");
	EQ(write(fd, "!", 1), 1, "write there");
	EQ(fsize("f"), 101, "the file grew to 101 bytes");
	EQ(pread(fd, buf, 4, 50), 4, "the hole reads");
	EQ(buf[0] | buf[1] | buf[2] | buf[3], 0, "... as zeros");
	ERRNO(lseek(fd, -1, SEEK_SET), EINVAL, "a negative offset is EINVAL");
	EQ(ftruncate(fd, 5), 0, "ftruncate to 5");
	EQ(fsize("f"), 5, "size 5");
	EQ(fsync(fd), 0, "fsync");
	EQ(close(fd), 0, "close");
	EQ(truncate("f", 0), 0, "truncate by path");
	fd = open("f", O_WRONLY | O_APPEND);
	EQ(write(fd, "ab", 2) + write(fd, "cd", 2), 4, "O_APPEND writes");
	lseek(fd, 0, SEEK_SET);
	EQ(write(fd, "e", 1), 1, "O_APPEND ignores the offset");
	close(fd);
	EQ(fsize("f"), 5, "size 5 after appends");
	fd = open("f", O_RDWR | O_TRUNC);
	EQ(fsize("f"), 0, "O_TRUNC empties it");
	close(fd);
	ERRNO(open("nothere", O_RDONLY), ENOENT, "a missing file is ENOENT");
	ERRNO(open("f/x", O_RDONLY), ENOTDIR, "a file as a directory is ENOTDIR");
	ERRNO(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file is ENOTDIR");
	ERRNO(open(".", O_WRONLY), EISDIR, "writing a directory is EISDIR");
	fd = open("f", O_RDONLY | O_CLOEXEC);
	EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "O_CLOEXEC");
	ERRNO(write(fd, "x", 1), EBADF, "writing an O_RDONLY file is EBADF");
	close(fd);
	ERRNO(open((char *)1, O_RDONLY), EFAULT, "a bad path pointer is EFAULT");
	memset(buf, 'a', sizeof(buf));
	char longname[300];
	memset(longname, 'n', 299);
	longname[299] = 0;
	ERRNO(open(longname, O_RDONLY), ENAMETOOLONG, "a 299-character name is ENAMETOOLONG");
}

static void dirs(void)
{
	struct stat st;
	char buf[4096], cwd[512], here[512];
	int n = 0, fd;

	EQ(mkdir("d", 0755), 0, "mkdir");
	ERRNO(mkdir("d", 0755), EEXIST, "mkdir again: EEXIST");
	EQ(stat("d", &st) == 0 && S_ISDIR(st.st_mode), 1, "stat says directory");
	for (int i = 0; i < 50; i++) {
		char name[32];
		snprintf(name, sizeof(name), "d/e%d", i);
		close(open(name, O_CREAT | O_WRONLY, 0644));
	}
	DIR *d = opendir("d");
	struct dirent *e;
	while ((e = readdir(d)))
		n++;
	closedir(d);
	EQ(n, 52, "readdir lists the 50 files, . and ..");
	ERRNO(rmdir("d"), ENOTEMPTY, "rmdir of a non-empty directory is ENOTEMPTY");
	for (int i = 0; i < 50; i++) {
		char name[32];
		snprintf(name, sizeof(name), "d/e%d", i);
		unlink(name);
	}
	ERRNO(unlink("d"), EISDIR, "unlink of a directory is EISDIR");
	ERRNO(rmdir("f"), ENOTDIR, "rmdir of a file is ENOTDIR");
	EQ(getcwd(here, sizeof(here)) != NULL, 1, "getcwd");
	EQ(chdir("d"), 0, "chdir");
	EQ(getcwd(cwd, sizeof(cwd)) != NULL && !strcmp(cwd + strlen(here), "/d"), 1,
	   "getcwd ends in /d");
	fd = open("..", O_RDONLY | O_DIRECTORY);
	EQ(fchdir(fd), 0, "fchdir to ..");
	close(fd);
	EQ(getcwd(cwd, sizeof(cwd)) != NULL && !strcmp(cwd, here), 1, "back where we were");
	ERRNO(syscall(SYS_getcwd, cwd, 2), ERANGE, "getcwd into 2 bytes is ERANGE");
	EQ(rename("f", "d/g"), 0, "rename into a directory");
	EQ(access("d/g", F_OK), 0, "the new name exists");
	ERRNO(access("f", F_OK), ENOENT, "the old one does not");
	EQ(rename("d/g", "f"), 0, "and back");
	ERRNO(rename("d", "d/x"), EINVAL, "renaming a directory into itself is EINVAL");
	EQ(rmdir("d"), 0, "rmdir");
	fd = open(".", O_RDONLY | O_DIRECTORY);
	EQ(mkdirat(fd, "sub", 0700), 0, "mkdirat");
	EQ(unlinkat(fd, "sub", AT_REMOVEDIR), 0, "unlinkat AT_REMOVEDIR");
	EQ(fstatat(fd, "f", &st, 0), 0, "fstatat");
	EQ(renameat(fd, "f", fd, "f2") | renameat(fd, "f2", fd, "f"), 0, "renameat");
	n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	EQ(n > 0, 1, "getdents64 returns entries");
	close(fd);
	ERRNO(syscall(SYS_getdents64, 0, buf, sizeof(buf)), ENOTDIR, "getdents64 on stdin: ENOTDIR");
}

static void links(void)
{
	char buf[64];
	struct stat st;

	EQ(symlink("f", "l"), 0, "symlink");
	EQ(readlink("l", buf, sizeof(buf)), 1, "readlink gives the target's length");
	EQ(lstat("l", &st) == 0 && S_ISLNK(st.st_mode), 1, "lstat sees the link");
	EQ(stat("l", &st) == 0 && S_ISREG(st.st_mode), 1, "stat follows it");
	ERRNO(open("l", O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a link is ELOOP");
	ERRNO(readlink("f", buf, sizeof(buf)), EINVAL, "readlink of a file is EINVAL");
	EQ(symlink("loop", "loop"), 0, "a link to itself");
	ERRNO(open("loop", O_RDONLY), ELOOP, "following it is ELOOP");
	EQ(unlink("l") | unlink("loop"), 0, "unlink the links");
	EQ(mkdir("x", 0755), 0, "mkdir x");
	EQ(access("x/../f", F_OK), 0, "x/../f resolves to f");
	EQ(rmdir("x"), 0, "rmdir x");
}

static void misc(void)
{
	char buf[32];
	int fd;

	EQ(umask(077), 022, "umask returns the old mask (022)");
	EQ(umask(022), 077, "and sets the new one");
	fd = open("f", O_RDWR);
	EQ(write(fd, "0123456789", 10), 10, "fill f");
	char *m = mmap(NULL, 10, PROT_READ, MAP_PRIVATE, fd, 0);
	EQ(m != MAP_FAILED && !memcmp(m, "0123456789", 10), 1, "mmap MAP_PRIVATE of a file");
	munmap(m, 10);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	EQ(read(fd, buf, 8) == 8 && !buf[0] && !buf[7], 1, "/dev/zero reads zeros");
	close(fd);
	fd = open("/dev/null", O_RDWR);
	EQ(write(fd, "x", 1) == 1 && read(fd, buf, 1) == 0, 1, "/dev/null swallows and ends");
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	EQ(read(fd, buf, 16), 16, "/dev/urandom reads");
	close(fd);
	EQ(access("/etc/hostname", R_OK) | access("/etc/hosts", R_OK) |
		   access("/etc/resolv.conf", F_OK) | access("/tmp", W_OK),
	   0, "/etc/hostname, /etc/hosts, /etc/resolv.conf and /tmp exist");
	EQ(unlink("f"), 0, "unlink f");
}

int main(void)
{
	start();
	mkdir("sys_file.scratch", 0755);
	if (chdir("sys_file.scratch")) {
		perror("chdir");
		return 1;
	}
	files();
	dirs();
	links();
	misc();
	chdir("..");
	rmdir("sys_file.scratch");
	return finish();
}
