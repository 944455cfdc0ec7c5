/* SPDX-License-Identifier: MIT */
/* The kernel command line: "[kernel options] -- [app args]", as in Hermit,
 * with options -ip, -gateway, -mask, -freq and env=KEY=VALUE. */
#include "boot.h"
#include "log.h"
#include "mm.h"

/* Append c to the word being built, growing it as needed. */
static int put(char **w, size_t *len, size_t *cap, char c)
{
	if (*len + 1 >= *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		char *n = kmalloc(ncap);
		if (!n)
			return -1;
		if (*w) {
			kmemcpy(n, *w, *len);
			kfree(*w);
		}
		*w = n;
		*cap = ncap;
	}
	(*w)[(*len)++] = c;
	(*w)[*len] = 0;
	return 0;
}

/* Read one word starting at *sp; returns 1 with *out set, 0 at the end. */
static int next_word(const char **sp, char **out)
{
	const char *s = *sp;
	char *w = NULL, q = 0;
	size_t len = 0, cap = 0;
	bool have = false;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	for (; *s; s++) {
		char c = *s;
		if (!q && (c == ' ' || c == '\t' || c == '\n'))
			break;
		if (!q && (c == '\'' || c == '"')) {
			q = c;
			have = true;
			continue;
		}
		if (q && c == q) {
			q = 0;
			continue;
		}
		if (c == '\\' && s[1] && q != '\'' &&
		    (!q || s[1] == '"' || s[1] == '\\' || s[1] == '$' || s[1] == '`'))
			c = *++s;
		have = true;
		if (put(&w, &len, &cap, c))
			return -1;
	}
	*sp = s;
	if (!have)
		return 0;
	if (!w && put(&w, &len, &cap, 0) == 0)
		w[0] = 0;
	*out = w;
	return w ? 1 : -1;
}

int cmdline_split(const char *s, char ***words)
{
	char **v = kzalloc(sizeof(char *)), *w;
	int n = 0, r;

	if (!v)
		return -1;
	while ((r = next_word(&s, &w)) == 1) {
		char **nv = kzalloc((n + 2) * sizeof(char *));
		if (!nv)
			return -1;
		kmemcpy(nv, v, n * sizeof(char *));
		kfree(v);
		v = nv;
		v[n++] = w;
	}
	*words = v;
	return r < 0 ? -1 : n;
}

static int append(char ***vec, int *n, char *s)
{
	char **nv = kzalloc((*n + 2) * sizeof(char *));

	if (!nv)
		return -1;
	if (*vec) {
		kmemcpy(nv, *vec, *n * sizeof(char *));
		kfree(*vec);
	}
	nv[(*n)++] = s;
	*vec = nv;
	return 0;
}

/* Handle one kernel option at words[i]; returns how many words it used. */
static int kernel_option(char **words, int i, int n, struct cmdline *cl)
{
	const char *o = words[i], *val = i + 1 < n ? words[i + 1] : NULL;

	if (!kstrncmp(o, "env=", 4)) {
		if (!kstrchr(o + 4, '='))
			pr_warn("cmdline: '%s' is not env=KEY=VALUE; ignored", o);
		else if (append(&cl->envp, &cl->envc, words[i] + 4))
			panic("cmdline: out of memory");
		return 1;
	}
	if (!kstrcmp(o, "-freq") || !kstrcmp(o, "-ip") || !kstrcmp(o, "-gateway") ||
	    !kstrcmp(o, "-mask")) {
		if (!val) {
			pr_warn("cmdline: option %s needs a value; ignored", o);
			return 1;
		}
		if (!kstrcmp(o, "-freq") && kparse_u64(val, &cl->freq_mhz))
			pr_warn("cmdline: -freq '%s' is not a number of MHz; ignored", val);
		else if (!kstrcmp(o, "-ip"))
			cl->ip = val;
		else if (!kstrcmp(o, "-gateway"))
			cl->gateway = val;
		else if (!kstrcmp(o, "-mask"))
			cl->mask = val;
		return 2;
	}
	pr_warn("cmdline: unknown kernel option '%s' ignored", o);
	return 1;
}

int cmdline_parse(const char *s, const char *argv0, struct cmdline *cl)
{
	char **words;
	int n = cmdline_split(s, &words), i = 0;

	if (n < 0)
		return -1;
	*cl = (struct cmdline){ 0 };
	if (append(&cl->argv, &cl->argc, (char *)argv0))
		return -1;
	cl->envp = kzalloc(sizeof(char *));
	while (i < n && kstrcmp(words[i], "--"))
		i += kernel_option(words, i, n, cl);
	for (i++; i < n; i++)
		if (append(&cl->argv, &cl->argc, words[i]))
			return -1;
	return cl->envp ? 0 : -1;
}

const char *cmdline_getenv(const struct cmdline *cl, const char *key)
{
	size_t n = kstrlen(key);

	for (int i = 0; i < cl->envc; i++)
		if (!kstrncmp(cl->envp[i], key, n) && cl->envp[i][n] == '=')
			return cl->envp[i] + n + 1;
	return NULL;
}
