/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of uhyve/hypercall.c against a fake guest RAM with
 * inaccessible guard pages on both sides: each call's normal behaviour,
 * then hostile argument addresses, pointers and lengths (near the end,
 * wrapping around, huge), then a fuzz run of random calls and contents.
 * Never a crash, never a write outside the argument struct and the
 * buffer a call may fill, and a bad call always ends with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "uhyve.h"
#include "fake_guest.h"

#define PAGE 4096

static struct guest g;
static struct hc_env env;
static int out_pipe[2], err_pipe[2];
static char err[ERRLEN];
static int status;

static void put(uint64_t gpa, const void *v, size_t n)
{
	memcpy(g.mem + gpa, v, n);
}

static int call(unsigned c, uint32_t arg)
{
	err[0] = '\0';
	status = -1;
	return hc_handle(&env, c, arg, &status, err);
}

static void test_translate(void)
{
	CHECK(guest_ptr(&g, 0, g.size) == g.mem);
	CHECK(guest_ptr(&g, g.size, 0) == g.mem + g.size);
	CHECK(guest_ptr(&g, g.size, 1) == NULL);
	CHECK(guest_ptr(&g, g.size - 1, 2) == NULL);
	CHECK(guest_ptr(&g, 1, g.size) == NULL);
	CHECK(guest_ptr(&g, UINT64_MAX, 2) == NULL);
	CHECK(guest_ptr(&g, 2, UINT64_MAX) == NULL);
	CHECK(guest_ptr(&g, UINT64_MAX - 7, 16) == NULL);
}

static void test_hello(void)
{
	struct uhyve_hello h = {.guest_abi = UHYVE_ABI_VERSION};

	put(0x100, &h, sizeof(h));
	CHECK(call(UHYVE_HC_HELLO, 0x100) == HC_CONTINUE);
	memcpy(&h, g.mem + 0x100, sizeof(h));
	CHECK(h.host_abi == UHYVE_ABI_VERSION);
	h.guest_abi = 7;
	put(0x100, &h, sizeof(h));
	CHECK(call(UHYVE_HC_HELLO, 0x100) == HC_ERROR && CONTAINS(err, "HELLO") &&
	      CONTAINS(err, "ABI 7"));
	CHECK(call(UHYVE_HC_HELLO, (uint32_t)g.size - 4) == HC_ERROR &&
	      CONTAINS(err, "hypercall HELLO: argument struct") &&
	      CONTAINS(err, "outside guest memory"));
}

/* A WRITE of len bytes at buf to fd; returns hc_handle's result, *ret set. */
static int write_call(int32_t fd, uint64_t buf, uint64_t len, int64_t *ret)
{
	struct uhyve_write w = {.fd = fd, .buf = buf, .len = len, .ret = 12345};
	int r;

	put(0x200, &w, sizeof(w));
	r = call(UHYVE_HC_WRITE, 0x200);
	memcpy(&w, g.mem + 0x200, sizeof(w));
	*ret = w.ret;
	return r;
}

static void test_write(void)
{
	char got[32] = "";
	int64_t ret;

	put(0x1000, "hello", 5);
	CHECK(write_call(1, 0x1000, 5, &ret) == HC_CONTINUE && ret == 5);
	CHECK(read(out_pipe[0], got, sizeof(got)) == 5 && !memcmp(got, "hello", 5));
	CHECK(write_call(2, 0x1001, 3, &ret) == HC_CONTINUE && ret == 3);
	CHECK(read(err_pipe[0], got, sizeof(got)) == 3 && !memcmp(got, "ell", 3));
	CHECK(write_call(3, 0x1000, 5, &ret) == HC_CONTINUE && ret == -EBADF);
	CHECK(write_call(-1, 0x1000, 5, &ret) == HC_CONTINUE && ret == -EBADF);
	CHECK(write_call(0, 0x1000, 5, &ret) == HC_CONTINUE && ret == -EBADF);
	CHECK(write_call(1, g.size, 0, &ret) == HC_CONTINUE && ret == 0);
	CHECK(write_call(1, g.size - 5, 5, &ret) == HC_CONTINUE && ret == 5);
	CHECK(read(out_pipe[0], got, sizeof(got)) == 5);

	CHECK(write_call(1, g.size - 10, 11, &ret) == HC_ERROR && ret == 12345);
	snprintf(got, sizeof(got), "0x%llx +11", (unsigned long long)g.size - 10);
	CHECK(CONTAINS(err, "hypercall WRITE: buffer ") && CONTAINS(err, got) &&
	      CONTAINS(err, "outside guest memory"));
	CHECK(write_call(1, UINT64_MAX - 7, 16, &ret) == HC_ERROR);
	CHECK(write_call(2, 0, UINT64_MAX, &ret) == HC_ERROR);
	CHECK(write_call(1, 16, UINT64_MAX - 8, &ret) == HC_ERROR);
	CHECK(write_call(1, g.size + 1, 0, &ret) == HC_ERROR);
	CHECK(call(UHYVE_HC_WRITE, (uint32_t)g.size - 16) == HC_ERROR);
	CHECK(call(UHYVE_HC_WRITE, 0xffffffffu) == HC_ERROR);
}

static int read_call(int32_t fd, uint64_t buf, uint64_t len, int64_t *ret)
{
	struct uhyve_read r = {.fd = fd, .buf = buf, .len = len, .ret = 12345};
	int rc;

	put(0x280, &r, sizeof(r));
	rc = call(UHYVE_HC_READ, 0x280);
	memcpy(&r, g.mem + 0x280, sizeof(r));
	*ret = r.ret;
	return rc;
}

/* READ reads the host's fd 0 (here a pipe) into guest memory, once. */
static void test_read(void)
{
	int in[2];
	int64_t ret;

	CHECK(pipe(in) == 0);
	env.in_fd = in[0];
	CHECK(write(in[1], "line one\n", 9) == 9);
	CHECK(read_call(0, 0x1800, 64, &ret) == HC_CONTINUE && ret == 9 &&
	      !memcmp(g.mem + 0x1800, "line one\n", 9));
	CHECK(read_call(1, 0x1800, 64, &ret) == HC_CONTINUE && ret == -EBADF);
	CHECK(read_call(0, g.size - 4, 64, &ret) == HC_ERROR && CONTAINS(err, "hypercall READ"));
	close(in[1]);
	CHECK(read_call(0, 0x1800, 64, &ret) == HC_CONTINUE && ret == 0);
	close(in[0]);
	env.in_fd = -1;
}

static int exit_call(int32_t code)
{
	struct uhyve_exit e = {.code = code};

	put(0x300, &e, sizeof(e));
	return call(UHYVE_HC_EXIT, 0x300);
}

static void test_exit(void)
{
	CHECK(exit_call(0) == HC_EXIT && status == 0);
	CHECK(exit_call(42) == HC_EXIT && status == 42);
	CHECK(exit_call(255) == HC_EXIT && status == 255);
	CHECK(exit_call(256) == HC_EXIT && status == 0);
	CHECK(exit_call(-1) == HC_EXIT && status == 255);
	CHECK(exit_call(INT32_MIN) == HC_EXIT && status == 0);
	CHECK(call(UHYVE_HC_EXIT, (uint32_t)g.size - 7) == HC_ERROR && CONTAINS(err, "EXIT"));
}

/* A CMDLINE into [buf, buf+len); returns hc_handle's result and the struct. */
static int cmdline_call(uint64_t buf, uint64_t len, struct uhyve_cmdline *c)
{
	int r;

	*c = (struct uhyve_cmdline){.buf = buf, .len = len, .size = 7, .ret = 7};
	put(0x400, c, sizeof(*c));
	r = call(UHYVE_HC_CMDLINE, 0x400);
	memcpy(c, g.mem + 0x400, sizeof(*c));
	return r;
}

static void test_cmdline(void)
{
	struct uhyve_cmdline c;
	size_t need = strlen(env.cmdline) + 1;

	CHECK(cmdline_call(0, 0, &c) == HC_CONTINUE && c.ret == -ERANGE && c.size == need);
	memset(g.mem + 0x2000, 'x', 64);
	CHECK(cmdline_call(0x2000, need - 1, &c) == HC_CONTINUE && c.ret == -ERANGE);
	CHECK(g.mem[0x2000] == 'x');
	CHECK(cmdline_call(0x2000, need, &c) == HC_CONTINUE && c.ret == 0 && c.size == need);
	CHECK(!strcmp((char *)g.mem + 0x2000, env.cmdline));
	CHECK(cmdline_call(g.size - need, need, &c) == HC_CONTINUE && c.ret == 0);
	CHECK(cmdline_call(g.size - need + 1, need, &c) == HC_ERROR &&
	      CONTAINS(err, "hypercall CMDLINE: buffer"));
	CHECK(cmdline_call(UINT64_MAX, 2, &c) == HC_ERROR);
	CHECK(call(UHYVE_HC_CMDLINE, (uint32_t)g.size - 31) == HC_ERROR);
}

static void test_unknown(void)
{
	CHECK(call(UHYVE_HC_COUNT, 0) == HC_ERROR && CONTAINS(err, "unknown hypercall"));
	CHECK(call(0xff, 0) == HC_ERROR && CONTAINS(err, "port 0x5ff"));
	CHECK(call(~0u, 0) == HC_ERROR);
}

/* A random value that is often at an edge of guest RAM or of 64 bits. */
static uint64_t hostile(void)
{
	uint64_t k = check_rand() % 40;

	switch (check_rand() % 6) {
	case 0:
		return g.size - k;
	case 1:
		return g.size + k;
	case 2:
		return k;
	case 3:
		return UINT64_MAX - k;
	case 4:
		return check_rand() % (g.size + 64);
	}
	return check_rand();
}

/* Bytes [a, a+n) may differ between mem and copy; is the rest the same? */
static int same_except(const uint8_t *copy, uint64_t a, uint64_t n, uint64_t b, uint64_t m)
{
	uint64_t i;

	for (i = 0; i < g.size; i++)
		if (g.mem[i] != copy[i] && !(i >= a && i - a < n) && !(i >= b && i - b < m))
			return 0;
	return 1;
}

static void test_fuzz(void)
{
	static const size_t sizes[UHYVE_HC_COUNT] = {
	    sizeof(struct uhyve_hello), sizeof(struct uhyve_write), sizeof(struct uhyve_exit),
	    sizeof(struct uhyve_cmdline), sizeof(struct uhyve_read),
	    /* FS_*: no mounts here, so only ret changes */
	    [UHYVE_HC_FS_OPEN] = sizeof(struct uhyve_fs_path),
	    [UHYVE_HC_FS_CLOSE] = sizeof(struct uhyve_fs_io),
	    [UHYVE_HC_FS_PREAD] = sizeof(struct uhyve_fs_io),
	    [UHYVE_HC_FS_PWRITE] = sizeof(struct uhyve_fs_io),
	    [UHYVE_HC_FS_FSTAT] = sizeof(struct uhyve_fs_io),
	    [UHYVE_HC_FS_STAT] = sizeof(struct uhyve_fs_path),
	    [UHYVE_HC_FS_GETDENTS] = sizeof(struct uhyve_fs_io),
	    [UHYVE_HC_FS_MKDIR] = sizeof(struct uhyve_fs_path),
	    [UHYVE_HC_FS_UNLINK] = sizeof(struct uhyve_fs_path),
	    [UHYVE_HC_FS_RENAME] = sizeof(struct uhyve_fs_path),
	    [UHYVE_HC_FS_FTRUNCATE] = sizeof(struct uhyve_fs_io),
	    [UHYVE_HC_FS_READLINK] = sizeof(struct uhyve_fs_path),
	    [UHYVE_HC_FS_SYMLINK] = sizeof(struct uhyve_fs_path),
	    [UHYVE_HC_FS_FSYNC] = sizeof(struct uhyve_fs_io),
	    [UHYVE_HC_FS_STATFS] = sizeof(struct uhyve_fs_statfs)};
	uint8_t *copy = malloc(g.size);
	int round, bad = 0, counts[3] = {0};
	int null = open("/dev/null", O_RDWR);
	struct hc_env quiet = env;

	quiet.in_fd = quiet.out_fd = quiet.err_fd = null;
	for (round = 0; round < 30000; round++) {
		unsigned c = (unsigned)(check_rand() % (UHYVE_HC_COUNT + 1));
		uint32_t arg = (uint32_t)hostile();
		uint64_t fields[4], wbuf = 0, wlen = 0;
		int r, i;

		for (i = 0; i < 4; i++)
			fields[i] = hostile();
		if ((c == UHYVE_HC_WRITE || c == UHYVE_HC_READ) && check_rand() % 2)
			fields[0] = check_rand() % 4; /* fd 0..3 */
		if (guest_ptr(&g, arg, sizeof(fields)))
			memcpy(g.mem + arg, fields, sizeof(fields));
		memcpy(copy, g.mem, g.size);
		if (c == UHYVE_HC_CMDLINE) {
			wbuf = fields[0];
			wlen = strlen(env.cmdline) + 1;
		}
		err[0] = '\0';
		status = -1;
		r = hc_handle(&quiet, c, arg, &status, err);
		if (r == HC_ERROR)
			bad += !(CONTAINS(err, "hypercall") &&
				 CONTAINS(err, c < UHYVE_HC_COUNT ? hc_name(c) : "unknown"));
		else if (r == HC_EXIT)
			bad += !(c == UHYVE_HC_EXIT && status >= 0 && status <= 255);
		else
			bad += r != HC_CONTINUE || c == UHYVE_HC_EXIT;
		bad += !same_except(copy, arg, c < UHYVE_HC_COUNT ? sizes[c] : 0, wbuf, wlen);
		counts[r + 1]++;
	}
	printf("fuzz: %d refused, %d served, %d exits\n", counts[0], counts[1], counts[2]);
	CHECK(bad == 0);
	CHECK(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
	close(null);
	free(copy);
}

int main(void)
{
	if (pipe(out_pipe) < 0 || pipe(err_pipe) < 0)
		return 2;
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
	fake_guest(&g, 64 * 1024);
	env = (struct hc_env){.g = &g,
			      .cmdline = "env=A=1 -- 'two words'",
			      .out_fd = out_pipe[1],
			      .err_fd = err_pipe[1]};
	test_translate();
	test_hello();
	test_write();
	test_exit();
	test_read();
	test_cmdline();
	test_unknown();
	fake_guest(&g, 8 * 1024); /* small: the fuzz compares all of it each round */
	test_fuzz();
	return check_done("test_hypercall");
}
