/* SPDX-License-Identifier: MIT */
/*
 * uhyve's own test image: a freestanding, integer-only hermit-c image that
 * speaks the hypercalls directly (no kernel). It fetches the command line,
 * splits it like the kernel's shell-like tokenizer, prints argv and the
 * env= options, and then does what its first argument says:
 *   (none)        print and exit 0
 *   exit N        exit with code N
 *   info          print boot_info fields
 *   badfd         WRITE to fd 7, print the result, exit 0
 *   badwrite      WRITE a buffer running past the end of guest RAM
 *   badarg        a hypercall whose argument struct is outside guest RAM
 *   badcall       a hypercall number uhyve does not know
 *   port          an `in` from a port uhyve does not serve
 *   sse           SSE arithmetic (cvtsi2sd, mulsd)
 *   triple        a #GP with no IDT: a triple fault
 *   spin N        N million loop iterations, then exit 0
 * Built with -DBIG_BSS it carries 16 MiB of bss (for "image too big"), with
 * -DNOTE_ABI=2 it claims a hermit-c ABI this uhyve does not load.
 */
#include <stdint.h>

#include <hermit/boot_info.h>
#include <hermit/hypercall.h>
#include <hermit/image.h>

struct hermit_note {
	uint32_t namesz, descsz, type;
	char name[12];
	uint32_t abi;
};

#ifndef NOTE_ABI
#define NOTE_ABI HERMIT_ABI_VERSION
#endif

__attribute__((section(".note.hermit"), aligned(4), used)) static const struct hermit_note note = {
    HERMIT_NOTE_NAMESZ, 4, HERMIT_NOTE_ABI, HERMIT_NOTE_NAME, NOTE_ABI};

#ifdef BIG_BSS
__attribute__((used)) static volatile char big[16 << 20];
#endif

#define MAXARGS 64

static char cmdline[4096];
static char *args[MAXARGS], *envs[MAXARGS];
static int nargs, nenvs;
static const struct boot_info *bi;

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"	call kmain\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	".previous\n");

static void hypercall(unsigned call, void *arg)
{
	__asm__ volatile("outl %0, %w1"
			 :
			 : "a"((uint32_t)(uintptr_t)arg), "Nd"((uint16_t)UHYVE_PORT(call))
			 : "memory");
}

static uint64_t len(const char *s)
{
	uint64_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int64_t write_fd(int fd, const void *buf, uint64_t n)
{
	struct uhyve_write w = {.fd = fd, .buf = (uint64_t)(uintptr_t)buf, .len = n};

	hypercall(UHYVE_HC_WRITE, &w);
	return w.ret;
}

static void put(const char *s)
{
	write_fd(1, s, len(s));
}

static void put_num(int64_t v, unsigned base)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 && base == 10 ? (uint64_t)-v : (uint64_t)v;

	*--p = '\0';
	do {
		*--p = "0123456789abcdef"[u % base];
		u /= base;
	} while (u);
	if (v < 0 && base == 10)
		*--p = '-';
	put(p);
}

static void put_field(const char *name, int64_t v, unsigned base)
{
	put(name);
	put(base == 16 ? "=0x" : "=");
	put_num(v, base);
	put("\n");
}

__attribute__((noreturn)) static void do_exit(int code)
{
	struct uhyve_exit e = {.code = code};

	hypercall(UHYVE_HC_EXIT, &e);
	for (;;)
		__asm__ volatile("hlt");
}

static int64_t to_int(const char *s)
{
	int64_t v = 0, sign = 1;

	if (*s == '-') {
		sign = -1;
		s++;
	}
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return sign * v;
}

static int starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Split cmdline in place: whitespace separates words; '...' is literal;
 * "..." and bare words take backslash escapes. Words before "--" are kernel
 * options (only env= is kept), words after it are the app's arguments. */
static void split(char *s)
{
	int after = 0;

	for (;;) {
		char *w, *o;
		int quoted = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			return;
		w = o = s;
		while (*s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n'))) {
			if (*s == '\'' && quoted != '"') {
				quoted = quoted ? 0 : '\'';
				s++;
			} else if (*s == '"' && quoted != '\'') {
				quoted = quoted ? 0 : '"';
				s++;
			} else if (*s == '\\' && quoted != '\'' && s[1]) {
				*o++ = s[1];
				s += 2;
			} else {
				*o++ = *s++;
			}
		}
		if (*s)
			s++;
		*o = '\0';
		if (!after && same(w, "--"))
			after = 1;
		else if (after && nargs < MAXARGS)
			args[nargs++] = w;
		else if (!after && starts(w, "env=") && nenvs < MAXARGS)
			envs[nenvs++] = w + 4;
	}
}

static void fetch_cmdline(void)
{
	struct uhyve_cmdline c = {0};

	hypercall(UHYVE_HC_CMDLINE, &c);
	put_field("cmdline-probe-ret", c.ret, 10);
	c.buf = (uint64_t)(uintptr_t)cmdline;
	c.len = sizeof(cmdline);
	hypercall(UHYVE_HC_CMDLINE, &c);
	if (c.ret) {
		put_field("cmdline-ret", c.ret, 10);
		do_exit(99);
	}
	split(cmdline);
}

static void info(void)
{
	put_field("magic", bi->magic, 16);
	put_field("version", bi->version, 10);
	put_field("platform", bi->platform, 10);
	put_field("cpu_count", bi->cpu_count, 10);
	put_field("tsc_khz_nonzero", bi->tsc_khz != 0, 10);
	put_field("image_start", (int64_t)bi->image_start, 16);
	put_field("cmdline", (int64_t)bi->cmdline, 16);
	put_field("symtab_nonzero", bi->symtab != 0 && bi->symtab_size != 0, 10);
	put_field("strtab_after_symtab", bi->strtab >= bi->symtab + bi->symtab_size, 10);
	put_field("boot_time_nonzero", bi->boot_time_ns != 0, 10);
	put_field("loader_start", (int64_t)bi->loader_start, 16);
	put_field("loader_end", (int64_t)bi->loader_end, 16);
	put_field("mem_count", bi->mem_count, 10);
	put_field("mem0_base", (int64_t)bi->mem[0].base, 16);
	put_field("mem0_len", (int64_t)bi->mem[0].len, 16);
	put_field("mem0_type", bi->mem[0].type, 10);
}

static void misbehave(const char *what)
{
	static struct uhyve_write w;
	static struct uhyve_exit e;

	if (same(what, "badfd")) {
		put_field("badfd-ret", write_fd(7, "x", 1), 10);
		do_exit(0);
	} else if (same(what, "badwrite")) {
		w.fd = 1;
		w.buf = bi->mem[0].len - 16;
		w.len = 100;
		hypercall(UHYVE_HC_WRITE, &w);
	} else if (same(what, "badarg")) {
		hypercall(UHYVE_HC_EXIT, (void *)(uintptr_t)0xfffffff0u);
	} else if (same(what, "badcall")) {
		hypercall(0x42, &e);
	} else if (same(what, "port")) {
		uint8_t v;

		__asm__ volatile("inb %w1, %0" : "=a"(v) : "Nd"((uint16_t)0x3f8));
	} else if (same(what, "sse")) {
		__asm__ volatile("mov $6, %%eax\n\tcvtsi2sd %%eax, %%xmm0\n\t"
				 "mulsd %%xmm0, %%xmm0" ::
				     : "rax");
	} else if (same(what, "triple")) {
		static const struct {
			uint16_t limit;
			uint64_t base;
		} __attribute__((packed)) noidt = {0, 0};

		__asm__ volatile("lidt %0\n\tmovq 0x8000000000000000, %%rax" ::"m"(noidt) : "rax");
	}
	put("misbehaviour survived: ");
	put(what);
	put("\n");
	do_exit(98);
}

void kmain(const struct boot_info *boot_info);

void kmain(const struct boot_info *boot_info)
{
	struct uhyve_hello h = {.guest_abi = UHYVE_ABI_VERSION};
	int i;

	bi = boot_info;
	hypercall(UHYVE_HC_HELLO, &h);
	put("testimage: hello, host ABI ");
	put_num(h.host_abi, 10);
	put("\n");
	fetch_cmdline();
	put("argv[0]=[");
	put((const char *)(uintptr_t)bi->argv0);
	put("]\n");
	for (i = 0; i < nargs; i++) {
		put("argv[");
		put_num(i + 1, 10);
		put("]=[");
		put(args[i]);
		put("]\n");
	}
	for (i = 0; i < nenvs; i++) {
		put("env[");
		put(envs[i]);
		put("]\n");
	}
	write_fd(2, "testimage: to stderr\n", 21);
	if (nargs == 0)
		do_exit(0);
	if (same(args[0], "exit") && nargs > 1)
		do_exit((int)to_int(args[1]));
	if (same(args[0], "info")) {
		info();
		do_exit(0);
	}
	if (same(args[0], "spin") && nargs > 1) {
		for (volatile int64_t n = to_int(args[1]) * 1000000; n > 0; n--)
			;
		do_exit(0);
	}
	misbehave(args[0]);
}
