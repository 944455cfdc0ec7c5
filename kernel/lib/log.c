/* SPDX-License-Identifier: MIT */
/* Log lines: "[hermit SECONDS.MICROS] LEVEL message", on the kernel stream. */
#include "clock.h"
#include "console.h"
#include "log.h"

static const char *const level_names[] = { "OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE" };

enum log_level log_level = HERMIT_LOG_DEFAULT;

void log_set_level(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (!kstrcasecmp(name, level_names[i])) {
			log_level = i;
			return;
		}
	}
	log_level = LOG_INFO;
	pr_warn("log: unknown level '%s' in HERMIT_LOG_LEVEL_FILTER; using Info", name);
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(CONSOLE_ERR, buf, MIN((size_t)n, sizeof(buf) - 1));
}

void log_print(enum log_level level, const char *fmt, ...)
{
	char buf[512];
	uint64_t us = clock_uptime_ns() / 1000;
	va_list ap;
	int n;

	n = ksnprintf(buf, sizeof(buf), "[hermit %u.%06u] %-5s ", (unsigned)(us / 1000000),
		      (unsigned)(us % 1000000), level_names[level]);
	va_start(ap, fmt);
	n += kvsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	n = MIN((size_t)n, sizeof(buf) - 2);
	buf[n++] = '\n';
	console_write_log(level, buf, n);
}
