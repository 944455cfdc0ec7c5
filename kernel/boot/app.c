/* SPDX-License-Identifier: MIT */
/*
 * Start the app the way Linux starts a static process (DESIGN.md D3): on
 * its main stack, RSP points at argc, then argv[], NULL, envp[], NULL, the
 * auxiliary vector, and the strings above; then jump to musl's _start.
 */
#include <elf.h>
#include "arch.h"
#include "boot.h"
#include "cpu.h"
#include "log.h"
#include "mm.h"
#include "random.h"

extern char _start[];
extern const Elf64_Ehdr __ehdr_start;

/* Copy len bytes below *sp and return their address. */
static uint64_t push_bytes(uint64_t *sp, const void *src, size_t len)
{
	*sp -= len;
	kmemcpy((void *)*sp, src, len);
	return *sp;
}

static uint64_t push_str(uint64_t *sp, const char *s)
{
	return push_bytes(sp, s, kstrlen(s) + 1);
}

noreturn void app_start(const struct cmdline *cl)
{
	uint64_t sp = vm_stack_init(), rnd, platform, execfn;
	uint64_t argv[cl->argc + 1], envp[cl->envc + 1];
	uint8_t seed[16];

	platform = push_str(&sp, "x86_64");
	execfn = push_str(&sp, cl->argv[0]);
	for (int i = cl->argc - 1; i >= 0; i--)
		argv[i] = push_str(&sp, cl->argv[i]);
	for (int i = cl->envc - 1; i >= 0; i--)
		envp[i] = push_str(&sp, cl->envp[i]);
	argv[cl->argc] = envp[cl->envc] = 0;
	random_fill(seed, sizeof(seed));
	rnd = push_bytes(&sp, seed, sizeof(seed));

	uint64_t auxv[] = {
		AT_PHDR,   (uint64_t)&__ehdr_start + __ehdr_start.e_phoff,
		AT_PHENT,  sizeof(Elf64_Phdr),
		AT_PHNUM,  __ehdr_start.e_phnum,
		AT_PAGESZ, PAGE_SIZE,
		AT_BASE,   0,
		AT_FLAGS,  0,
		AT_ENTRY,  (uint64_t)_start,
		AT_UID,    0,
		AT_EUID,   0,
		AT_GID,    0,
		AT_EGID,   0,
		AT_SECURE, 0,
		AT_RANDOM, rnd,
		AT_HWCAP,  cpuid(1, 0).edx,
		AT_HWCAP2, 0,
		AT_CLKTCK, 100,
		AT_PLATFORM, platform,
		AT_EXECFN, execfn,
		AT_NULL,   0,
	};
	size_t words = 1 + (cl->argc + 1) + (cl->envc + 1) + ARRAY_SIZE(auxv);

	sp = ALIGN_DOWN(sp, 16);
	if (words & 1)
		sp -= 8; /* so that RSP is 16-byte aligned at argc */
	push_bytes(&sp, auxv, sizeof(auxv));
	push_bytes(&sp, envp, sizeof(envp));
	push_bytes(&sp, argv, sizeof(argv));
	uint64_t argc = cl->argc;
	push_bytes(&sp, &argc, sizeof(argc));
	pr_debug("app: argc %d, envc %d, entry %p, stack %p", cl->argc, cl->envc, (void *)_start,
		 (void *)sp);
	arch_enter_app((uint64_t)_start, sp);
}
