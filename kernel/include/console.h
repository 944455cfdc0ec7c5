/* SPDX-License-Identifier: MIT */
/* The console: where the kernel log and the app's stdout/stderr go. Under
 * QEMU that is the 16550 UART; under uhyve, the WRITE hypercall. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>
#include <hermit/boot_info.h>
#include "log.h"

enum console_stream { CONSOLE_OUT = 1, CONSOLE_ERR = 2 };

void console_init(const struct boot_info *bi);
void console_write(enum console_stream s, const char *buf, size_t len);
/* A kernel log line at its level, on CONSOLE_ERR (the VGA screen colours it). */
void console_write_log(enum log_level level, const char *buf, size_t len);

#endif
