/* SPDX-License-Identifier: MIT */
/*
 * The uhyve hypercall ABI (DESIGN.md D8), shared by the kernel and uhyve.
 *
 * A hypercall is a 32-bit `out` to port UHYVE_PORT_BASE + call number. The
 * value written is the guest-physical address of the call's argument
 * struct, which the guest keeps below 4 GiB and 8-byte aligned. Pointers
 * inside the struct are guest-physical addresses that may lie anywhere in
 * guest RAM; uhyve checks every pointer and length against guest RAM before
 * use and ends the guest with a message naming the call if one is bad.
 * Results are written back into the struct.
 *
 * The ABI version is checked at boot with UHYVE_HC_HELLO. New calls are
 * added at the end of enum uhyve_call without changing it (an older uhyve
 * ends a guest that makes one as an unknown hypercall); a changed struct
 * layout or meaning of an existing call needs a new version.
 */
#ifndef HERMIT_HYPERCALL_H
#define HERMIT_HYPERCALL_H

#include <stdint.h>

#define UHYVE_ABI_VERSION 1u
#define UHYVE_PORT_BASE 0x500

enum uhyve_call {
	UHYVE_HC_HELLO = 0, /* struct uhyve_hello: ABI handshake */
	UHYVE_HC_WRITE = 1, /* struct uhyve_write: console output */
	UHYVE_HC_EXIT = 2,  /* struct uhyve_exit: end the guest */
	UHYVE_HC_CMDLINE = 3, /* struct uhyve_cmdline: boot arguments */
	UHYVE_HC_READ = 4,    /* struct uhyve_read: console input */
	/* Host directories (--mount HOST_DIR:GUEST_PATH), see below. */
	UHYVE_HC_FS_OPEN = 5,	    /* struct uhyve_fs_path */
	UHYVE_HC_FS_CLOSE = 6,	    /* struct uhyve_fs_io */
	UHYVE_HC_FS_PREAD = 7,	    /* struct uhyve_fs_io */
	UHYVE_HC_FS_PWRITE = 8,	    /* struct uhyve_fs_io */
	UHYVE_HC_FS_FSTAT = 9,	    /* struct uhyve_fs_io, buf = struct uhyve_stat */
	UHYVE_HC_FS_STAT = 10,	    /* struct uhyve_fs_path, buf = struct uhyve_stat */
	UHYVE_HC_FS_GETDENTS = 11,  /* struct uhyve_fs_io */
	UHYVE_HC_FS_MKDIR = 12,	    /* struct uhyve_fs_path */
	UHYVE_HC_FS_UNLINK = 13,    /* struct uhyve_fs_path */
	UHYVE_HC_FS_RENAME = 14,    /* struct uhyve_fs_path */
	UHYVE_HC_FS_FTRUNCATE = 15, /* struct uhyve_fs_io */
	UHYVE_HC_FS_READLINK = 16,  /* struct uhyve_fs_path */
	UHYVE_HC_FS_SYMLINK = 17,   /* struct uhyve_fs_path */
	UHYVE_HC_FS_FSYNC = 18,	    /* struct uhyve_fs_io */
	UHYVE_HC_FS_STATFS = 19,    /* struct uhyve_fs_statfs */
	UHYVE_HC_COUNT
};

#define UHYVE_PORT(call) (UHYVE_PORT_BASE + (call))

/* The guest says which ABI it speaks; uhyve answers with its own and ends
 * the guest if they differ. */
struct uhyve_hello {
	uint32_t guest_abi;
	uint32_t host_abi; /* written by uhyve */
};

/* Write len bytes at buf to the host's stdout (fd 1) or stderr (fd 2).
 * ret: bytes written, or a negative errno. */
struct uhyve_write {
	int32_t fd;
	uint32_t reserved;
	uint64_t buf;
	uint64_t len;
	int64_t ret;
};

/* Read up to len bytes of the host's stdin (fd 0) into buf: one read(2),
 * so a terminal gives a line at a time. ret: bytes read (0 at end of
 * file), or a negative errno; fd other than 0 gives -EBADF. */
struct uhyve_read {
	int32_t fd;
	uint32_t reserved;
	uint64_t buf;
	uint64_t len;
	int64_t ret;
};

/* End the guest; code & 0xff becomes uhyve's exit status. */
struct uhyve_exit {
	int32_t code;
	uint32_t reserved;
};

/* Copy the kernel command line (the same syntax hermit-loader passes:
 * "[kernel options] -- [app args]", env=KEY=VALUE for the environment) into
 * buf, NUL-terminated. size is always set to the length needed including
 * the NUL; ret is 0, or -ERANGE (34) when len is too small. */
struct uhyve_cmdline {
	uint64_t buf;
	uint64_t len;
	uint64_t size;
	int64_t ret;
};

/*
 * Host directories. uhyve --mount HOST_DIR:GUEST_PATH (repeatable) gives
 * mount i (0, 1, ... in command-line order); the kernel learns the guest
 * paths from its command line, env=HERMIT_MOUNTS=GUEST_PATH[,GUEST_PATH...],
 * and mounts mount i at the i-th. Without --mount there is no mount and
 * every FS call fails with -ENOENT (handle calls with -EBADF).
 *
 * Paths are a guest-physical pointer and a length (no NUL needed; the
 * bytes [path, path+len) must be in guest RAM): a path relative to the
 * mount's root, "" for the root itself. A length over 4095 gives
 * -ENAMETOOLONG, a NUL among the len bytes -EINVAL. uhyve resolves every
 * path on the host with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
 * from the mount's directory: "..", absolute paths and symbolic links
 * that lead outside the mount are refused with -EACCES (the host's EXDEV
 * for "would leave the directory"); an -EXDEV a guest sees is a real
 * cross-device rename on the host. Operations on a name (mkdir, unlink,
 * rename, symlink, readlink) resolve the parent that way and act on the
 * last component, which must not be "", "." or ".." (-EINVAL).
 *
 * Errors are negative Linux errno values in ret. A struct, path or buffer
 * outside guest RAM ends the guest (status 70), like every hypercall.
 * Flags, modes and the records of GETDENTS are Linux x86-64's.
 */

/* Calls on a path:
 *  FS_OPEN     flags (O_ACCMODE O_CREAT O_EXCL O_TRUNC O_APPEND O_DIRECTORY
 *              O_NOFOLLOW O_NONBLOCK; others are ignored), mode (with
 *              O_CREAT). ret: a handle (>= 0, at most 255) or -errno.
 *  FS_STAT     buf -> struct uhyve_stat, len >= its size; flags 1:
 *              follow a final symbolic link (stat), 0: not (lstat).
 *  FS_MKDIR    mode.
 *  FS_UNLINK   flags 1: rmdir, 0: unlink.
 *  FS_RENAME   path -> path2 (both in mount `mount`).
 *  FS_READLINK up to len bytes of the link's target into buf (no NUL);
 *              ret: the bytes written.
 *  FS_SYMLINK  create path as a symbolic link whose target is path2 (any
 *              bytes; it is resolved beneath the mount when followed).
 * ret: 0 (unless said otherwise) or -errno. */
struct uhyve_fs_path {
	uint32_t mount;
	int32_t flags;
	uint32_t mode;
	uint32_t reserved;
	uint64_t path, path_len;
	uint64_t path2, path2_len;
	uint64_t buf, len;
	int64_t ret;
};

/* Calls on a handle from FS_OPEN:
 *  FS_CLOSE     the handle is free again.
 *  FS_PREAD     read up to len bytes at off into buf; ret: bytes (0: end).
 *  FS_PWRITE    write len bytes from buf at off; ret: bytes written (if
 *               the file was opened with O_APPEND the host appends).
 *  FS_FSTAT     buf -> struct uhyve_stat, len >= its size.
 *  FS_GETDENTS  the next linux_dirent64 records of a directory into buf
 *               (len bytes), as getdents64(2); ret: bytes, 0 at the end.
 *  FS_FTRUNCATE set the size to off.
 *  FS_FSYNC     flags 1: fdatasync(2) the host file, 0: fsync(2); it
 *               returns when the host has written it to its storage.
 * flags is 0 for the calls other than FS_FSYNC. A handle that is not open
 * gives -EBADF. ret: 0 (unless said otherwise) or -errno. */
struct uhyve_fs_io {
	int32_t handle;
	uint32_t flags;
	uint64_t buf, len;
	uint64_t off;
	int64_t ret;
};

/* What FS_STAT and FS_FSTAT return: Linux's struct stat fields. */
struct uhyve_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, reserved;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime_sec, atime_nsec;
	int64_t mtime_sec, mtime_nsec;
	int64_t ctime_sec, ctime_nsec;
};

/* FS_STATFS: the host file system that holds a file of a mount. flags 0:
 * path (followed if a symbolic link, resolved as for every path call) in
 * mount `mount`, "" for the mount's root; flags UHYVE_FS_BY_HANDLE: the
 * open handle `handle` (path is then not read; -EBADF if not open).
 * buf -> struct uhyve_statfs, len >= its size. ret: 0 or -errno. */
#define UHYVE_FS_BY_HANDLE 1
struct uhyve_fs_statfs {
	uint32_t mount;
	int32_t handle;
	uint32_t flags;
	uint32_t reserved;
	uint64_t path, path_len;
	uint64_t buf, len;
	int64_t ret;
};

/* What FS_STATFS returns: the host's statfs(2) figures. type is the
 * host's f_type (its file system magic, e.g. 0xef53 for ext4); frsize is
 * f_frsize, or f_bsize where the host leaves it 0 (as statvfs(3) does). */
struct uhyve_statfs {
	uint64_t type, bsize, frsize, namelen;
	uint64_t blocks, bfree, bavail, files, ffree;
};

#endif
