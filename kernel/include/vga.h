/* SPDX-License-Identifier: MIT */
/*
 * The VGA text console (feature `vga`): the kernel log and the app's
 * stdout and stderr, also shown on the 80x25 text screen, a colour per log
 * level and per stream. The console calls it beside the UART. Without the
 * feature the calls compile to nothing; under uhyve (no VGA) they do nothing.
 */
#ifndef KERNEL_VGA_H
#define KERNEL_VGA_H

#include <stddef.h>
#include <hermit/boot_info.h>
#include "console.h"
#include "log.h"

#ifdef HERMIT_FEATURE_VGA
/* Take the screen if there is one: clear it and show the cursor. */
void vga_init(const struct boot_info *bi);
/* The app's output, or the kernel's text without a log level. */
void vga_write_stream(enum console_stream s, const char *buf, size_t len);
/* A kernel log line, in its level's colour. */
void vga_write_log(enum log_level level, const char *buf, size_t len);
#else
static inline void vga_init(const struct boot_info *bi)
{
}

static inline void vga_write_stream(enum console_stream s, const char *buf, size_t len)
{
}

static inline void vga_write_log(enum log_level level, const char *buf, size_t len)
{
}
#endif

#endif
