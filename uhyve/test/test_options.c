/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of uhyve/options.c: sizes, the command line, and the kernel
 * command line's quoting, checked by splitting it back with a tokenizer
 * that follows the kernel's rules (shell-like: '...', "...", backslash).
 */
#include <limits.h>
#include <stdlib.h>

#include "check.h"
#include "uhyve.h"

#define MAXW 64

static void test_sizes(void)
{
	uint64_t b = 0;

	CHECK(opt_size("64M", &b) == 0 && b == 64 * MIB);
	CHECK(opt_size("64m", &b) == 0 && b == 64 * MIB);
	CHECK(opt_size("1G", &b) == 0 && b == 1ull << 30);
	CHECK(opt_size("512K", &b) == 0 && b == 512 * 1024);
	CHECK(opt_size("4096", &b) == 0 && b == 4096);
	CHECK(opt_size("0", &b) == 0 && b == 0);
	CHECK(opt_size("", &b) < 0);
	CHECK(opt_size("M", &b) < 0);
	CHECK(opt_size("-1M", &b) < 0);
	CHECK(opt_size(" 1M", &b) < 0);
	CHECK(opt_size("1MB", &b) < 0);
	CHECK(opt_size("1T", &b) < 0);
	CHECK(opt_size("1.5G", &b) < 0);
	CHECK(opt_size("18446744073709551615", &b) == 0 && b == UINT64_MAX);
	CHECK(opt_size("18446744073709551616", &b) < 0);
	CHECK(opt_size("17179869184G", &b) < 0); /* 2^64 bytes */
	CHECK(opt_size("17179869183G", &b) == 0);
}

/* Parse a NULL-terminated argv (copied: o keeps pointers into it) with
 * HERMIT_MEMORY=memory and HERMIT_CPUS=cpus (NULL: unset); returns
 * opt_parse's result. */
static int parse_env(struct options *o, const char *memory, const char *cpus, char *err,
		     const char *const *args)
{
	static char *argv[32];
	struct opt_env env = {.memory = memory, .cpus = cpus};
	int argc = 0;

	for (; args[argc] && argc < 31; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	err[0] = '\0';
	return opt_parse(o, argc, argv, &env, err);
}

/* parse_env with HERMIT_MEMORY=env only. */
static int parse(struct options *o, const char *env, char *err, const char *const *args)
{
	return parse_env(o, env, NULL, err, args);
}

#define ARGS(...) ((const char *const[]){"uhyve", __VA_ARGS__, NULL})

static void test_parse(void)
{
	struct options o;
	char err[ERRLEN];

	CHECK(parse(&o, NULL, err, ARGS("img")) == 0 && o.memory == GUEST_MEM_DEFAULT);
	CHECK(!strcmp(o.image, "img") && o.argc == 0 && o.envc == 0 && !o.verbose);
	opt_free(&o);

	CHECK(parse(&o, NULL, err, ARGS("-v", "-m", "128M", "img", "a", "-v", "--", "b")) == 0);
	CHECK(o.verbose && o.memory == 128 * MIB && !strcmp(o.image, "img"));
	CHECK(o.argc == 4 && !strcmp(o.argv[1], "-v") && !strcmp(o.argv[3], "b"));
	opt_free(&o);

	CHECK(parse(&o, NULL, err, ARGS("-m1G", "img")) == 0 && o.memory == 1ull << 30);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--memory=256M", "img")) == 0 && o.memory == 256 * MIB);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--memory", "7M", "img")) == 0 && o.memory == 8 * MIB);
	opt_free(&o);
	CHECK(parse(&o, "32M", err, ARGS("img")) == 0 && o.memory == 32 * MIB);
	opt_free(&o);
	CHECK(parse(&o, "32M", err, ARGS("-m", "16M", "img")) == 0 && o.memory == 16 * MIB);
	opt_free(&o);
	CHECK(parse(&o, "", err, ARGS("img")) == 0 && o.memory == GUEST_MEM_DEFAULT);
	opt_free(&o);

	CHECK(parse(&o, "lots", err, ARGS("img")) < 0 && CONTAINS(err, "HERMIT_MEMORY 'lots'"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-m", "4M", "img")) < 0 && CONTAINS(err, "too small"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-m", "5G", "img")) < 0 && CONTAINS(err, "too large"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-m", "x", "img")) < 0 && CONTAINS(err, "not a size"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-m")) < 0 && CONTAINS(err, "needs a SIZE"));
	opt_free(&o);

	CHECK(parse(&o, NULL, err,
		    ARGS("-e", "A=1", "-eB=x y", "--env=C=", "--env", "D==", "img")) == 0);
	CHECK(o.envc == 4 && !strcmp(o.envv[1], "B=x y") && !strcmp(o.envv[2], "C=") &&
	      !strcmp(o.envv[3], "D=="));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-e", "NOEQUALS", "img")) < 0 &&
	      CONTAINS(err, "KEY=VALUE"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-e", "=v", "img")) < 0);
	opt_free(&o);

	CHECK(parse(&o, NULL, err, ARGS("-x", "img")) < 0 && CONTAINS(err, "unknown option '-x'"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--memoryy=1G", "img")) < 0);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-v")) < 0 && CONTAINS(err, "no IMAGE"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--help")) == 0 && o.help && !o.image);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--check")) == 0 && o.check);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-V")) == 0 && o.version);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--", "-img", "x")) == 0 && !strcmp(o.image, "-img") &&
	      o.argc == 1);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-", "x")) == 0 && !strcmp(o.image, "-"));
	opt_free(&o);
}

static void test_counts(void)
{
	unsigned n = 7;

	CHECK(opt_count("1", &n) == 0 && n == 1);
	CHECK(opt_count("064", &n) == 0 && n == 64);
	CHECK(opt_count("0", &n) == 0 && n == 0);
	CHECK(opt_count("4294967295", &n) == 0 && n == UINT_MAX);
	CHECK(opt_count("99999999999999999999", &n) == 0 && n == UINT_MAX);
	CHECK(opt_count("", &n) < 0);
	CHECK(opt_count("abc", &n) < 0);
	CHECK(opt_count("2x", &n) < 0);
	CHECK(opt_count("-1", &n) < 0);
	CHECK(opt_count("+2", &n) < 0);
	CHECK(opt_count(" 2", &n) < 0);
	CHECK(opt_count("2 ", &n) < 0);
	CHECK(opt_count("1.5", &n) < 0);
}

/* -c/--cpus and HERMIT_CPUS: 1 to CPUS_MAX, the option winning. */
static void test_cpus(void)
{
	struct options o;
	char err[ERRLEN];

	CHECK(parse(&o, NULL, err, ARGS("img")) == 0 && o.cpus == 1);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-c", "4", "img")) == 0 && o.cpus == 4);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-c2", "img")) == 0 && o.cpus == 2);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--cpus", "3", "img")) == 0 && o.cpus == 3);
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--cpus=64", "img", "-c", "9")) == 0 && o.cpus == 64 &&
	      o.argc == 2 && !strcmp(o.argv[0], "-c"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-c", "2", "-c", "1", "img")) == 0 && o.cpus == 1);
	opt_free(&o);

	CHECK(parse(&o, NULL, err, ARGS("-c", "0", "img")) < 0 &&
	      CONTAINS(err, "-c 0: the number of CPUs must be from 1 to 64"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-c", "65", "img")) < 0 &&
	      CONTAINS(err, "-c 65: the number of CPUs must be from 1 to 64"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--cpus=99999999999", "img")) < 0 &&
	      CONTAINS(err, "must be from 1 to 64"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-c", "abc", "img")) < 0 &&
	      CONTAINS(err, "-c 'abc': not a number of CPUs (use 1 to 64)"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-c", "-1", "img")) < 0 &&
	      CONTAINS(err, "not a number of CPUs"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--cpus=", "img")) < 0 &&
	      CONTAINS(err, "not a number of CPUs"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("-c")) < 0 && CONTAINS(err, "-c: needs a number of CPUs"));
	opt_free(&o);
	CHECK(parse(&o, NULL, err, ARGS("--cpus")) < 0 &&
	      CONTAINS(err, "--cpus: needs a number of CPUs"));
	opt_free(&o);

	CHECK(parse_env(&o, NULL, "2", err, ARGS("img")) == 0 && o.cpus == 2);
	opt_free(&o);
	CHECK(parse_env(&o, NULL, "", err, ARGS("img")) == 0 && o.cpus == 1);
	opt_free(&o);
	CHECK(parse_env(&o, "32M", "8", err, ARGS("img")) == 0 && o.cpus == 8 &&
	      o.memory == 32 * MIB);
	opt_free(&o);
	CHECK(parse_env(&o, NULL, "2", err, ARGS("-c", "3", "img")) == 0 && o.cpus == 3);
	opt_free(&o);
	CHECK(parse_env(&o, NULL, "junk", err, ARGS("-c", "3", "img")) == 0 && o.cpus == 3);
	opt_free(&o);
	CHECK(parse_env(&o, NULL, "0", err, ARGS("img")) < 0 &&
	      CONTAINS(err, "HERMIT_CPUS 0: the number of CPUs must be from 1 to 64"));
	opt_free(&o);
	CHECK(parse_env(&o, NULL, "abc", err, ARGS("img")) < 0 &&
	      CONTAINS(err, "HERMIT_CPUS 'abc': not a number of CPUs"));
	opt_free(&o);
}

/* Split s like the kernel: returns the number of words in w (malloc'd). */
static int split(const char *s, char **w)
{
	int n = 0;

	for (;;) {
		char *o;
		int q = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s || n == MAXW)
			return n;
		o = w[n++] = calloc(1, strlen(s) + 1);
		while (*s && (q || (*s != ' ' && *s != '\t' && *s != '\n'))) {
			if (*s == '\'' && q != '"')
				q = q ? 0 : '\'', s++;
			else if (*s == '"' && q != '\'')
				q = q ? 0 : '"', s++;
			else if (*s == '\\' && q != '\'' && s[1])
				*o++ = s[1], s += 2;
			else
				*o++ = *s++;
		}
	}
}

/* Build the command line for argv/env, split it back, compare. */
static int roundtrip(int argc, char **argv, int envc, const char **envv)
{
	struct options o = {.argc = argc, .argv = argv, .envc = envc, .envv = envv};
	char *cl = opt_cmdline(&o), *w[MAXW];
	int n, i, ok;

	if (!cl)
		return 0;
	n = split(cl, w);
	ok = n == envc + 1 + argc && !strcmp(w[envc], "--");
	for (i = 0; ok && i < envc; i++)
		ok = !strncmp(w[i], "env=", 4) && !strcmp(w[i] + 4, envv[i]);
	for (i = 0; ok && i < argc; i++)
		ok = !strcmp(w[envc + 1 + i], argv[i]);
	if (!ok)
		printf("roundtrip failed for command line: %s\n", cl);
	for (i = 0; i < n; i++)
		free(w[i]);
	free(cl);
	return ok;
}

static void test_quoting(void)
{
	char *args[] = {"plain", "two words", "it's",	   "\"dq\"",	   "back\\slash",
			"",	 "ünï cödé",  "tab\there", "new\nline",	   "--",
			"'",	 "''",	      "\\",	   "a b'c\"d\\e f"};
	const char *envs[] = {"A=1", "B=x y", "C='q'", "EMPTY=", "U=ü"};
	struct options o = {.argc = 2, .argv = args};
	char *cl;
	char buf[64];

	CHECK(roundtrip(14, args, 5, envs));
	CHECK(roundtrip(0, args, 0, envs));
	cl = opt_cmdline(&o);
	CHECK(cl && !strcmp(cl, "-- plain 'two words'"));
	free(cl);
	o = (struct options){.envc = 1, .envv = envs + 1};
	cl = opt_cmdline(&o);
	CHECK(cl && !strcmp(cl, "'env=B=x y' --"));
	free(cl);
	CHECK(opt_quote(NULL, "it's") == 9);
	buf[opt_quote(buf, "it's")] = '\0';
	CHECK(!strcmp(buf, "'it'\\''s'"));
}

/* Random arguments of random bytes (1..255) and lengths survive. */
static void test_quoting_fuzz(void)
{
	int round, bad = 0;

	for (round = 0; round < 2000; round++) {
		char *args[8];
		const char *envs[4];
		char *ebuf[4];
		int argc = (int)(check_rand() % 8), envc = (int)(check_rand() % 4), i, j;

		for (i = 0; i < argc + envc; i++) {
			int len = (int)(check_rand() % 12);
			char *s = malloc((size_t)len + 3);

			/* env strings are "K=" and random bytes, args only random */
			s[0] = 'K';
			s[1] = '=';
			for (j = 0; j < len; j++)
				s[2 + j] = (char)(check_rand() % 255 + 1);
			s[2 + len] = '\0';
			if (i < argc) {
				args[i] = s + 2;
			} else {
				ebuf[i - argc] = s;
				envs[i - argc] = s;
			}
		}
		bad += !roundtrip(argc, args, envc, envs);
		for (i = 0; i < argc; i++)
			free(args[i] - 2);
		for (i = 0; i < envc; i++)
			free(ebuf[i]);
	}
	CHECK(bad == 0);
}

static void test_tap(void)
{
	struct options o;
	struct opt_env env = {.tap = "tapenv"};
	char err[ERRLEN];
	uint8_t m[6];
	char *argv[] = {"uhyve", "--tap", "tap0", "--mac=02:aB:00:ff:10:01", "img", NULL};
	char *argv2[] = {"uhyve", "img", NULL};
	char *argv3[] = {"uhyve", "--mac", "02:00:00:00:00", "img", NULL};
	char *argv4[] = {"uhyve", "img", "--tap", "x", NULL};

	CHECK(opt_mac("02:48:43:0a:BC:ff", m) == 0 && m[0] == 2 && m[3] == 10 && m[4] == 0xbc &&
	      m[5] == 0xff);
	CHECK(opt_mac("03:00:00:00:00:01", m) < 0); /* multicast */
	CHECK(opt_mac("02:00:00:00:00", m) < 0);
	CHECK(opt_mac("02:00:00:00:00:00:00", m) < 0);
	CHECK(opt_mac("02-00-00-00-00-00", m) < 0);
	CHECK(opt_mac("0g:00:00:00:00:00", m) < 0);
	CHECK(opt_mac("2:00:00:00:00:000", m) < 0);
	CHECK(opt_parse(&o, 5, argv, &env, err) == 0 && !strcmp(o.tap, "tap0") && o.mac_set &&
	      o.mac[1] == 0xab && o.mac[5] == 1);
	opt_free(&o);
	CHECK(opt_parse(&o, 2, argv2, &env, err) == 0 && !strcmp(o.tap, "tapenv") && !o.mac_set);
	opt_free(&o);
	CHECK(opt_parse(&o, 4, argv3, &env, err) < 0 && CONTAINS(err, "--mac '02:00:00:00:00'"));
	opt_free(&o);
	CHECK(opt_parse(&o, 4, argv4, &env, err) == 0 && !strcmp(o.tap, "tapenv") && o.argc == 2);
	opt_free(&o);
}

int main(void)
{
	test_sizes();
	test_tap();
	test_parse();
	test_counts();
	test_cpus();
	test_quoting();
	test_quoting_fuzz();
	return check_done("test_options");
}
