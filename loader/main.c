/* SPDX-License-Identifier: MIT */
/*
 * hermit-loader: started by QEMU (-kernel) or GRUB through multiboot v1, it
 * loads the hermit-c image given as the first module (-initrd) and enters
 * it in 64-bit mode with a struct boot_info (include/hermit/boot_info.h).
 */
#include "loader.h"
#include "multiboot.h"

#define CMDLINE_MAX 8192
#define ARGV0_MAX   4096

/* What the image gets; all of it in the loader's BSS, inside loader_start..end. */
static struct boot_info boot_info;
static char cmdline[CMDLINE_MAX];
static char argv0[ARGV0_MAX];

/*
 * QEMU passes "<path of -kernel> <-append string>" and GRUB "<path> <args>":
 * the first word names the loader itself (so its path must not contain a
 * space), everything after the one space that follows is the image's.
 */
static void read_cmdline(const struct multiboot_info *mbi)
{
	const char *s = "";
	size_t n;

	if ((mbi->flags & MBI_CMDLINE) && mbi->cmdline) {
		s = ptr(mbi->cmdline);
		while (*s && *s != ' ')
			s++;
		if (*s == ' ')
			s++;
	}
	n = strlen(s);
	if (n >= sizeof(cmdline))
		die("the command line is longer than %u bytes", (unsigned)sizeof(cmdline) - 1);
	memcpy(cmdline, s, n + 1);
}

/* The first module is the image; its string's first word is its name, argv0. */
static void read_module(const struct multiboot_info *mbi, struct image *img)
{
	const struct multiboot_module *m;
	const char *s;
	size_t n;

	if (!(mbi->flags & MBI_MODS) || mbi->mods_count == 0)
		die("no image to boot: give a hermit-c image as module 1 (QEMU: -initrd)");
	m = ptr(mbi->mods_addr);
	s = m->string ? ptr(m->string) : "";
	for (n = 0; s[n] && s[n] != ' '; n++)
		;
	if (n == 0) {
		s = "initrd";
		n = strlen(s);
	}
	if (n >= sizeof(argv0))
		die("the initrd's name is longer than %u bytes", (unsigned)sizeof(argv0) - 1);
	memcpy(argv0, s, n);
	argv0[n] = '\0';
	img->name = argv0;
	if (m->end < m->start)
		die("initrd '%s' has a broken module range 0x%x-0x%x", argv0, m->start, m->end);
	img->data = ptr(m->start);
	img->size = m->end - m->start;
}

static void boot_info_fill(struct boot_info *bi, uint16_t serial_port)
{
	bi->magic = HERMIT_BOOT_MAGIC;
	bi->version = HERMIT_BOOT_VERSION;
	bi->platform = HERMIT_PLATFORM_MULTIBOOT;
	bi->cpu_count = 0;
	bi->tsc_khz = 0;
	bi->rsdp = 0;
	bi->serial_port = serial_port;
	bi->cmdline = (uintptr_t)cmdline;
	bi->argv0 = (uintptr_t)argv0;
	bi->boot_time_ns = 0;
	bi->boot_tsc = entry_tsc;
	bi->loader_start = loader_start();
	bi->loader_end = loader_end();
}

noreturn void loader_main(uint32_t magic, uint32_t mbi_addr);

void loader_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct multiboot_info *mbi = ptr(mbi_addr);
	struct image img = {0};
	uint16_t serial_port;

	serial_port = console_init();
	if (magic != MULTIBOOT_BOOT_MAGIC)
		die("not started by a multiboot boot loader (EAX=0x%x)", magic);
	cpu_check();
	/* Copy what we need of the multiboot data first: loading may overwrite it. */
	mem_read_map(mbi, &boot_info);
	read_cmdline(mbi);
	read_module(mbi, &img);

	image_check(&img);
	image_place(&img, &boot_info);
	image_load(&img, &boot_info);
	boot_info_fill(&boot_info, serial_port);
	cpu_enter_image(img.entry, &boot_info);
}
