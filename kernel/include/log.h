/* SPDX-License-Identifier: MIT */
/*
 * Kernel log with levels. HERMIT_LOG_MAX is the compile-time filter (from
 * HERMIT_LOG_LEVEL_FILTER when the kernel is built, DESIGN.md D5): calls
 * above it compile to nothing.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include "lib.h"

enum log_level { LOG_OFF, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

#ifndef HERMIT_LOG_MAX
#define HERMIT_LOG_MAX LOG_INFO
#endif

void log_print(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define klog(level, ...)                                 \
	do {                                             \
		if ((level) <= HERMIT_LOG_MAX)           \
			log_print((level), __VA_ARGS__); \
	} while (0)

#define pr_error(...) klog(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...) klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)
#define pr_trace(...) klog(LOG_TRACE, __VA_ARGS__)

#endif
