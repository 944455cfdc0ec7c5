/* SPDX-License-Identifier: MIT */
/*
 * Kernel log with levels. The level is HERMIT_LOG_LEVEL_FILTER: the value
 * given when the kernel was built (HERMIT_LOG_DEFAULT, DESIGN.md D5), unless
 * the command line's environment sets it at run time, up or down. So every
 * call is compiled in and costs one comparison when filtered out.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include "lib.h"

enum log_level { LOG_OFF, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

#ifndef HERMIT_LOG_DEFAULT
#define HERMIT_LOG_DEFAULT LOG_INFO
#endif

extern enum log_level log_level;

void log_print(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set the level by name (Off ... Trace, any case); an unknown name means
 * Info, as at build time. */
void log_set_level(const char *name);

#define klog(level, ...)                                 \
	do {                                             \
		if ((level) <= log_level)                \
			log_print((level), __VA_ARGS__); \
	} while (0)

#define pr_error(...) klog(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...) klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)
#define pr_trace(...) klog(LOG_TRACE, __VA_ARGS__)

#endif
