/* SPDX-License-Identifier: MIT */
/*
 * A tiny hermit-c image for testing hermit-loader: it prints what it got in
 * boot_info on COM1, checks the entry contract, and exits through QEMU's
 * isa-debug-exit with 0 (QEMU status 1) if every check held, else 1 (3).
 */
#include <stdarg.h>
#include <stdint.h>
#include <hermit/boot_info.h>
#include <hermit/portio.h>
#include <hermit/uart.h>

struct elf64_sym {
	uint32_t name;
	uint8_t info;
	uint8_t other;
	uint16_t shndx;
	uint64_t value;
	uint64_t size;
};

uint64_t entry_rsp, entry_rsi; /* set by _start */
void _start(void);
void test_main(const struct boot_info *bi);

/* Present only in the -big variant (weak: 0 elsewhere). */
extern const uint32_t big_data[] __attribute__((weak));
extern const uint32_t big_data_end[] __attribute__((weak));

static uint8_t bss_probe[8192];
static int failures;

static void put_num(uint64_t n, unsigned base)
{
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = "0123456789abcdef"[n % base];
		n /= base;
	} while (n);
	uart_write(UART_COM1, buf + i, sizeof(buf) - i);
}

/* printf for %s, %u and %x (both 64-bit). */
static void say(const char *fmt, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			uart_putc(UART_COM1, *fmt);
			continue;
		}
		switch (*++fmt) {
		case 's':
			for (s = va_arg(ap, const char *); *s; s++)
				uart_putc(UART_COM1, *s);
			break;
		case 'u':
			put_num(va_arg(ap, uint64_t), 10);
			break;
		case 'x':
			put_num(va_arg(ap, uint64_t), 16);
			break;
		}
	}
	va_end(ap);
}

static void expect(int ok, const char *what)
{
	if (!ok) {
		say("test-image: FAIL %s\n", what);
		failures++;
	}
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The name the copied symbol table gives to addr, "" if none. */
static const char *symbol_name(const struct boot_info *bi, uint64_t addr)
{
	const struct elf64_sym *sym = (const void *)bi->symtab;
	const char *str = (const char *)bi->strtab;

	for (uint64_t i = 0; i < bi->symtab_size / sizeof(*sym); i++)
		if (sym[i].value == addr && sym[i].name < bi->strtab_size)
			return str + sym[i].name;
	return "";
}

/* Print the memory map and touch the last byte of each usable region below 4 GiB. */
static void check_memory(const struct boot_info *bi)
{
	uint64_t usable = 0;

	for (uint32_t i = 0; i < bi->mem_count && i < HERMIT_MEM_REGIONS_MAX; i++) {
		const struct hermit_mem_region *r = &bi->mem[i];

		say("test-image: mem %x-%x type %u\n", r->base, r->base + r->len,
		    (uint64_t)r->type);
		if (r->type != HERMIT_MEM_USABLE)
			continue;
		usable += r->len;
		if (r->base + r->len <= 0x100000000ull)
			(void)*(volatile uint8_t *)(r->base + r->len - 1);
	}
	say("test-image: mem_count=%u usable_mib=%u\n", (uint64_t)bi->mem_count, usable >> 20);
	expect(bi->mem_count > 0 && usable > 0, "memory map");
}

static void check_image(const struct boot_info *bi)
{
	uint64_t entry = (uint64_t)_start, self = (uint64_t)test_main;
	const char *name;

	say("test-image: image=%x-%x\n", bi->image_start, bi->image_end);
	expect(bi->image_start <= entry && entry < bi->image_end, "image range holds _start");
	expect(!(bi->image_start & 0xfff) && !(bi->image_end & 0xfff), "image range page-aligned");
	say("test-image: loader=%x-%x\n", bi->loader_start, bi->loader_end);
	expect(bi->loader_start <= (uint64_t)bi && (uint64_t)(bi + 1) <= bi->loader_end &&
		   bi->loader_start <= bi->cmdline && bi->cmdline < bi->loader_end,
	       "loader range holds boot_info and strings");
	name = symbol_name(bi, self);
	say("test-image: symtab_size=%u strtab_size=%u test_main=%s\n", bi->symtab_size,
	    bi->strtab_size, name);
	expect(streq(name, "test_main"), "symbol table names test_main");
	expect(bi->symtab >= bi->image_end && bi->strtab >= bi->image_end,
	       "symbols placed after the image");
}

/* The -big variant's data arrived intact, and the BSS is zero. */
static void check_data(void)
{
	int ok = 1;

	for (uint64_t i = 0; i < sizeof(bss_probe); i++)
		ok &= bss_probe[i] == 0;
	expect(ok, "bss is zero");
	if (!big_data)
		return;
	for (uint32_t i = 0; big_data + i < big_data_end; i++)
		ok &= big_data[i] == (uint32_t)(i * 0x9e3779b1u);
	say("test-image: big_data=%s (%u KiB)\n", ok ? "ok" : "BAD",
	    (uint64_t)(big_data_end - big_data) / 256);
	expect(ok, "big data intact");
}

void test_main(const struct boot_info *bi)
{
	uart_init(UART_COM1);
	expect(bi->magic == HERMIT_BOOT_MAGIC && bi->version == HERMIT_BOOT_VERSION, "magic");
	say("test-image: platform=%u cpu_count=%u serial=%x rsdp=%x\n", (uint64_t)bi->platform,
	    (uint64_t)bi->cpu_count, (uint64_t)bi->serial_port, bi->rsdp);
	expect(bi->platform == HERMIT_PLATFORM_MULTIBOOT, "platform");
	say("test-image: cmdline=[%s]\n", (const char *)bi->cmdline);
	say("test-image: argv0=[%s]\n", (const char *)bi->argv0);
	say("test-image: rsp_mod16=%u rsi=%u boot_tsc_set=%u\n", entry_rsp % 16, entry_rsi,
	    (uint64_t)(bi->boot_tsc != 0));
	expect(entry_rsp % 16 == 0 && entry_rsi == 0, "entry registers");
	check_memory(bi);
	check_image(bi);
	check_data();
	say("test-image: result=%s\n", failures ? "FAIL" : "ok");
	outl(0xf4, failures ? 1 : 0);
}
