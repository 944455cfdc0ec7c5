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
 * The ABI version is checked at boot with UHYVE_HC_HELLO.
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

#endif
