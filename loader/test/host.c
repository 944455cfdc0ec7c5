/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests for hermit-loader's image checks (loader/image.c, mem.c)
 * and the shared ACPI S5 parser (common/acpi.c). Built with ASan and
 * UBSan, so a read outside a file or a table aborts the test.
 *
 * usage: host-test TEST-IMAGE ; prints "ok" lines, exits non-zero on failure
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hermit/acpi.h>
#include "../elf.h"
#include "../loader.h"

/* The loader's own memory, as loader.ld would define it. */
char __loader_start[1], __loader_end[1];

static jmp_buf refused;
static char why[512];
static int failures;

/* The loader's die(): keep the message and unwind to the test. */
void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	longjmp(refused, 1);
}

void lprintf(const char *fmt, ...)
{
	(void)fmt;
}

static void expect(int ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

/* 1 GiB of RAM, like QEMU's map for -m 1G (without the high reserved parts). */
static void fake_memory(struct boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->mem[0] = (struct hermit_mem_region){0, 0x9fc00, HERMIT_MEM_USABLE, 0};
	bi->mem[1] = (struct hermit_mem_region){0x100000, 0x3fee0000, HERMIT_MEM_USABLE, 0};
	bi->mem_count = 2;
}

/* Check and place (never load: that would write to physical addresses) a
 * copy of the file; "" when accepted, else the refusal. */
static const char *try_image(const uint8_t *file, size_t size, struct image *out)
{
	static struct image img;
	struct boot_info bi;
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, file, size);
	memset(&img, 0, sizeof(img));
	img.name = "t";
	img.data = copy;
	img.size = size;
	/* Host heap addresses lie far above 4 GiB: image_place() never moves it. */
	if ((uintptr_t)copy < FOUR_GIB)
		abort();
	fake_memory(&bi);
	why[0] = '\0';
	if (!setjmp(refused)) {
		image_check(&img);
		image_place(&img, &bi);
	}
	free(copy);
	if (out)
		*out = img;
	return why;
}

static void expect_refusal(const uint8_t *file, size_t size, const char *text, const char *what)
{
	const char *msg = try_image(file, size, NULL);

	if (!strstr(msg, text))
		printf("  got: '%s'\n", msg);
	expect(strstr(msg, text) != NULL, what);
}

static void image_tests(const uint8_t *file, size_t size)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	struct image img;
	uint8_t *m = malloc(size);

	expect(!*try_image(file, size, &img), "the test image is accepted");
	expect(img.start == 0x400000 && img.sym_size && img.str_size && img.sym_dst == img.end,
	       "the test image is placed at 4 MiB with its symbols after it");

	/* Every truncation is refused or accepted, never read out of bounds. */
	for (size_t n = 0; n < size; n++)
		try_image(file, n, NULL);
	/* So is any value in any byte of the ELF and program headers... */
	memcpy(&eh, file, sizeof(eh));
	for (size_t at = 0; at < eh.phoff + eh.phnum * sizeof(ph); at++) {
		for (unsigned v = 0; v < 256; v++) {
			memcpy(m, file, size);
			m[at] = (uint8_t)v;
			try_image(m, size, NULL);
		}
	}
	/* ...and a few random bytes changed anywhere, over and over. */
	srand(1);
	for (int i = 0; i < 50000; i++) {
		memcpy(m, file, size);
		for (int k = rand() % 4; k >= 0; k--)
			m[(size_t)rand() % size] = (uint8_t)rand();
		try_image(m, size, NULL);
	}
	printf("ok truncations and corruptions\n");

	memcpy(m, file, size);
	m[EI_CLASS] = ELFCLASS32;
	expect_refusal(m, size, "a 32-bit ELF file", "ELFCLASS32 is refused");
	memcpy(m, file, size);
	((struct elf64_ehdr *)m)->machine = 3;
	expect_refusal(m, size, "not an x86_64 ELF file", "EM_386 is refused");
	memcpy(m, file, size);
	((struct elf64_ehdr *)m)->type = 3;
	expect_refusal(m, size, "not a static executable", "ET_DYN is refused");
	memcpy(m, file, size);
	((struct elf64_ehdr *)m)->phoff += 4;
	expect_refusal(m, size, "program header table", "a misaligned phoff is refused");
	for (unsigned i = 0; i < eh.phnum; i++) {
		memcpy(&ph, file + eh.phoff + i * sizeof(ph), sizeof(ph));
		memcpy(m, file, size);
		if (ph.type == PT_NOTE) {
			memcpy(m + ph.offset + 12, "hermit-x", 8);
			expect_refusal(m, size, "no hermit-c ELF note",
				       "a foreign note is refused");
		} else if (ph.type == PT_LOAD) {
			((struct elf64_phdr *)(m + eh.phoff))[i].paddr = 0x80000000;
			((struct elf64_phdr *)(m + eh.phoff))[i].vaddr = 0x80000000;
			expect_refusal(m, size, "is not in usable RAM",
				       "a segment beyond RAM is refused");
			memcpy(m, file, size);
			((struct elf64_phdr *)(m + eh.phoff))[i].filesz = size;
			expect_refusal(m, size, "file range is broken",
				       "a segment beyond the file is refused");
		}
	}
	free(m);
	printf("ok image checks\n");
}

/* ACPI tables in host memory, addressed through the XSDT (64-bit pointers). */
struct tables {
	uint8_t rsdp[36];
	uint8_t xsdt[44];
	uint8_t fadt[244];
	uint8_t dsdt[128];
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

static void sdt_header(uint8_t *t, const char *sig, uint32_t len)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 2;
}

/* Seal every table: lengths were set by the builder, checksums go last. */
static void seal(struct tables *t, uint32_t dsdt_len)
{
	checksum(t->dsdt, dsdt_len, 9);
	checksum(t->fadt, sizeof(t->fadt), 9);
	checksum(t->xsdt, sizeof(t->xsdt), 9);
	checksum(t->rsdp, 20, 8);
	checksum(t->rsdp, 36, 32);
}

/* A QEMU-like set: PM1a at 0x604 and \_S5_ = {5, 7} behind a decoy name. */
static uint32_t build_tables(struct tables *t)
{
	/* clang-format off */
	static const uint8_t aml[] = {
		0x70, '_', 'S', '5', '_', 0x60,             /* Store(_S5_, Local0): a use */
		0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, /* Name(\_S5_, Package(4) { */
		0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00,   /* 5, 7, 0, 0 }) */
	};
	/* clang-format on */
	uint32_t dlen = 36 + sizeof(aml);

	memset(t, 0, sizeof(*t));
	memcpy(t->rsdp, "RSD PTR ", 8);
	t->rsdp[15] = 2;
	put32(t->rsdp + 20, 36);
	put64(t->rsdp + 24, (uintptr_t)t->xsdt);
	sdt_header(t->xsdt, "XSDT", sizeof(t->xsdt));
	put64(t->xsdt + 36, (uintptr_t)t->fadt);
	sdt_header(t->fadt, "FACP", sizeof(t->fadt));
	put32(t->fadt + 48, 0xb2);
	t->fadt[52] = 0xf1;
	put32(t->fadt + 64, 0x604);
	put64(t->fadt + 140, (uintptr_t)t->dsdt);
	sdt_header(t->dsdt, "DSDT", dlen);
	memcpy(t->dsdt + 36, aml, sizeof(aml));
	seal(t, dlen);
	return dlen;
}

static void acpi_tests(void)
{
	struct tables *t = malloc(sizeof(*t));
	struct acpi_s5 s5;
	uint32_t dlen;
	int err;

	build_tables(t);
	err = acpi_s5_find((uintptr_t)t->rsdp, &s5);
	expect(err == 0 && s5.pm1a_cnt == 0x604 && s5.pm1b_cnt == 0 && s5.slp_typa == 5 &&
		   s5.slp_typb == 7 && s5.smi_cmd == 0xb2 && s5.acpi_enable == 0xf1,
	       "ACPI: QEMU-like tables give PM1a 0x604 and S5 {5, 7}");

	build_tables(t);
	t->rsdp[8]++;
	expect(acpi_s5_find((uintptr_t)t->rsdp, &s5) == -ACPI_S5_ENORSDP, "ACPI: RSDP checksum");

	build_tables(t);
	t->xsdt[20]++;
	expect(acpi_s5_find((uintptr_t)t->rsdp, &s5) == -ACPI_S5_ENOFADT, "ACPI: XSDT checksum");

	dlen = build_tables(t);
	put32(t->fadt + 64, 0);
	t->fadt[172] = 1; /* X_PM1a_CNT_BLK in system I/O space */
	put64(t->fadt + 176, 0x404);
	seal(t, dlen);
	err = acpi_s5_find((uintptr_t)t->rsdp, &s5);
	expect(err == 0 && s5.pm1a_cnt == 0x404, "ACPI: PM1a from the generic address");

	dlen = build_tables(t);
	put32(t->fadt + 64, 0);
	seal(t, dlen);
	expect(acpi_s5_find((uintptr_t)t->rsdp, &s5) == -ACPI_S5_ENOPM1, "ACPI: no PM1a port");

	/* \_S5_ cut off after its PackageOp: refused without reading past the DSDT. */
	build_tables(t);
	dlen = 36 + 13;
	put32(t->dsdt + 4, dlen);
	seal(t, dlen);
	expect(acpi_s5_find((uintptr_t)t->rsdp, &s5) == -ACPI_S5_ENOS5, "ACPI: truncated \\_S5_");

	/* A two-byte PkgLength and Zero/One elements. */
	dlen = build_tables(t);
	memcpy(t->dsdt + 36 + 13, (const uint8_t[]){0x40, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00}, 7);
	seal(t, dlen);
	err = acpi_s5_find((uintptr_t)t->rsdp, &s5);
	expect(err == 0 && s5.slp_typa == 1 && s5.slp_typb == 0,
	       "ACPI: Zero/One, 2-byte PkgLength");
	free(t);
	printf("ok acpi\n");
}

int main(int argc, char **argv)
{
	FILE *f;
	uint8_t *file;
	long size;

	if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: host-test TEST-IMAGE\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	file = malloc(size);
	if (fread(file, 1, size, f) != (size_t)size)
		return 2;
	fclose(f);
	image_tests(file, size);
	acpi_tests();
	free(file);
	printf("%s\n", failures ? "FAILED" : "all passed");
	return failures != 0;
}
