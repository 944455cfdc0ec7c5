/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of uhyve/image.c: a small hermit-c image is built in memory,
 * then broken in every way a loader must notice, then fuzzed (random byte
 * changes and truncations: never a crash, built with ASan/UBSan). Loading
 * goes into a fake guest RAM.
 */
#include <elf.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "check.h"
#include "uhyve.h"

#define F_PHDR	 0x40
#define F_NOTE	 0xc0
#define F_CODE	 0x100
#define F_SYM	 0x140
#define F_STR	 0x190
#define F_SHDR	 0x1a0
#define F_SIZE	 0x260
#define CODE_LEN 0x40
#define MEMSZ	 0x2000

static uint8_t img[F_SIZE];

/* A valid image: code at 0x400000 with 0x2000-0x40 bytes of bss, the note,
 * and two function symbols. */
static void make_image(void)
{
	Elf64_Ehdr eh = {
	    .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
	    .e_type = ET_EXEC,
	    .e_machine = EM_X86_64,
	    .e_version = EV_CURRENT,
	    .e_entry = 0x400010,
	    .e_phoff = F_PHDR,
	    .e_shoff = F_SHDR,
	    .e_ehsize = sizeof(Elf64_Ehdr),
	    .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = 2,
	    .e_shentsize = sizeof(Elf64_Shdr),
	    .e_shnum = 3,
	};
	Elf64_Phdr ph[2] = {
	    {.p_type = PT_LOAD,
	     .p_offset = F_CODE,
	     .p_vaddr = 0x400000,
	     .p_paddr = 0x400000,
	     .p_filesz = CODE_LEN,
	     .p_memsz = MEMSZ},
	    {.p_type = PT_NOTE, .p_offset = F_NOTE, .p_filesz = 28},
	};
	uint32_t note[7] = {9, 4, 1, 0, 0, 0, 1};
	Elf64_Sym sym[3] = {
	    {0},
	    {.st_name = 1,
	     .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
	     .st_value = 0x400000,
	     .st_size = 0x20},
	    {.st_name = 7,
	     .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
	     .st_value = 0x400020,
	     .st_size = 0x20},
	};
	Elf64_Shdr sh[3] = {
	    {0},
	    {.sh_type = SHT_SYMTAB,
	     .sh_offset = F_SYM,
	     .sh_size = sizeof(sym),
	     .sh_link = 2,
	     .sh_entsize = sizeof(Elf64_Sym)},
	    {.sh_type = SHT_STRTAB, .sh_offset = F_STR, .sh_size = 13},
	};
	int i;

	memset(img, 0, sizeof(img));
	memcpy(note + 3, "hermit-c", 9);
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + F_PHDR, ph, sizeof(ph));
	memcpy(img + F_NOTE, note, sizeof(note));
	for (i = 0; i < CODE_LEN; i++)
		img[F_CODE + i] = (uint8_t)(i + 1);
	memcpy(img + F_SYM, sym, sizeof(sym));
	memcpy(img + F_STR, "\0kmain\0other", 13);
	memcpy(img + F_SHDR, sh, sizeof(sh));
}

/* Check img (first size bytes); returns image_check's result, err set. */
static int check(size_t size, char *err)
{
	struct image im;

	err[0] = '\0';
	return image_check(&im, img, size, err);
}

/* Patch a field of the image at offset off with a value of size n. */
static void patch(size_t off, uint64_t v, size_t n)
{
	memcpy(img + off, &v, n);
}

/* Break the image one way (after make_image) and expect `why`. */
#define BROKEN(setup, why)                                                                         \
	do {                                                                                       \
		make_image();                                                                      \
		setup;                                                                             \
		CHECK(check(F_SIZE, err) < 0 && CONTAINS(err, why));                               \
	} while (0)

#define PH0(field) (F_PHDR + offsetof(Elf64_Phdr, field))
#define EH(field)  (offsetof(Elf64_Ehdr, field))

static void test_checks(void)
{
	char err[ERRLEN];
	struct image im;

	make_image();
	CHECK(image_check(&im, img, F_SIZE, err) == 0);
	CHECK(im.entry == 0x400010 && im.start == 0x400000 && im.end == 0x400000 + MEMSZ);
	CHECK(im.symtab_off == F_SYM && im.symtab_size == 72 && im.strtab_size == 13);
	CHECK(image_needs(&im) == 0x400000 + MEMSZ + 80 + 13);

	memcpy(img, "hello, world\n", 13);
	CHECK(check(13, err) < 0 && !strcmp(err, "not an ELF file"));
	make_image();
	CHECK(check(3, err) < 0 && !strcmp(err, "not an ELF file"));
	CHECK(check(40, err) < 0 && CONTAINS(err, "truncated"));
	BROKEN(img[EI_CLASS] = ELFCLASS32, "32-bit");
	BROKEN(img[EI_DATA] = ELFDATA2MSB, "big-endian");
	BROKEN(patch(EH(e_machine), EM_AARCH64, 2), "another machine");
	BROKEN(patch(EH(e_type), ET_DYN, 2), "ET_EXEC");
	BROKEN(patch(EH(e_phnum), 0, 2), "no program headers");
	BROKEN(patch(EH(e_phoff), 0xfffffffffffffff0ull, 8), "program headers outside");
	BROKEN(patch(EH(e_phnum), 200, 2), "program headers outside");
	BROKEN(img[F_NOTE + 12 + 7] = 'x', "no hermit-c note");
	BROKEN(patch(F_NOTE + 8, 2, 4), "no hermit-c note");
	BROKEN(patch(F_NOTE + 4, 8, 4), "no hermit-c note");
	BROKEN(patch(F_NOTE, 0xfffffff0u, 4), "no hermit-c note");
	BROKEN(patch(F_NOTE + 24, 2, 4), "ABI version 2");
	BROKEN(patch(PH0(p_type) + sizeof(Elf64_Phdr), PT_NULL, 4), "no hermit-c note");
	BROKEN(patch(PH0(p_offset), F_SIZE - 8, 8), "outside the file");
	BROKEN(patch(PH0(p_filesz), 0xffffffffffffffffull, 8), "outside the file");
	BROKEN(patch(PH0(p_memsz), CODE_LEN - 1, 8), "bad sizes");
	BROKEN(patch(PH0(p_paddr), 0xfffffffffffff000ull, 8), "bad sizes");
	BROKEN(patch(PH0(p_paddr), 0x1000, 8), "below 0x400000");
	BROKEN(patch(EH(e_entry), 0x300000, 8), "entry point");
	BROKEN(patch(EH(e_entry), 0x400000 + MEMSZ, 8), "entry point");
	BROKEN(patch(PH0(p_type), PT_NULL, 4), "no PT_LOAD");

	/* Broken section headers only lose the symbols. */
	make_image();
	patch(EH(e_shoff), 0xfffffffffffffff0ull, 8);
	CHECK(image_check(&im, img, F_SIZE, err) == 0 && im.symtab_size == 0);
	make_image();
	patch(F_SHDR + sizeof(Elf64_Shdr) + offsetof(Elf64_Shdr, sh_link), 9, 4);
	CHECK(image_check(&im, img, F_SIZE, err) == 0 && im.symtab_size == 0);
	make_image();
	patch(F_SHDR + 2 * sizeof(Elf64_Shdr) + offsetof(Elf64_Shdr, sh_size), 1ull << 40, 8);
	CHECK(image_check(&im, img, F_SIZE, err) == 0 && im.symtab_size == 0);
}

static void test_load(void)
{
	struct guest g;
	struct boot_info bi = {0};
	struct image im;
	char err[ERRLEN];
	uint64_t off = 0;
	const char *name;
	uint8_t *p;
	int i, ok = 1;

	make_image();
	CHECK(image_check(&im, img, F_SIZE, err) == 0);
	CHECK(guest_alloc(&g, 8 * MIB, err) == 0);
	memset(g.mem + 0x400000, 0xaa, 2 * MEMSZ);
	CHECK(image_load(&im, &g, &bi, err) == 0);
	p = g.mem + 0x400000;
	for (i = 0; i < CODE_LEN; i++)
		ok &= p[i] == i + 1;
	for (i = CODE_LEN; i < MEMSZ; i++)
		ok &= p[i] == 0;
	CHECK(ok);
	CHECK(bi.image_start == 0x400000 && bi.image_end == 0x400000 + MEMSZ);
	CHECK(bi.symtab == 0x400000 + MEMSZ && bi.symtab_size == 72);
	CHECK(bi.strtab == bi.symtab + 80 && bi.strtab_size == 13);
	CHECK(!memcmp(g.mem + bi.symtab, img + F_SYM, 72));
	CHECK(!memcmp(g.mem + bi.strtab, img + F_STR, 13));

	name = image_symbol(&im, 0x400005, &off);
	CHECK(name && !strcmp(name, "kmain") && off == 5);
	name = image_symbol(&im, 0x400025, &off);
	CHECK(name && !strcmp(name, "other") && off == 5);
	CHECK(image_symbol(&im, 0x400040, &off) == NULL);
	CHECK(image_symbol(&im, 0x3fffff, &off) == NULL);
	guest_free(&g);

	/* A guest too small for the image. */
	CHECK(guest_alloc(&g, 0x401000, err) == 0);
	CHECK(image_load(&im, &g, &bi, err) < 0 && CONTAINS(err, "larger than guest memory"));
	CHECK(CONTAINS(err, "use -m"));
	guest_free(&g);

	/* A symbol name that runs off the end of the string table. */
	make_image();
	img[F_STR + 12] = 'x';
	CHECK(image_check(&im, img, F_SIZE, err) == 0);
	CHECK(image_symbol(&im, 0x400025, &off) == NULL);
}

/* Random damage to a valid image: checks and loads never crash, and what
 * loads stays inside guest RAM. */
static void test_fuzz(void)
{
	static const uint64_t nasty[] = {
	    0, 1, 0x7f, 0x80, 0xff, 0xffff, 0xffffffff, 0x400000, 0xfffffffffffffff0ull};
	struct guest g;
	char err[ERRLEN];
	int round, loaded = 0, refused = 0;

	CHECK(guest_alloc(&g, 8 * MIB, err) == 0);
	for (round = 0; round < 50000; round++) {
		struct boot_info bi = {0};
		struct image im;
		size_t size = F_SIZE;
		int n = 1 + (int)(check_rand() % 4);
		uint64_t off;

		make_image();
		while (n--) {
			size_t at = check_rand() % F_SIZE;
			uint64_t v = check_rand() % 2 ? nasty[check_rand() % 9] : check_rand();

			patch(at - at % 4 > F_SIZE - 8 ? F_SIZE - 8 : at - at % 4, v,
			      1 + check_rand() % 8);
		}
		if (check_rand() % 8 == 0)
			size = check_rand() % F_SIZE;
		if (image_check(&im, img, size, err) < 0) {
			refused++;
			continue;
		}
		if (image_load(&im, &g, &bi, err) == 0)
			loaded++;
		image_symbol(&im, check_rand() % 2 ? 0x400000 + check_rand() % 0x100 : check_rand(),
			     &off);
	}
	printf("fuzz: %d images refused, %d loaded\n", refused, loaded);
	CHECK(refused > 0 && loaded > 0);
	guest_free(&g);
}

int main(void)
{
	test_checks();
	test_load();
	test_fuzz();
	return check_done("test_image");
}
