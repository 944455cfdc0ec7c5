/* SPDX-License-Identifier: MIT */
/*
 * hermit-c images (include/hermit/image.h): reading the file, checking that
 * it is one (ELF64, x86_64, ET_EXEC, the hermit-c ABI note), copying its
 * PT_LOAD segments to their physical addresses and its symbol table after
 * them, and naming addresses for crash reports.
 *
 * Every offset and size read from the file is checked against the file
 * before use: an image is untrusted input.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uhyve.h"

/* Read the whole file at path into a malloc'd buffer. */
int image_read(const char *path, uint8_t **data, size_t *size, char *err)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, ERRLEN, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, ERRLEN, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		got += (size_t)r;
	}
	close(fd);
	*data = buf;
	*size = got;
	return 0;
fail:
	snprintf(err, ERRLEN, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
	free(buf);
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Is [off, off+len) inside the file? */
static int in_file(const struct image *im, uint64_t off, uint64_t len)
{
	return off <= im->size && len <= im->size - off;
}

/* Read the hermit-c notes of the PT_NOTE segment ph: the ABI note (returns
 * 1 and sets *abi) and the feature-set note (sets im->features). */
static int find_note(struct image *im, const Elf64_Phdr *ph, uint32_t *abi)
{
	uint64_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;
	int found = 0;

	while (off + sizeof(Elf64_Nhdr) <= end) {
		Elf64_Nhdr nh;
		uint64_t name, desc;

		memcpy(&nh, im->data + off, sizeof(nh));
		name = off + sizeof(nh);
		desc = name + ((nh.n_namesz + 3ull) & ~3ull);
		if (desc > end || ((nh.n_descsz + 3ull) & ~3ull) > end - desc)
			return found;
		if (nh.n_namesz == HERMIT_NOTE_NAMESZ &&
		    !memcmp(im->data + name, HERMIT_NOTE_NAME, HERMIT_NOTE_NAMESZ)) {
			if (nh.n_type == HERMIT_NOTE_ABI && nh.n_descsz == 4) {
				memcpy(abi, im->data + desc, 4);
				found = 1;
			} else if (nh.n_type == HERMIT_NOTE_FEATURES && nh.n_descsz > 0 &&
				   im->data[desc + nh.n_descsz - 1] == 0) {
				im->features = (const char *)im->data + desc;
			}
		}
		off = desc + ((nh.n_descsz + 3ull) & ~3ull);
	}
	return found;
}

/* Check the ELF header: 64-bit, little-endian, x86_64, ET_EXEC. */
static int check_ehdr(const Elf64_Ehdr *eh, const char **why)
{
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		*why = "a 32-bit or big-endian ELF; hermit-c images are ELF64 x86_64";
	else if (eh->e_machine != EM_X86_64)
		*why = "an ELF for another machine; hermit-c images are x86_64";
	else if (eh->e_type != ET_EXEC)
		*why = "not a static executable (ET_EXEC); build it with hermit-gcc";
	else if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0)
		*why = "no program headers";
	else
		return 0;
	return -1;
}

/* Where program header i starts in the file (checked by image_check). */
static const uint8_t *phdr(const struct image *im, const Elf64_Ehdr *eh, unsigned i)
{
	return im->data + eh->e_phoff + (uint64_t)i * sizeof(Elf64_Phdr);
}

/* Check the program headers and compute the loaded range. */
static int check_phdrs(struct image *im, const Elf64_Ehdr *eh, const char *why_fmt, char *err)
{
	uint32_t abi = 0;
	int notes = 0;
	unsigned i;

	im->start = UINT64_MAX;
	im->end = 0;
	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, phdr(im, eh, i), sizeof(ph));
		if (!in_file(im, ph.p_offset, ph.p_filesz))
			return snprintf(err, ERRLEN, why_fmt, "a segment lies outside the file"),
			       -1;
		if (ph.p_type == PT_NOTE && !notes)
			notes = find_note(im, &ph, &abi);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_paddr + ph.p_memsz < ph.p_paddr)
			return snprintf(err, ERRLEN, why_fmt, "a PT_LOAD segment has bad sizes"),
			       -1;
		if (ph.p_paddr < HERMIT_IMAGE_BASE)
			return snprintf(err, ERRLEN, why_fmt,
					"a segment loads below 0x400000, where uhyve keeps its "
					"page tables"),
			       -1;
		if (ph.p_paddr < im->start)
			im->start = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > im->end)
			im->end = ph.p_paddr + ph.p_memsz;
	}
	if (!notes)
		return snprintf(err, ERRLEN, why_fmt, "no hermit-c note; build it with hermit-gcc"),
		       -1;
	if (abi != HERMIT_ABI_VERSION) {
		char why[128];

		snprintf(why, sizeof(why), "hermit-c ABI version %u, this uhyve loads version %u",
			 abi, HERMIT_ABI_VERSION);
		return snprintf(err, ERRLEN, why_fmt, why), -1;
	}
	if (im->end == 0)
		return snprintf(err, ERRLEN, why_fmt, "no PT_LOAD segment"), -1;
	if (im->entry < im->start || im->entry >= im->end)
		return snprintf(err, ERRLEN, why_fmt, "the entry point is outside the image"), -1;
	return 0;
}

/* Find .symtab and its linked string table; leaves them 0 if absent or
 * malformed (symbols only improve crash reports). */
static void find_symtab(struct image *im, const Elf64_Ehdr *eh)
{
	Elf64_Shdr sym, str;
	unsigned i;

	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(im, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return;
	for (i = 0; i < eh->e_shnum; i++) {
		memcpy(&sym, im->data + eh->e_shoff + i * sizeof(sym), sizeof(sym));
		if (sym.sh_type != SHT_SYMTAB)
			continue;
		if (sym.sh_link >= eh->e_shnum || sym.sh_entsize != sizeof(Elf64_Sym))
			return;
		memcpy(&str, im->data + eh->e_shoff + sym.sh_link * sizeof(str), sizeof(str));
		if (str.sh_type != SHT_STRTAB || !in_file(im, sym.sh_offset, sym.sh_size) ||
		    !in_file(im, str.sh_offset, str.sh_size))
			return;
		im->symtab_off = sym.sh_offset;
		im->symtab_size = sym.sh_size - sym.sh_size % sizeof(Elf64_Sym);
		im->strtab_off = str.sh_offset;
		im->strtab_size = str.sh_size;
		return;
	}
}

/* Check that data (size bytes, kept by the caller) is a hermit-c image. */
int image_check(struct image *im, const uint8_t *data, size_t size, char *err)
{
	const char *why_fmt = "not a hermit-c image (%s)";
	const char *why;
	Elf64_Ehdr eh;

	memset(im, 0, sizeof(*im));
	im->data = data;
	im->size = size;
	if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG)) {
		snprintf(err, ERRLEN, "not an ELF file");
		return -1;
	}
	if (size < sizeof(eh)) {
		snprintf(err, ERRLEN, why_fmt, "truncated ELF header");
		return -1;
	}
	memcpy(&eh, data, sizeof(eh));
	if (check_ehdr(&eh, &why) < 0) {
		snprintf(err, ERRLEN, why_fmt, why);
		return -1;
	}
	if (!in_file(im, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr))) {
		snprintf(err, ERRLEN, why_fmt, "program headers outside the file");
		return -1;
	}
	im->entry = eh.e_entry;
	if (check_phdrs(im, &eh, why_fmt, err) < 0)
		return -1;
	find_symtab(im, &eh);
	return 0;
}

static uint64_t align16(uint64_t v)
{
	return (v + 15) & ~15ull;
}

/* Guest memory the image needs: its segments, then its symbols. */
uint64_t image_needs(const struct image *im)
{
	return align16(align16(im->end) + im->symtab_size) + im->strtab_size;
}

/* Copy the segments (zeroing bss) and the symbols into guest RAM and fill
 * the image and symbol fields of bi. */
int image_load(const struct image *im, struct guest *g, struct boot_info *bi, char *err)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->data;
	uint64_t need = image_needs(im);
	unsigned i;

	if (need > g->size) {
		snprintf(err, ERRLEN,
			 "image larger than guest memory: it needs %llu KiB up to 0x%llx, guest "
			 "memory is %llu MiB (use -m)",
			 (unsigned long long)((need - im->start + 1023) / 1024),
			 (unsigned long long)need, (unsigned long long)(g->size / MIB));
		return -1;
	}
	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, phdr(im, eh, i), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		memcpy(guest_ptr(g, ph.p_paddr, ph.p_filesz), im->data + ph.p_offset, ph.p_filesz);
		memset(guest_ptr(g, ph.p_paddr + ph.p_filesz, ph.p_memsz - ph.p_filesz), 0,
		       ph.p_memsz - ph.p_filesz);
	}
	bi->image_start = im->start;
	bi->image_end = im->end;
	if (im->symtab_size) {
		bi->symtab = align16(im->end);
		bi->symtab_size = im->symtab_size;
		bi->strtab = align16(bi->symtab + im->symtab_size);
		bi->strtab_size = im->strtab_size;
		memcpy(guest_ptr(g, bi->symtab, bi->symtab_size), im->data + im->symtab_off,
		       im->symtab_size);
		memcpy(guest_ptr(g, bi->strtab, bi->strtab_size), im->data + im->strtab_off,
		       im->strtab_size);
	}
	return 0;
}

/* The function symbol containing addr (offset in *off), or NULL. */
const char *image_symbol(const struct image *im, uint64_t addr, uint64_t *off)
{
	Elf64_Sym s, best = {0};
	uint64_t i, n = im->symtab_size / sizeof(Elf64_Sym);
	const char *name;

	for (i = 0; i < n; i++) {
		memcpy(&s, im->data + im->symtab_off + i * sizeof(s), sizeof(s));
		if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_value > addr || s.st_name == 0 ||
		    s.st_name >= im->strtab_size)
			continue;
		if (addr < s.st_value + (s.st_size ? s.st_size : 1) &&
		    (!best.st_name || s.st_value > best.st_value))
			best = s;
	}
	if (!best.st_name)
		return NULL;
	name = (const char *)im->data + im->strtab_off + best.st_name;
	/* The name must end inside the string table. */
	if (!memchr(name, '\0', im->strtab_size - best.st_name))
		return NULL;
	*off = addr - best.st_value;
	return name;
}
