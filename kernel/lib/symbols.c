/* SPDX-License-Identifier: MIT */
/* Function names for fault reports, from the image's ELF symbol table that
 * the boot path copied into memory (boot_info.symtab/strtab). */
#include <elf.h>
#include "trap.h"

static const Elf64_Sym *syms;
static size_t nsyms;
static const char *strs;
static size_t strs_size;

void symbols_init(uint64_t symtab, uint64_t symtab_size, uint64_t strtab, uint64_t strtab_size)
{
	syms = (const Elf64_Sym *)symtab;
	nsyms = symtab ? symtab_size / sizeof(Elf64_Sym) : 0;
	strs = (const char *)strtab;
	strs_size = strtab ? strtab_size : 0;
}

const char *symbol_name(uint64_t addr, uint64_t *offset)
{
	const Elf64_Sym *best = NULL;

	for (size_t i = 0; i < nsyms; i++) {
		const Elf64_Sym *s = &syms[i];
		int type = ELF64_ST_TYPE(s->st_info);
		if ((type != STT_FUNC && type != STT_NOTYPE) || !s->st_value ||
		    s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE ||
		    s->st_name >= strs_size || s->st_value > addr)
			continue;
		if (s->st_size && addr >= s->st_value + s->st_size)
			continue;
		/* Prefer a sized function symbol over a bare label. */
		if (!best || s->st_value > best->st_value ||
		    (s->st_value == best->st_value && s->st_size && !best->st_size))
			best = s;
	}
	if (!best || !strs[best->st_name])
		return NULL;
	*offset = addr - best->st_value;
	return strs + best->st_name;
}
