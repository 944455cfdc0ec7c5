/* SPDX-License-Identifier: MIT */
/*
 * The ELF64 structures hermit-loader reads. Every 64-bit field sits at a
 * multiple of 8, so the layout is the same in the loader's 32-bit ABI.
 */
#ifndef LOADER_ELF_H
#define LOADER_ELF_H

#include <stdint.h>

enum {
	EI_CLASS = 4,
	EI_DATA = 5,
	ELFCLASS32 = 1,
	ELFCLASS64 = 2,
	ELFDATA2LSB = 1,
	ET_EXEC = 2,
	EM_X86_64 = 62,
	PT_LOAD = 1,
	PT_NOTE = 4,
	SHT_SYMTAB = 2,
	SHT_STRTAB = 3,
};

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

struct elf64_shdr {
	uint32_t name;
	uint32_t type;
	uint64_t flags;
	uint64_t addr;
	uint64_t offset;
	uint64_t size;
	uint32_t link;
	uint32_t info;
	uint64_t addralign;
	uint64_t entsize;
};

struct elf64_nhdr {
	uint32_t namesz;
	uint32_t descsz;
	uint32_t type;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header layout");
_Static_assert(sizeof(struct elf64_shdr) == 64, "ELF64 section header layout");

#endif
