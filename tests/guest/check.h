/*
 * check.h: the result lines of the system-call test programs (sys_*.c):
 * "ok - what" or "not ok - what: got ..., expected ...", counted in checks
 * and failed, with errno shown by name. Each program ends with the line
 * "N checks, M failed" and exits 0 only if none failed.
 */
#ifndef CHECK_H
#define CHECK_H

#include <errno.h>
#include <stdio.h>

static int checks, failed;

static const struct {
	int num;
	const char *name;
} errnames[] = {
    {EAGAIN, "EAGAIN"}, {EBADF, "EBADF"},   {EEXIST, "EEXIST"}, {EFAULT, "EFAULT"},
    {EINTR, "EINTR"},	{EINVAL, "EINVAL"}, {ENOMEM, "ENOMEM"}, {ENOSYS, "ENOSYS"},
    {ENOTTY, "ENOTTY"}, {EPERM, "EPERM"},   {ESPIPE, "ESPIPE"},
};

/* errname: errno E as its name, for failure lines. */
static inline const char *errname(int e)
{
	static char buf[16];

	for (unsigned i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].num == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

/* check: one result line; GOT and EXPECTED only explain a failure. */
static inline void check(int cond, const char *what, long got, long expected)
{
	checks++;
	if (cond) {
		printf("ok - %s\n", what);
		return;
	}
	failed++;
	printf("not ok - %s: got %ld (%#lx), expected %ld (%#lx)\n", what, got, got, expected,
	       expected);
}

/* RET: the call returns EXP; on failure the line shows errno too. */
#define RET(what, call, exp)                                                                       \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(call), x_ = (long)(exp);                                          \
		int e_ = errno;                                                                    \
		checks++;                                                                          \
		if (r_ == x_) {                                                                    \
			printf("ok - %s\n", what);                                                 \
		} else {                                                                           \
			failed++;                                                                  \
			printf("not ok - %s: got %ld (%#lx, errno %s), "                           \
			       "expected %ld (%#lx)\n",                                            \
			       what, r_, r_, errname(e_), x_, x_);                                 \
		}                                                                                  \
	} while (0)

/* ERR: the call fails with -1 and errno ERR. */
#define ERR(what, call, err)                                                                       \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(call);                                                            \
		int e_ = errno;                                                                    \
		checks++;                                                                          \
		if (r_ == -1 && e_ == (err)) {                                                     \
			printf("ok - %s\n", what);                                                 \
		} else {                                                                           \
			failed++;                                                                  \
			printf("not ok - %s: got %ld errno %s, expected -1 "                       \
			       "errno %s\n",                                                       \
			       what, r_, errname(e_), errname(err));                               \
		}                                                                                  \
	} while (0)

#endif
