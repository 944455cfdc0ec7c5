/* SPDX-License-Identifier: MIT */
/* The console: UART under QEMU, hypercalls under uhyve; with the feature
 * `vga`, also the VGA text screen. */
#include <hermit/uart.h>
#include "console.h"
#include "spinlock.h"
#include "uhyve.h"
#include "vga.h"

static uint16_t serial_port;
/* One writer at a time: the UART, the VGA cursor and uhyve's bounce buffer
 * are shared by all CPUs. */
static struct spinlock lock;

void console_init(const struct boot_info *bi)
{
	vga_init(bi);
	if (bi->platform == HERMIT_PLATFORM_UHYVE) {
		uhyve_init();
		return;
	}
	if (bi->serial_port && uart_init(bi->serial_port) == 0)
		serial_port = bi->serial_port;
}

static void emit(enum console_stream s, const char *buf, size_t len)
{
	if (uhyve_present())
		uhyve_write(s, buf, len);
	else if (serial_port)
		uart_write(serial_port, buf, len);
}

void console_write(enum console_stream s, const char *buf, size_t len)
{
	spin_lock(&lock);
	emit(s, buf, len);
	vga_write_stream(s, buf, len);
	spin_unlock(&lock);
}

void console_write_log(enum log_level level, const char *buf, size_t len)
{
	spin_lock(&lock);
	emit(CONSOLE_ERR, buf, len);
	vga_write_log(level, buf, len);
	spin_unlock(&lock);
}
