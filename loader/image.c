/* SPDX-License-Identifier: MIT */
/*
 * hermit-c images (include/hermit/image.h): refuse anything else, check
 * where the segments go, then copy them and the symbol table into place.
 * Every offset and size read from the file is checked before it is used.
 */
#include <hermit/image.h>
#include "elf.h"
#include "loader.h"

static const struct elf64_ehdr *ehdr(const struct image *img)
{
	return (const void *)img->data;
}

static const struct elf64_phdr *phdr(const struct image *img, unsigned i)
{
	return (const void *)(img->data + (size_t)ehdr(img)->phoff + i * sizeof(struct elf64_phdr));
}

/* The file holds [off, off + len). */
static int in_file(const struct image *img, uint64_t off, uint64_t len)
{
	return off <= img->size && len <= img->size - off;
}

static noreturn void refuse(const struct image *img, const char *why)
{
	die("initrd '%s' is not a hermit-c image: %s", img->name, why);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Look for the hermit-c note in a PT_NOTE segment; 1 and its ABI version if found. */
static int note_find(const struct image *img, const struct elf64_phdr *ph, uint32_t *abi)
{
	uint64_t at = ph->offset, end = ph->offset + ph->filesz;
	uint64_t name, desc, next;
	const struct elf64_nhdr *n;

	for (; at + sizeof(*n) <= end; at = next) {
		n = (const void *)(img->data + (size_t)at);
		name = at + sizeof(*n);
		desc = name + align_up(n->namesz, 4);
		next = desc + align_up(n->descsz, 4);
		if (next > end)
			break;
		if (n->namesz != HERMIT_NOTE_NAMESZ || n->type != HERMIT_NOTE_ABI ||
		    memcmp(img->data + (size_t)name, HERMIT_NOTE_NAME, HERMIT_NOTE_NAMESZ))
			continue;
		if (n->descsz != 4)
			refuse(img, "its hermit-c ELF note is malformed");
		*abi = rd32(img->data + (size_t)desc);
		return 1;
	}
	return 0;
}

/* The image's ABI version, from the first hermit-c note in any PT_NOTE segment. */
static uint32_t image_abi(const struct image *img)
{
	const struct elf64_phdr *ph;
	uint32_t abi;

	for (unsigned i = 0; i < ehdr(img)->phnum; i++) {
		ph = phdr(img, i);
		if (ph->type == PT_NOTE && ph->offset % 4 == 0 &&
		    in_file(img, ph->offset, ph->filesz) && note_find(img, ph, &abi))
			return abi;
	}
	refuse(img, "no hermit-c ELF note");
}

/* Find .symtab and its string table; a missing or broken one means no symbols. */
static void symtab_find(struct image *img)
{
	const struct elf64_ehdr *eh = ehdr(img);
	const struct elf64_shdr *sh, *str;

	if (!eh->shoff || eh->shoff % 8 || eh->shentsize != sizeof(*sh) ||
	    !in_file(img, eh->shoff, (uint64_t)eh->shnum * sizeof(*sh)))
		return;
	sh = (const void *)(img->data + (size_t)eh->shoff);
	for (unsigned i = 0; i < eh->shnum; i++) {
		if (sh[i].type != SHT_SYMTAB)
			continue;
		if (sh[i].link >= eh->shnum)
			return;
		str = &sh[sh[i].link];
		if (str->type != SHT_STRTAB || !in_file(img, sh[i].offset, sh[i].size) ||
		    !in_file(img, str->offset, str->size))
			return;
		img->sym_off = sh[i].offset;
		img->sym_size = sh[i].size;
		img->str_off = str->offset;
		img->str_size = str->size;
		return;
	}
}

/* Refuse anything that is not a hermit-c image this loader can run. */
void image_check(struct image *img)
{
	const struct elf64_ehdr *eh = ehdr(img);
	uint32_t abi;

	if (img->size < 4 || memcmp(img->data, "\177ELF", 4))
		refuse(img, "not an ELF file");
	if (img->size < sizeof(*eh))
		refuse(img, "its ELF header is truncated");
	if (eh->ident[EI_CLASS] == ELFCLASS32)
		refuse(img, "a 32-bit ELF file (hermit-c images are ELF64)");
	if (eh->ident[EI_CLASS] != ELFCLASS64)
		refuse(img, "not an ELF64 file");
	if (eh->ident[EI_DATA] != ELFDATA2LSB)
		refuse(img, "not a little-endian ELF file");
	if (eh->machine != EM_X86_64)
		refuse(img, "not an x86_64 ELF file");
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 || eh->phoff % 8 ||
	    !in_file(img, eh->phoff, (uint64_t)eh->phnum * sizeof(struct elf64_phdr)))
		refuse(img, "its ELF program header table is missing or broken");
	abi = image_abi(img);
	if (abi != HERMIT_ABI_VERSION)
		die("initrd '%s' is a hermit-c image for ABI %u; this loader speaks ABI %u",
		    img->name, abi, HERMIT_ABI_VERSION);
	if (eh->type != ET_EXEC)
		refuse(img, "not a static executable (ELF type is not ET_EXEC)");
	img->entry = eh->entry;
	symtab_find(img);
}

static noreturn void unloadable(const struct image *img, const struct elf64_phdr *ph,
				const char *why)
{
	die("initrd '%s' cannot be loaded: segment 0x%llx-0x%llx %s", img->name,
	    (unsigned long long)ph->paddr, (unsigned long long)(ph->paddr + ph->memsz), why);
}

/* A PT_LOAD segment comes from the file and goes to free usable RAM, virtual = physical. */
static void segment_check(const struct image *img, const struct boot_info *bi,
			  const struct elf64_phdr *ph)
{
	uint64_t lstart = loader_start(), lend = loader_end();

	if (ph->filesz > ph->memsz || !in_file(img, ph->offset, ph->filesz))
		refuse(img, "a segment's file range is broken");
	if (ph->vaddr != ph->paddr)
		refuse(img, "a segment's virtual and physical addresses differ");
	if (!mem_usable(bi, ph->paddr, ph->memsz))
		unloadable(img, ph, "is not in usable RAM below 4 GiB");
	if (overlaps(ph->paddr, ph->memsz, lstart, lend - lstart))
		unloadable(img, ph, "overlaps hermit-loader's own memory");
}

/* Put .symtab and .strtab in the pages right after the image, if they fit. */
static void symbols_place(struct image *img, const struct boot_info *bi)
{
	uint64_t lstart = loader_start(), lend = loader_end(), end;

	if (!img->sym_size)
		return;
	img->sym_dst = img->end;
	img->str_dst = align_up(img->sym_dst + img->sym_size, PAGE_SIZE);
	end = align_up(img->str_dst + img->str_size, PAGE_SIZE);
	if (!mem_usable(bi, img->sym_dst, end - img->sym_dst) ||
	    overlaps(img->sym_dst, end - img->sym_dst, lstart, lend - lstart)) {
		lprintf("hermit-loader: no room for the symbol table after the image; "
			"fault reports will show no names\n");
		img->sym_size = 0;
		img->str_size = 0;
		return;
	}
	img->used_end = end;
}

/* Move the module above everything if the image or its symbols would land on it. */
static void module_move(struct image *img, const struct boot_info *bi)
{
	uint64_t from = (uintptr_t)img->data, above, to;

	if (!overlaps(from, img->size, img->start, img->used_end - img->start))
		return;
	above = max64(max64(img->used_end, loader_end()), from + img->size);
	to = mem_find_free(bi, above, img->size);
	if (!to)
		die("initrd '%s' cannot be loaded: no free RAM to move its %u bytes out of the way",
		    img->name, img->size);
	memcpy(ptr(to), img->data, img->size);
	img->data = ptr(to);
}

/*
 * Decide where everything goes, refusing segments that cannot be loaded,
 * and make sure the module's bytes survive the copying.
 */
void image_place(struct image *img, const struct boot_info *bi)
{
	const struct elf64_phdr *ph;
	uint64_t lo = ~0ull, hi = 0;

	for (unsigned i = 0; i < ehdr(img)->phnum; i++) {
		ph = phdr(img, i);
		if (ph->type != PT_LOAD || ph->memsz == 0)
			continue;
		segment_check(img, bi, ph);
		lo = ph->paddr < lo ? ph->paddr : lo;
		hi = max64(hi, ph->paddr + ph->memsz);
	}
	if (hi == 0)
		refuse(img, "no loadable segment");
	if (img->entry < lo || img->entry >= hi)
		refuse(img, "its entry point lies outside its segments");
	img->start = lo & ~(PAGE_SIZE - 1);
	img->end = align_up(hi, PAGE_SIZE);
	img->used_end = img->end;
	symbols_place(img, bi);
	module_move(img, bi);
}

/* Copy the segments and symbols to where image_place() decided. */
void image_load(const struct image *img, struct boot_info *bi)
{
	const struct elf64_phdr *ph;

	for (unsigned i = 0; i < ehdr(img)->phnum; i++) {
		ph = phdr(img, i);
		if (ph->type != PT_LOAD || ph->memsz == 0)
			continue;
		memcpy(ptr(ph->paddr), img->data + (size_t)ph->offset, ph->filesz);
		memset(ptr(ph->paddr + ph->filesz), 0, ph->memsz - ph->filesz);
	}
	if (img->sym_size) {
		memcpy(ptr(img->sym_dst), img->data + (size_t)img->sym_off, img->sym_size);
		memcpy(ptr(img->str_dst), img->data + (size_t)img->str_off, img->str_size);
		bi->symtab = img->sym_dst;
		bi->symtab_size = img->sym_size;
		bi->strtab = img->str_dst;
		bi->strtab_size = img->str_size;
	}
	bi->image_start = img->start;
	bi->image_end = img->end;
}
