/* SPDX-License-Identifier: MIT */
/* The system-call table and dispatcher. Unknown numbers get -ENOSYS and one
 * log line naming the call, the first time each is seen. */
#include <sys/syscall.h>
#include "log.h"
#include "sched.h"
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
static struct spinlock reported_lock;

static void report_unknown(uint64_t nr)
{
	const char *name = nr < ARRAY_SIZE(names) && names[nr] ? names[nr] : "unknown";

	if (nr < 512) {
		bool seen;
		spin_lock(&reported_lock);
		seen = reported[nr / 64] >> (nr % 64) & 1;
		reported[nr / 64] |= 1ull << (nr % 64);
		spin_unlock(&reported_lock);
		if (seen)
			return;
	}
	pr_warn("unsupported system call %s (%ld): returning ENOSYS", name, (long)nr);
}

long syscall_dispatch(struct syscall_frame *f)
{
	uint64_t arg[6] = { f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 };
	long r;

	thread_current()->frame = f;
	if (f->nr < ARRAY_SIZE(table) && table[f->nr]) {
		r = table[f->nr](arg);
	} else {
		report_unknown(f->nr);
		r = -ENOSYS;
	}
	sched_preempt_point();
	return r;
}
