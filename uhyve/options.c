/* SPDX-License-Identifier: MIT */
/*
 * uhyve's command line: `uhyve [options] IMAGE [args...]`, memory sizes,
 * and the kernel command line built from -e options and the app's
 * arguments ("[kernel options] -- [app args]", the syntax hermit-loader
 * passes under QEMU, quoted so the kernel's shell-like tokenizer splits it
 * back into exactly the same strings).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uhyve.h"

void opt_usage(void)
{
	printf("usage: uhyve [options] IMAGE [args...]\n"
	       "       uhyve --check\n"
	       "\n"
	       "Runs the hermit-c image IMAGE on KVM; args become the app's argv[1..]\n"
	       "(argv[0] is IMAGE). Options stop at IMAGE (or at --).\n"
	       "\n"
	       "  -m, --memory SIZE    guest memory, K/M/G suffixes (default 64M, at least 6M,\n"
	       "                       at most 4064M); HERMIT_MEMORY=SIZE is used when not given\n"
	       "  -c, --cpus N         virtual CPUs, 1 to 64 (default 1); HERMIT_CPUS=N is used\n"
	       "                       when not given\n"
	       "  -e, --env KEY=VALUE  put KEY=VALUE in the app's environment (repeatable)\n"
	       "      --mount HOST_DIR:GUEST_PATH\n"
	       "                       share the host directory HOST_DIR at the absolute\n"
	       "                       GUEST_PATH (repeatable, at most 16); nothing outside\n"
	       "                       HOST_DIR is reachable (no .., no symlinks out)\n"
	       "      --tap IFNAME     give the guest a virtio-net NIC on the existing tap\n"
	       "                       device IFNAME; HERMIT_TAP=IFNAME is used when not given\n"
	       "      --mac MAC        the NIC's MAC address, xx:xx:xx:xx:xx:xx (default: a\n"
	       "                       random locally administered one, 02:48:43:..)\n"
	       "  -v, --verbose        report load and boot times, VM exits and the exit code\n"
	       "                       on stderr\n"
	       "      --check          run only a probe guest: can this host's KVM run\n"
	       "                       hermit-c guests (0), or not (72)?\n"
	       "  -h, --help           this text\n"
	       "  -V, --version        uhyve's version and hypercall ABI\n"
	       "\n"
	       "Exit status: the app's exit code (0-255), or for uhyve's own failures:\n"
	       "  64  bad command line\n"
	       "  65  the image cannot be loaded (missing, not ELF, not hermit-c, too big)\n"
	       "  69  KVM is not usable (no /dev/kvm, a KVM call failed, no memory), or the\n"
	       "      --tap device cannot be opened\n"
	       "  70  the guest made a bad hypercall, used an unknown I/O port, or broke the\n"
	       "      virtio protocol (a malformed virtqueue or descriptor chain)\n"
	       "  71  the guest died without exiting (triple fault, access outside RAM)\n"
	       "  72  this host's KVM cannot run the guest (it emulates instructions and\n"
	       "      fails, e.g. on SSE): use hermit-qemu instead\n");
}

/* Parse a size: digits with an optional K, M or G suffix (powers of 1024). */
int opt_size(const char *s, uint64_t *bytes)
{
	const char *p = s;
	uint64_t v = 0;
	unsigned shift = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		p++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		p++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		p++;
		break;
	default:
		return -1;
	}
	if (*p != '\0' || v > (UINT64_MAX >> shift))
		return -1;
	*bytes = v << shift;
	return 0;
}

/* Set o->memory from SIZE given by `what` (-m or HERMIT_MEMORY). */
static int opt_memory(struct options *o, const char *what, const char *size, char *err)
{
	uint64_t b;

	if (opt_size(size, &b) < 0) {
		snprintf(err, ERRLEN, "%s '%s': not a size (use e.g. 64M or 1G)", what, size);
		return -1;
	}
	if (b < GUEST_MEM_MIN) {
		snprintf(
		    err, ERRLEN,
		    "%s %s: too small: guest memory must be at least %lluM (images load at 4 MiB)",
		    what, size, (unsigned long long)(GUEST_MEM_MIN / MIB));
		return -1;
	}
	if (b > GUEST_MEM_MAX) {
		snprintf(err, ERRLEN,
			 "%s %s: too large: guest memory can be at most %lluM (it ends below the "
			 "APIC window at 0xfec00000)",
			 what, size, (unsigned long long)(GUEST_MEM_MAX / MIB));
		return -1;
	}
	o->memory = (b + PAGE_2M - 1) & ~(PAGE_2M - 1);
	return 0;
}

/* Parse a count: decimal digits only, no sign, no suffix; 0 or -1. A
 * count too large for unsigned becomes UINT_MAX, which every limit refuses. */
int opt_count(const char *s, unsigned *n)
{
	unsigned v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v > (UINT_MAX - 9) / 10 ? UINT_MAX : v * 10 + (unsigned)(*s - '0');
	}
	*n = v;
	return 0;
}

/* Parse a MAC address xx:xx:xx:xx:xx:xx (hex digits, either case) that is
 * not a multicast address; 0 or -1. */
int opt_mac(const char *s, uint8_t *mac)
{
	unsigned i, k;

	for (i = 0; i < 6; i++) {
		unsigned v = 0;

		for (k = 0; k < 2; k++, s++) {
			unsigned d = *s >= '0' && *s <= '9'   ? (unsigned)(*s - '0')
				     : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
				     : *s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10)
							      : 16;

			if (d > 15)
				return -1;
			v = v * 16 + d;
		}
		if (*s != (i < 5 ? ':' : '\0'))
			return -1;
		s += i < 5;
		mac[i] = (uint8_t)v;
	}
	return mac[0] & 1 ? -1 : 0;
}

/* Set o->cpus from N given by `what` (-c or HERMIT_CPUS). */
static int opt_cpus(struct options *o, const char *what, const char *n, char *err)
{
	unsigned v;

	if (opt_count(n, &v) < 0) {
		snprintf(err, ERRLEN, "%s '%s': not a number of CPUs (use 1 to %u)", what, n,
			 CPUS_MAX);
		return -1;
	}
	if (v < 1 || v > CPUS_MAX) {
		snprintf(err, ERRLEN, "%s %s: the number of CPUs must be from 1 to %u", what, n,
			 CPUS_MAX);
		return -1;
	}
	o->cpus = v;
	return 0;
}

/* If argv[*i] is option `s` or `l`, set *val to its value (attached, or the
 * next argument) and return 1; 0 if it is another option; -1 if the value
 * is missing. */
static int opt_value(int argc, char **argv, int *i, const char *s, const char *l, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(l);

	if (!strcmp(a, s) || !strcmp(a, l)) {
		if (*i + 1 >= argc)
			return -1;
		*val = argv[++*i];
		return 1;
	}
	if (!strncmp(a, l, n) && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (!strncmp(a, s, 2) && a[1] != '-' && a[2]) {
		*val = a + 2;
		return 1;
	}
	return 0;
}

/* Record one -e KEY=VALUE. */
static int opt_env(struct options *o, const char *kv, char *err)
{
	const char *eq = strchr(kv, '=');
	const char **v;

	if (!eq || eq == kv) {
		snprintf(err, ERRLEN, "-e '%s': expected KEY=VALUE", kv);
		return -1;
	}
	v = realloc(o->envv, sizeof(*v) * (size_t)(o->envc + 1));
	if (!v) {
		snprintf(err, ERRLEN, "-e: out of memory");
		return -1;
	}
	o->envv = v;
	o->envv[o->envc++] = kv;
	return 0;
}

/* Record one --mount HOST_DIR:GUEST_PATH (split at the last ':'); the
 * host directory is opened at boot (hostfs.c). 0 or -1 with err set. */
int opt_mount(struct options *o, const char *arg, char *err)
{
	const char *colon = strrchr(arg, ':');
	struct opt_mount *m;
	const char *guest;
	size_t hlen;

	if (!colon || colon == arg || !colon[1]) {
		snprintf(err, ERRLEN, "--mount '%s': expected HOST_DIR:GUEST_PATH", arg);
		return -1;
	}
	guest = colon + 1;
	hlen = (size_t)(colon - arg);
	if (guest[0] != '/') {
		snprintf(err, ERRLEN, "--mount '%s': the guest path '%s' must be absolute", arg,
			 guest);
		return -1;
	}
	if (!strcmp(guest, "/") || strchr(guest, ',') || strlen(guest) >= 4096) {
		snprintf(err, ERRLEN,
			 "--mount '%s': the guest path must not be '/', contain ',' or be longer "
			 "than 4095 bytes",
			 arg);
		return -1;
	}
	if (o->mountc >= HFS_MOUNTS_MAX) {
		snprintf(err, ERRLEN, "--mount '%s': at most %d mounts", arg, HFS_MOUNTS_MAX);
		return -1;
	}
	m = realloc(o->mounts, sizeof(*m) * (size_t)(o->mountc + 1));
	if (!m) {
		snprintf(err, ERRLEN, "--mount: out of memory");
		return -1;
	}
	o->mounts = m;
	m += o->mountc;
	m->host = strndup(arg, hlen);
	m->guest = strdup(guest);
	if (!m->host || !m->guest) {
		free(m->host);
		free(m->guest);
		snprintf(err, ERRLEN, "--mount: out of memory");
		return -1;
	}
	o->mountc++;
	return 0;
}

/* Handle the option at argv[*i]; 0 or -1 with err set. */
static int opt_one(struct options *o, int argc, char **argv, int *i, char *err)
{
	const char *a = argv[*i], *val;
	int r;

	if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
		o->verbose = true;
	else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		o->help = true;
	else if (!strcmp(a, "-V") || !strcmp(a, "--version"))
		o->version = true;
	else if (!strcmp(a, "--check"))
		o->check = true;
	else if ((r = opt_value(argc, argv, i, "-m", "--memory", &val)) != 0)
		return r < 0 ? (snprintf(err, ERRLEN, "%s: needs a SIZE", a), -1)
			     : opt_memory(o, "-m", val, err);
	else if ((r = opt_value(argc, argv, i, "-c", "--cpus", &val)) != 0)
		return r < 0 ? (snprintf(err, ERRLEN, "%s: needs a number of CPUs", a), -1)
			     : opt_cpus(o, "-c", val, err);
	else if ((r = opt_value(argc, argv, i, "-e", "--env", &val)) != 0)
		return r < 0 ? (snprintf(err, ERRLEN, "%s: needs KEY=VALUE", a), -1)
			     : opt_env(o, val, err);
	else if ((r = opt_value(argc, argv, i, "--mount", "--mount", &val)) != 0)
		return r < 0 ? (snprintf(err, ERRLEN, "%s: needs HOST_DIR:GUEST_PATH", a), -1)
			     : opt_mount(o, val, err);
	else if ((r = opt_value(argc, argv, i, "--tap", "--tap", &val)) != 0)
		return r < 0 ? (snprintf(err, ERRLEN, "%s: needs an interface name", a), -1)
			     : (o->tap = val, 0);
	else if ((r = opt_value(argc, argv, i, "--mac", "--mac", &val)) != 0) {
		if (r < 0 || opt_mac(val, o->mac) < 0) {
			snprintf(err, ERRLEN,
				 "--mac '%s': expected a unicast MAC address xx:xx:xx:xx:xx:xx",
				 r < 0 ? "" : val);
			return -1;
		}
		o->mac_set = true;
	} else {
		snprintf(err, ERRLEN, "unknown option '%s' (see uhyve --help)", a);
		return -1;
	}
	return 0;
}

/* Parse argv into o. env holds $HERMIT_MEMORY and $HERMIT_CPUS (NULL or
 * empty: not set); the options win. */
int opt_parse(struct options *o, int argc, char **argv, const struct opt_env *env, char *err)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->memory = GUEST_MEM_DEFAULT;
	if (env->memory && *env->memory && opt_memory(o, "HERMIT_MEMORY", env->memory, err) < 0)
		return -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (opt_one(o, argc, argv, &i, err) < 0)
			return -1;
	}
	if (!o->cpus && env->cpus && *env->cpus && opt_cpus(o, "HERMIT_CPUS", env->cpus, err) < 0)
		return -1;
	if (!o->cpus)
		o->cpus = 1;
	if (!o->tap && env->tap && *env->tap)
		o->tap = env->tap;
	if (i < argc) {
		o->image = argv[i];
		o->argc = argc - i - 1;
		o->argv = argv + i + 1;
	}
	if (!o->image && !o->help && !o->version && !o->check) {
		snprintf(err, ERRLEN, "no IMAGE given (see uhyve --help)");
		return -1;
	}
	return 0;
}

void opt_free(struct options *o)
{
	int i;

	for (i = 0; i < o->mountc; i++) {
		free(o->mounts[i].host);
		free(o->mounts[i].guest);
	}
	free(o->mounts);
	o->mounts = NULL;
	o->mountc = 0;
	free(o->envv);
	o->envv = NULL;
	o->envc = 0;
}

/* Does s need quoting to survive the kernel's tokenizer as one word? */
static int opt_needs_quotes(const char *s)
{
	if (!*s)
		return 1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == 0x7f || c == '\'' || c == '"' || c == '\\')
			return 1;
	}
	return 0;
}

/* Write src to dst as one tokenizer word (dst NULL: only measure); returns
 * the length without a NUL. Words that need it are put in single quotes,
 * with each ' written as '\'' (close, escaped quote, reopen). */
size_t opt_quote(char *dst, const char *src)
{
	size_t n = 0;

#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (dst)                                                                           \
			dst[n] = (c);                                                              \
		n++;                                                                               \
	} while (0)
	if (!opt_needs_quotes(src)) {
		for (; *src; src++)
			PUT(*src);
		return n;
	}
	PUT('\'');
	for (; *src; src++) {
		if (*src == '\'') {
			PUT('\'');
			PUT('\\');
			PUT('\'');
			PUT('\'');
		} else {
			PUT(*src);
		}
	}
	PUT('\'');
#undef PUT
	return n;
}

/* Write prefix+word as one quoted word into dst (NULL: measure); returns
 * its length, or (size_t)-1 when out of memory. */
static size_t opt_word(char *dst, const char *prefix, const char *word)
{
	size_t n;
	char *w = malloc(strlen(prefix) + strlen(word) + 1);

	if (!w)
		return (size_t)-1;
	strcpy(w, prefix);
	strcat(w, word);
	n = opt_quote(dst, w);
	free(w);
	return n;
}

/* "HERMIT_MOUNTS=P0,P1,..." of the --mount guest paths, malloc'd; NULL
 * when out of memory. */
static char *opt_mounts_env(const struct options *o)
{
	size_t n = sizeof("HERMIT_MOUNTS=");
	char *s;
	int i;

	for (i = 0; i < o->mountc; i++)
		n += strlen(o->mounts[i].guest) + 1;
	if (!(s = malloc(n)))
		return NULL;
	strcpy(s, "HERMIT_MOUNTS=");
	for (i = 0; i < o->mountc; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, o->mounts[i].guest);
	}
	return s;
}

/* Build the kernel command line "env=K=V... [env=HERMIT_MOUNTS=...] --
 * args..." into dst (NULL: measure); returns its length, or (size_t)-1
 * when out of memory. */
static size_t opt_build(const struct options *o, char *dst)
{
	size_t n = 0, w;
	int i, envc = o->envc + (o->mountc > 0);

	for (i = 0; i < envc + 1 + o->argc; i++) {
		char *at = dst ? dst + n + (i > 0) : NULL;

		if (i > 0 && dst)
			dst[n] = ' ';
		n += i > 0;
		if (i < o->envc) {
			w = opt_word(at, "env=", o->envv[i]);
		} else if (i < envc) {
			char *m = opt_mounts_env(o);

			w = m ? opt_word(at, "env=", m) : (size_t)-1;
			free(m);
		} else if (i == envc) {
			w = opt_word(at, "", "--");
		} else {
			w = opt_word(at, "", o->argv[i - envc - 1]);
		}
		if (w == (size_t)-1)
			return w;
		n += w;
	}
	return n;
}

/* The kernel command line, malloc'd; NULL when out of memory. */
char *opt_cmdline(const struct options *o)
{
	size_t n = opt_build(o, NULL);
	char *s;

	if (n == (size_t)-1 || !(s = malloc(n + 1)))
		return NULL;
	if (opt_build(o, s) != n) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	return s;
}
