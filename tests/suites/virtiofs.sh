#!/usr/bin/env bash
# virtio-fs (feature virtio-fs) on QEMU (TCG) with Debian's virtiofsd: the
# device with tag "root" is mounted at the working directory (/root). The
# demo writes and reads its file there; a guest program reads a host file,
# writes 1 B, 4 KiB and 1 MiB files compared on the host byte for byte,
# lists a host directory of 1000 entries, and does mkdir/rename/unlink/rmdir
# that the host sees, pread/pwrite, fsync, statfs, and symbolic links made
# in the guest and on the host (followed inside the mount; absolute,
# escaping and looping ones refused). 100 MiB files go each way with
# SHA-256 checks and a directory of 10,000 entries is listed (fs_big.c).
# Finally virtiofsd is killed mid-run: the guest must get EIO, not hang.
# virtiofsd is always killed by its PID at the end.
. "$(dirname "$0")/../lib.sh"
VIRTIOFSD=${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
[[ -x $VIRTIOFSD ]] || { skip "virtio-fs" "no $VIRTIOFSD"; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { skip "virtio-fs" "no qemu-system-x86_64"; exit 0; }

VPID=
stop_vfsd() { [[ -n $VPID ]] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null; VPID=; }
trap 'stop_vfsd; rm -rf "$T"' EXIT

# start_vfsd: virtiofsd sharing $T/share on $T/vfsd.sock, in the background.
start_vfsd() {
	rm -f "$T/vfsd.sock"
	"$VIRTIOFSD" --socket-path="$T/vfsd.sock" -o source="$T/share" -o cache=auto \
		>"$T/vfsd.log" 2>&1 &
	VPID=$!
	for _ in $(seq 100); do [[ -S $T/vfsd.sock ]] && return 0; sleep 0.1; done
	return 1
}

# vqemu IMAGE [hermit-qemu options]: the guest with the share as tag root.
vqemu() {
	local img=$1
	shift
	qemu --timeout "${VTIMEOUT:-120}" --qemu -chardev --qemu "socket,id=vfs,path=$T/vfsd.sock" \
		--qemu -device --qemu vhost-user-fs-pci,queue-size=1024,chardev=vfs,tag=root \
		--qemu -object --qemu memory-backend-file,id=mem,size=1G,mem-path=/dev/shm,share=on \
		--qemu -numa --qemu node,memdev=mem -m 1G "$@" "$img"
}

cat >"$T/fs.c" <<'C'
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static int bad;
#define CHECK(c) do { if (!(c)) { printf("CHECK FAILED line %d: %s (errno %d)\n", __LINE__, #c, errno); bad = 1; } } while (0)

static void put(const char *name, size_t n)
{
	char *b = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		b[i] = (char)(i * 7 + i / 251);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	size_t done = 0;
	while (done < n) {
		size_t want = 3000 + (done % 5000);
		ssize_t w = write(fd, b + done, want < n - done ? want : n - done);
		if (w <= 0) { CHECK(w > 0); break; }
		done += (size_t)w;
	}
	CHECK(close(fd) == 0);
	/* read back */
	char *r = malloc(n + 1);
	fd = open(name, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, r, n + 1) == (ssize_t)n);
	CHECK(memcmp(r, b, n) == 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)n && S_ISREG(st.st_mode));
	close(fd);
	free(b);
	free(r);
}

int main(int argc, char **argv)
{
	char buf[256];
	int fd = open("hostfile.txt", O_RDONLY);
	CHECK(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = 0;
	printf("host file: %s", buf);
	close(fd);
	put("one.bin", 1);
	put("four.bin", 4096);
	put("mib.bin", 1 << 20);
	DIR *d = opendir("many");
	CHECK(d != NULL);
	int count = 0, dots = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			dots++;
		else if (!strncmp(e->d_name, "f", 1))
			count++;
	}
	if (d)
		closedir(d);
	printf("listed %d entries (+%d dots)\n", count, dots);
	CHECK(mkdir("newdir", 0755) == 0);
	CHECK(mkdir("newdir", 0755) == -1 && errno == EEXIST);
	fd = open("newdir/inner.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, "inner\n", 6) == 6);
	close(fd);
	CHECK(open("newdir/inner.txt", O_WRONLY | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST);
	CHECK(rename("newdir/inner.txt", "renamed.txt") == 0);
	CHECK(rename("todelete.txt", "newdir/moved.txt") == 0);
	CHECK(unlink("newdir/moved.txt") == 0);
	CHECK(unlink("nosuch") == -1 && errno == ENOENT);
	CHECK(mkdir("gone", 0755) == 0 && rmdir("gone") == 0);
	CHECK(truncate("four.bin", 100) == 0);
	struct stat st;
	CHECK(stat("four.bin", &st) == 0 && st.st_size == 100);
	CHECK(stat(".", &st) == 0 && S_ISDIR(st.st_mode));
	fd = open("app.txt", O_WRONLY | O_CREAT | O_APPEND, 0644);
	CHECK(fd >= 0 && write(fd, "abc", 3) == 3 && close(fd) == 0);
	fd = open("app.txt", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "def", 3) == 3 && close(fd) == 0);
	CHECK(symlink("renamed.txt", "link") == 0);
	CHECK(readlink("link", buf, sizeof(buf)) == 11 && !memcmp(buf, "renamed.txt", 11));
	fd = open("hostfile.txt", O_RDONLY);
	CHECK(lseek(fd, 0, SEEK_END) > 0);
	CHECK(pread(fd, buf, 4, 6) == 4 && !memcmp(buf, "from", 4));
	close(fd);
	/* fsync, fdatasync, pwrite, statfs/fstatfs */
	fd = open("synced.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "synced\n", 7) == 7 && pwrite(fd, "S", 1, 0) == 1);
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
	struct statfs sf;
	CHECK(fstatfs(fd, &sf) == 0 && sf.f_type == 0x65735546 && sf.f_bsize > 0 && sf.f_blocks > 0);
	close(fd);
	CHECK(statfs(".", &sf) == 0 && sf.f_type == 0x65735546 && sf.f_namelen > 0);
	printf("statfs: bsize %ld blocks %llu bfree %llu\n", (long)sf.f_bsize,
	       (unsigned long long)sf.f_blocks, (unsigned long long)sf.f_bfree);
	CHECK(statfs("nosuch/x", &sf) == -1 && errno == ENOENT);
	/* symbolic links inside the mount, made here and on the host */
	fd = open("link", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 6) == 6 && !memcmp(buf, "inner\n", 6));
	close(fd);
	CHECK(stat("link", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 6);
	CHECK(lstat("link", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(open("link", O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP);
	fd = open("sub/up", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 5) == 5 && !memcmp(buf, "hello", 5));
	close(fd);
	CHECK(stat("dirlink/f1", &st) == 0 && S_ISREG(st.st_mode));
	CHECK(stat("sub/chain", &st) == 0 && S_ISREG(st.st_mode));
	fd = open("dirlink/new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0 && write(fd, "via link\n", 9) == 9 && close(fd) == 0);
	CHECK(open("abslink", O_RDONLY) == -1 && errno == EACCES);
	CHECK(open("escape", O_RDONLY) == -1 && errno == EACCES);
	CHECK(open("loop1", O_RDONLY) == -1 && errno == ELOOP);
	printf(bad ? "FS-TEST FAILED\n" : "FS-TEST OK\n");
	if (argc > 1) { /* the host kills virtiofsd now */
		printf("WAITING\n");
		fflush(stdout);
		sleep(8);
		fd = open("hostfile.txt", O_RDONLY);
		printf("after kill: open %d errno %d\n", fd, fd < 0 ? errno : 0);
		if (fd >= 0)
			printf("after kill: read %zd errno %d\n", read(fd, buf, 10), errno);
		printf("AFTER-KILL %s\n", fd < 0 && errno == EIO ? "EIO" : "OTHER");
	}
	return bad;
}
C

if ! build fs "$T/fs.c"; then
	fail "virtio-fs guest program builds" "hermit-gcc failed"
	exit 0
fi

# The demo against the share.
mkdir -p "$T/share"
start_vfsd || { fail "virtiofsd starts" "no socket"; show; exit 0; }
vqemu "$ROOT/build/examples/demo"
stop_vfsd
check "demo: writes and reads its file through virtio-fs" -- rc_is 0 -- has "mounted at /root" \
	-- test -f "$T/share/demo.txt" -- grep -qi "demo.txt" "$OUT"
[[ -f $T/share/demo.txt ]] && sed 's/^/host demo.txt: /' "$T/share/demo.txt" | head -3

# The file program.
rm -rf "$T/share" && mkdir -p "$T/share/many"
echo "hello from the host" >"$T/share/hostfile.txt"
echo "delete me" >"$T/share/todelete.txt"
for i in $(seq 1000); do : >"$T/share/many/f$i"; done
mkdir -p "$T/share/sub"
ln -s ../hostfile.txt "$T/share/sub/up"
ln -s up "$T/share/sub/chain"
ln -s many "$T/share/dirlink"
ln -s /etc/passwd "$T/share/abslink"
ln -s ../outside.txt "$T/share/escape"
ln -s loop2 "$T/share/loop1"
ln -s loop1 "$T/share/loop2"
echo secret >"$T/outside.txt"
start_vfsd || { fail "virtiofsd starts" "no socket"; exit 0; }
vqemu "$T/fs"
stop_vfsd
python3 - "$T/expect" <<'P'
import sys
for name, n in (("one.bin", 1), ("four.bin", 4096), ("mib.bin", 1 << 20)):
    open(sys.argv[1] + "." + name, "wb").write(bytes((i * 7 + i // 251) & 255 for i in range(n)))
P
head -c 100 "$T/expect.four.bin" >"$T/expect.four100.bin"
check "guest reads a host file" -- rc_is 0 -- has "host file: hello from the host"
check "1 B, 4 KiB, 1 MiB written in the guest match on the host" -- has "FS-TEST OK" \
	-- cmp "$T/share/one.bin" "$T/expect.one.bin" -- cmp "$T/share/mib.bin" "$T/expect.mib.bin" \
	-- cmp "$T/share/four.bin" "$T/expect.four100.bin"
check "a directory of 1000 host files listed completely" -- has "listed 1000 entries (+2 dots)"
check "mkdir/rename/unlink/rmdir/symlink/O_APPEND seen on the host" -- has "FS-TEST OK" \
	-- test -d "$T/share/newdir" -- test ! -e "$T/share/newdir/inner.txt" \
	-- grep -qx inner "$T/share/renamed.txt" -- test ! -e "$T/share/todelete.txt" \
	-- test ! -e "$T/share/gone" -- grep -qx abcdef "$T/share/app.txt" \
	-- test "$(readlink "$T/share/link")" = renamed.txt
check "pread/pwrite, fsync/fdatasync, statfs/fstatfs (FUSE STATFS, FSYNC)" -- has "FS-TEST OK" \
	-- grep -qx Synced "$T/share/synced.txt" -- has "statfs: bsize"
check "symbolic links followed inside the mount; absolute, escaping and looping ones refused" \
	-- has "FS-TEST OK" -- grep -qx "via link" "$T/share/many/new.txt" \
	-- grep -qx secret "$T/outside.txt"

# 100 MiB each way with checksums, and a directory of 10,000 entries.
if build big "$ROOT/tests/guest/fs_big.c"; then
	rm -rf "$T/share" && mkdir -p "$T/share/big"
	head -c 100M /dev/urandom >"$T/share/host.bin"
	for i in $(seq 10000); do : >"$T/share/big/entry-$i-$((i * 7919 % 10007))"; done
	start_vfsd || { fail "virtiofsd starts" "no socket"; exit 0; }
	t0=$(date +%s)
	VTIMEOUT=300 vqemu "$T/big"
	t1=$(date +%s)
	stop_vfsd
	echo "    (100 MiB each way and the 10,000-entry listing took $((t1 - t0)) s)"
	wrote=$(lines | sed -n 's/^wrote 100 MiB sha256 \([0-9a-f]*\)$/\1/p')
	check "100 MiB written in the guest: the host's sha256sum matches" -- rc_is 0 \
		-- test -n "$wrote" -- test "$(sha256sum <"$T/share/guest.bin" | cut -d' ' -f1)" = "$wrote"
	check "100 MiB host file read in the guest: its checksum matches" -- rc_is 0 \
		-- has_line "read 104857600 bytes sha256 $(sha256sum <"$T/share/host.bin" | cut -d' ' -f1)"
	names=$(cd "$T/share/big" && ls -1 | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
	check "a directory of 10,000 host entries listed completely (count and names)" -- rc_is 0 \
		-- has_line "listed 10000 names sha256 $names"
	rm -rf "$T/share"
else
	fail "fs_big builds" "hermit-gcc failed"
fi

# HERMIT_WD at build time: tag root is mounted there; run-time HERMIT_WD wins.
cat >"$T/wd.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	char cwd[256], buf[64] = "";
	int fd = open("hostfile.txt", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = 0;
	printf("cwd=%s file=%s", getcwd(cwd, sizeof(cwd)), buf);
	return fd < 0;
}
C
if HERMIT_WD=/data build wd "$T/wd.c"; then
	rm -rf "$T/share" && mkdir -p "$T/share"
	echo "hello from the host" >"$T/share/hostfile.txt"
	start_vfsd || { fail "virtiofsd starts" "no socket"; exit 0; }
	vqemu "$T/wd"
	stop_vfsd
	check "HERMIT_WD=/data at build time: the working directory and tag root there" -- rc_is 0 \
		-- has "cwd=/data file=hello from the host" -- has "mounted at /data"
	start_vfsd || { fail "virtiofsd starts" "no socket"; exit 0; }
	vqemu "$T/wd" -e HERMIT_WD=/srv/app
	stop_vfsd
	check "run-time HERMIT_WD overrides the built-in one" -- rc_is 0 \
		-- has "cwd=/srv/app file=hello from the host"
else
	fail "HERMIT_WD=/data hermit-gcc" "hermit-gcc failed"
fi

# virtiofsd killed mid-run: EIO, not a hang.
rm -rf "$T/share" && mkdir -p "$T/share/many"
echo "hello from the host" >"$T/share/hostfile.txt"
echo "delete me" >"$T/share/todelete.txt"
start_vfsd || { fail "virtiofsd starts" "no socket"; exit 0; }
OUT=$T/kill.out
timeout -k 5 150 "$BIN/hermit-qemu" --timeout 140 --qemu -chardev --qemu "socket,id=vfs,path=$T/vfsd.sock" \
	--qemu -device --qemu vhost-user-fs-pci,queue-size=1024,chardev=vfs,tag=root \
	--qemu -object --qemu memory-backend-file,id=mem,size=1G,mem-path=/dev/shm,share=on \
	--qemu -numa --qemu node,memdev=mem -m 1G "$T/fs" kill >"$OUT" 2>&1 </dev/null &
QPID=$!
for _ in $(seq 600); do grep -q WAITING "$OUT" && break; sleep 0.2; done
stop_vfsd
wait $QPID
RC=$?
check "virtiofsd killed mid-run: EIO, no hang" -- has "AFTER-KILL EIO"
