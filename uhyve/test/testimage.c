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
 * With several CPUs (uhyve -c N) every CPU enters at _start with RSI = its
 * id; the application processors wait until CPU 0 has read the command
 * line, then halt, unless the first argument is one of:
 *   smp           every CPU checks its entry state (APIC id, CPUID, stack)
 *                 and says "cpu N up (...)" in one WRITE; the last to
 *                 arrive exits with the number of CPUs up (99 if a check
 *                 failed)
 *   smp-spam N    every CPU first writes N long lines, one WRITE each
 *   smp-exit N    the last CPU exits with N while CPU 0 computes
 *   smp-read N    the last CPU exits with N while CPU 0 waits in READ
 *   smp-crash     the last CPU triple-faults while CPU 0 computes
 *   smp-badcall   the last CPU makes an unknown hypercall
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
#define MAXCPUS 64

static char cmdline[4096];
static char *args[MAXARGS], *envs[MAXARGS];
static int nargs, nenvs;
static const struct boot_info *bi;

/* Shared by the CPUs: CPU 0 sets mode, then go; each CPU records its
 * entry stack, marks a failed check in bad, then counts itself in up. */
static const char *mode = "";
static int go;
static uint32_t up, bad, reading;
static uint64_t stacks[MAXCPUS];

/* kmain(boot_info, cpu id, the stack pointer uhyve gave this CPU) */
__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdx\n"
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

/* Not inlined, so that crash reports name it. */
__attribute__((noinline)) static void misbehave(const char *what)
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

/* ---- several CPUs ---- */

/* A line built in memory, so that it goes out in one WRITE. */
struct line {
	char s[256];
	unsigned n;
};

static void line_put(struct line *l, const char *s)
{
	while (*s && l->n < sizeof(l->s) - 1)
		l->s[l->n++] = *s++;
}

static void line_num(struct line *l, uint64_t v, unsigned base)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = '\0';
	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	line_put(l, p);
}

static void line_write(struct line *l)
{
	write_fd(1, l->s, l->n);
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* This CPU's local APIC id, read from the LAPIC in x2APIC mode. */
static uint32_t lapic_id(void)
{
	wrmsr(0x1b, rdmsr(0x1b) | 3u << 10); /* IA32_APIC_BASE: enable, x2APIC */
	return (uint32_t)rdmsr(0x802);	     /* x2APIC ID */
}

/* The initial APIC id that CPUID leaf 1 reports. */
static uint32_t cpuid_apic_id(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b >> 24;
}

__attribute__((noreturn)) static void halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

__attribute__((noreturn)) static void compute(void)
{
	for (volatile uint64_t n = 0;; n++)
		;
}

/* The entry stack sp of CPU cpu is inside uhyve's area, 16-byte aligned. */
static int stack_ok(uint64_t sp)
{
	return sp % 16 == 0 && sp > bi->loader_start && sp <= bi->loader_end &&
	       sp <= HERMIT_IMAGE_BASE;
}

/* Every pair of entry stacks is at least 4 KiB apart. */
static int stacks_apart(uint32_t n)
{
	uint32_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (stacks[i] - stacks[j] + 4095 < 8191) /* |difference| < 4096 */
				return 0;
	return 1;
}

/* Check this CPU's entry state, say so in one line and count it in. The
 * last CPU to arrive exits with the count; CPU 0 waits up to 10 s (of
 * TSC) for the others and then exits with what it has; the rest halt. */
__attribute__((noreturn)) static void check_in(uint32_t cpu, uint64_t sp)
{
	uint32_t apic = lapic_id(), cid = cpuid_apic_id(), n = bi->cpu_count, got;
	uint64_t t0 = rdtsc(), limit = bi->tsc_khz ? bi->tsc_khz * 10000 : UINT64_MAX;
	struct line l = {.n = 0};

	if (apic != cpu || cid != cpu || !stack_ok(sp) || cpu >= n)
		__atomic_store_n(&bad, 1, __ATOMIC_SEQ_CST);
	line_put(&l, "cpu ");
	line_num(&l, cpu, 10);
	line_put(&l, " up (apic id ");
	line_num(&l, apic, 10);
	line_put(&l, ", cpuid apic id ");
	line_num(&l, cid, 10);
	line_put(&l, stack_ok(sp) ? ", stack ok)\n" : ", stack bad: 0x");
	if (!stack_ok(sp)) {
		line_num(&l, sp, 16);
		line_put(&l, ")\n");
	}
	line_write(&l);
	got = __atomic_add_fetch(&up, 1, __ATOMIC_SEQ_CST);
	if (got == n) {
		if (__atomic_load_n(&bad, __ATOMIC_SEQ_CST) || !stacks_apart(n)) {
			put("smp: a CPU's entry state was wrong\n");
			do_exit(99);
		}
		do_exit((int)got);
	}
	if (cpu != 0)
		halt();
	while (__atomic_load_n(&up, __ATOMIC_SEQ_CST) < n && rdtsc() - t0 < limit)
		__asm__ volatile("pause");
	got = __atomic_load_n(&up, __ATOMIC_SEQ_CST);
	if (got == n)
		halt(); /* the last one is exiting */
	l.n = 0;
	line_put(&l, "smp: only ");
	line_num(&l, got, 10);
	line_put(&l, " of ");
	line_num(&l, n, 10);
	line_put(&l, " CPUs came up\n");
	line_write(&l);
	do_exit((int)got);
}

/* smp-spam: count long lines, one WRITE each, then check in. */
static void spam(uint32_t cpu, int64_t count)
{
	struct line l;
	int64_t i;
	int k;

	for (i = 0; i < count; i++) {
		l.n = 0;
		line_put(&l, "spam cpu ");
		line_num(&l, cpu, 10);
		line_put(&l, " line ");
		line_num(&l, (uint64_t)i, 10);
		line_put(&l, ": ");
		for (k = 0; k < 120; k++)
			l.s[l.n++] = (char)('a' + cpu % 26);
		line_put(&l, "\n");
		line_write(&l);
	}
}

/* smp-read on CPU 0: wait in READ for input, say what came, halt. */
__attribute__((noreturn)) static void read_stdin(void)
{
	static char buf[64];
	struct uhyve_read r = {.fd = 0, .buf = (uint64_t)(uintptr_t)buf, .len = sizeof(buf)};

	__atomic_store_n(&reading, 1, __ATOMIC_SEQ_CST);
	hypercall(UHYVE_HC_READ, &r);
	put_field("read-ret", r.ret, 10);
	halt();
}

/* smp-read on the last CPU: once CPU 0 is about to read, give it 100 ms
 * (of TSC) to block in it, then exit with code. */
__attribute__((noreturn)) static void exit_during_read(int code)
{
	uint64_t t0;

	while (!__atomic_load_n(&reading, __ATOMIC_SEQ_CST))
		__asm__ volatile("pause");
	t0 = rdtsc();
	while (rdtsc() - t0 < bi->tsc_khz * 100)
		__asm__ volatile("pause");
	do_exit(code);
}

/* What CPU cpu (entered on stack sp) does in the smp- modes; returns if
 * the mode is not one. */
static void smp_mode(uint32_t cpu, uint64_t sp)
{
	uint32_t last = bi->cpu_count ? bi->cpu_count - 1 : 0;

	stacks[cpu < MAXCPUS ? cpu : 0] = sp;
	if (same(mode, "smp"))
		check_in(cpu, sp);
	if (same(mode, "smp-spam") && nargs > 1) {
		spam(cpu, to_int(args[1]));
		check_in(cpu, sp);
	}
	if (same(mode, "smp-read") && cpu == 0 && cpu != last)
		read_stdin();
	if (starts(mode, "smp-") && cpu != last) {
		if (cpu == 0)
			compute();
		halt();
	}
	if (same(mode, "smp-exit") && nargs > 1)
		do_exit((int)to_int(args[1]));
	if (same(mode, "smp-read") && nargs > 1)
		exit_during_read((int)to_int(args[1]));
	if (same(mode, "smp-crash"))
		misbehave("triple");
	if (same(mode, "smp-badcall"))
		misbehave("badcall");
}

/* An application processor: wait for CPU 0's go, then do what the mode
 * says, or halt. */
__attribute__((noreturn)) static void ap_main(uint32_t cpu, uint64_t sp)
{
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
	smp_mode(cpu, sp);
	halt();
}

void kmain(const struct boot_info *boot_info, uint64_t cpu, uint64_t sp);

void kmain(const struct boot_info *boot_info, uint64_t cpu, uint64_t sp)
{
	struct uhyve_hello h = {.guest_abi = UHYVE_ABI_VERSION};
	int i;

	bi = boot_info;
	if (cpu != 0)
		ap_main((uint32_t)cpu, sp);
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
	if (nargs > 0)
		mode = args[0];
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	smp_mode(0, sp);
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
