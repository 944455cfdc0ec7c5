/* SPDX-License-Identifier: MIT */
/* The registry of stacks and their guard pages: paging unmaps the guards,
 * and the fault report names the stack whose guard was hit. */
#include "arch.h"

static struct stack_desc stacks[32];
static size_t nstacks;

void stack_register(const char *name, uint64_t guard, uint64_t base, uint64_t top)
{
	if (nstacks == ARRAY_SIZE(stacks))
		panic("too many stacks registered (adding %s)", name);
	stacks[nstacks++] = (struct stack_desc){ name, guard, base, top };
}

const struct stack_desc *stack_for_guard(uint64_t addr)
{
	for (size_t i = 0; i < nstacks; i++)
		if (addr >= stacks[i].guard && addr < stacks[i].base)
			return &stacks[i];
	return NULL;
}

const struct stack_desc *stack_at(size_t i)
{
	return i < nstacks ? &stacks[i] : NULL;
}
