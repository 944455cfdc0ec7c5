/* SPDX-License-Identifier: MIT */
/* The system-call table and dispatcher. Unknown numbers get -ENOSYS and one
 * log line naming the call, the first time each is seen. */
#include <sys/syscall.h>
#include "log.h"
#include "syscall.h"

typedef long (*syscall_fn)(const uint64_t *arg);

static const syscall_fn table[] = {
#define SYS(name) [SYS_##name] = sys_##name,
#include "list.h"
#undef SYS
};

static const char *const names[] = {
#include "syscall_names.h"
};

static uint64_t reported[8]; /* one bit per unknown number below 512 */

static void report_unknown(uint64_t nr)
{
	const char *name = nr < ARRAY_SIZE(names) && names[nr] ? names[nr] : "unknown";

	if (nr < 512) {
		if (reported[nr / 64] >> (nr % 64) & 1)
			return;
		reported[nr / 64] |= 1ull << (nr % 64);
	}
	pr_warn("unsupported system call %s (%ld): returning ENOSYS", name, (long)nr);
}

long syscall_dispatch(struct syscall_frame *f)
{
	uint64_t arg[6] = { f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 };

	if (f->nr < ARRAY_SIZE(table) && table[f->nr])
		return table[f->nr](arg);
	report_unknown(f->nr);
	return -ENOSYS;
}
