/* SPDX-License-Identifier: MIT */
/*
 * The hypercalls of <hermit/hypercall.h>. The guest passes the
 * guest-physical address of an argument struct; every struct and every
 * buffer it names goes through guest_ptr() first, and a bad one ends the
 * guest with a message naming the call (HC_ERROR), never uhyve itself.
 * Structs are copied in and out with memcpy: the guest controls alignment.
 * Several vCPU threads call in at once: a WRITE holds the console lock for
 * the whole call, so that one call's output is never split by another's.
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "uhyve.h"

static pthread_mutex_t hc_console = PTHREAD_MUTEX_INITIALIZER;

const char *hc_name(unsigned call)
{
	static const char *const names[UHYVE_HC_COUNT] = {
	    [UHYVE_HC_HELLO] = "HELLO",
	    [UHYVE_HC_WRITE] = "WRITE",
	    [UHYVE_HC_EXIT] = "EXIT",
	    [UHYVE_HC_CMDLINE] = "CMDLINE",
	    [UHYVE_HC_READ] = "READ",
	    [UHYVE_HC_FS_OPEN] = "FS_OPEN",
	    [UHYVE_HC_FS_CLOSE] = "FS_CLOSE",
	    [UHYVE_HC_FS_PREAD] = "FS_PREAD",
	    [UHYVE_HC_FS_PWRITE] = "FS_PWRITE",
	    [UHYVE_HC_FS_FSTAT] = "FS_FSTAT",
	    [UHYVE_HC_FS_STAT] = "FS_STAT",
	    [UHYVE_HC_FS_GETDENTS] = "FS_GETDENTS",
	    [UHYVE_HC_FS_MKDIR] = "FS_MKDIR",
	    [UHYVE_HC_FS_UNLINK] = "FS_UNLINK",
	    [UHYVE_HC_FS_RENAME] = "FS_RENAME",
	    [UHYVE_HC_FS_FTRUNCATE] = "FS_FTRUNCATE",
	    [UHYVE_HC_FS_READLINK] = "FS_READLINK",
	    [UHYVE_HC_FS_SYMLINK] = "FS_SYMLINK",
	    [UHYVE_HC_FS_FSYNC] = "FS_FSYNC",
	    [UHYVE_HC_FS_STATFS] = "FS_STATFS",
	};
	return call < UHYVE_HC_COUNT ? names[call] : "unknown";
}

/* Host address of the guest range [gpa, gpa+len) named `what` by call,
 * or NULL with err set. */
static void *hc_ptr(const struct hc_env *env, unsigned call, const char *what, uint64_t gpa,
		    uint64_t len, char *err)
{
	void *p = guest_ptr(env->g, gpa, len);

	if (!p)
		snprintf(err, ERRLEN, "hypercall %s: %s 0x%llx +%llu outside guest memory",
			 hc_name(call), what, (unsigned long long)gpa, (unsigned long long)len);
	return p;
}

/* Write all of buf to fd; bytes written, or -errno if none were. */
static int64_t hc_write_all(int fd, const uint8_t *buf, uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t r = write(fd, buf + done, len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return done ? (int64_t)done : -errno;
		done += (uint64_t)r;
	}
	return (int64_t)done;
}

static int hc_hello(const struct hc_env *env, uint32_t arg, char *err)
{
	struct uhyve_hello h;
	uint8_t *p = hc_ptr(env, UHYVE_HC_HELLO, "argument struct", arg, sizeof(h), err);

	if (!p)
		return HC_ERROR;
	memcpy(&h, p, sizeof(h));
	h.host_abi = UHYVE_ABI_VERSION;
	memcpy(p, &h, sizeof(h));
	if (h.guest_abi != UHYVE_ABI_VERSION) {
		snprintf(err, ERRLEN,
			 "hypercall HELLO: the guest speaks hypercall ABI %u, this uhyve speaks %u",
			 h.guest_abi, UHYVE_ABI_VERSION);
		return HC_ERROR;
	}
	return HC_CONTINUE;
}

static int hc_write(const struct hc_env *env, uint32_t arg, char *err)
{
	struct uhyve_write w;
	uint8_t *p = hc_ptr(env, UHYVE_HC_WRITE, "argument struct", arg, sizeof(w), err);
	const uint8_t *buf;

	if (!p)
		return HC_ERROR;
	memcpy(&w, p, sizeof(w));
	if (w.fd != 1 && w.fd != 2) {
		w.ret = -EBADF;
	} else {
		buf = hc_ptr(env, UHYVE_HC_WRITE, "buffer", w.buf, w.len, err);
		if (!buf)
			return HC_ERROR;
		pthread_mutex_lock(&hc_console);
		w.ret = hc_write_all(w.fd == 1 ? env->out_fd : env->err_fd, buf, w.len);
		pthread_mutex_unlock(&hc_console);
	}
	memcpy(p + offsetof(struct uhyve_write, ret), &w.ret, sizeof(w.ret));
	return HC_CONTINUE;
}

/* Wait until env->in_fd has input (or EOF) with env->wait_mask in force;
 * 0, or -errno (-EINTR: the guest is ending). */
static int hc_wait_input(const struct hc_env *env)
{
	struct pollfd p = {.fd = env->in_fd, .events = POLLIN};

	if (!env->wait_mask)
		return 0;
	if (ppoll(&p, 1, NULL, env->wait_mask) < 0)
		return -errno;
	return 0;
}

static int hc_read(const struct hc_env *env, uint32_t arg, char *err)
{
	struct uhyve_read r;
	uint8_t *p = hc_ptr(env, UHYVE_HC_READ, "argument struct", arg, sizeof(r), err);
	uint8_t *buf;
	ssize_t n;

	if (!p)
		return HC_ERROR;
	memcpy(&r, p, sizeof(r));
	if (r.fd != 0) {
		r.ret = -EBADF;
	} else {
		buf = hc_ptr(env, UHYVE_HC_READ, "buffer", r.buf, r.len, err);
		if (!buf)
			return HC_ERROR;
		n = hc_wait_input(env);
		if (n == 0) {
			do
				n = read(env->in_fd, buf, r.len);
			while (n < 0 && errno == EINTR);
			n = n < 0 ? -errno : n;
		}
		r.ret = n;
	}
	memcpy(p + offsetof(struct uhyve_read, ret), &r.ret, sizeof(r.ret));
	return HC_CONTINUE;
}

static int hc_exit(const struct hc_env *env, uint32_t arg, int *status, char *err)
{
	struct uhyve_exit e;
	uint8_t *p = hc_ptr(env, UHYVE_HC_EXIT, "argument struct", arg, sizeof(e), err);

	if (!p)
		return HC_ERROR;
	memcpy(&e, p, sizeof(e));
	*status = e.code & 0xff;
	return HC_EXIT;
}

static int hc_cmdline(const struct hc_env *env, uint32_t arg, char *err)
{
	struct uhyve_cmdline c;
	uint8_t *p = hc_ptr(env, UHYVE_HC_CMDLINE, "argument struct", arg, sizeof(c), err);
	uint8_t *buf;
	uint64_t need = strlen(env->cmdline) + 1;

	if (!p)
		return HC_ERROR;
	memcpy(&c, p, sizeof(c));
	buf = hc_ptr(env, UHYVE_HC_CMDLINE, "buffer", c.buf, c.len, err);
	if (!buf)
		return HC_ERROR;
	c.size = need;
	c.ret = c.len < need ? -ERANGE : 0;
	if (c.ret == 0)
		memcpy(buf, env->cmdline, need);
	memcpy(p, &c, sizeof(c));
	return HC_CONTINUE;
}

/* Serve hypercall `call` with argument address arg. Returns HC_CONTINUE,
 * HC_EXIT with *status set, or HC_ERROR with err set. */
int hc_handle(const struct hc_env *env, unsigned call, uint32_t arg, int *status, char *err)
{
	switch (call) {
	case UHYVE_HC_HELLO:
		return hc_hello(env, arg, err);
	case UHYVE_HC_WRITE:
		return hc_write(env, arg, err);
	case UHYVE_HC_EXIT:
		return hc_exit(env, arg, status, err);
	case UHYVE_HC_READ:
		return hc_read(env, arg, err);
	case UHYVE_HC_CMDLINE:
		return hc_cmdline(env, arg, err);
	}
	if (call >= UHYVE_HC_FS_OPEN && call <= UHYVE_HC_FS_STATFS)
		return hfs_call(env->fs, env->g, call, arg, err); /* hostfs.c */
	snprintf(err, ERRLEN, "unknown hypercall %u (port 0x%x)", call, UHYVE_PORT(call));
	return HC_ERROR;
}
