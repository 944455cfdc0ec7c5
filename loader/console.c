/* SPDX-License-Identifier: MIT */
/* The loader's voice (COM1) and its way out (power off, reset, halt). */
#include <hermit/acpi.h>
#include <hermit/portio.h>
#include <hermit/uart.h>
#include "loader.h"

enum {
	DEBUG_EXIT_PORT = 0xf4, /* QEMU's isa-debug-exit, when present */
	KBC_COMMAND = 0x64,
	KBC_PULSE_RESET = 0xfe,
	UART_LSR = 5,
	LSR_TEMT = 0x40, /* transmitter empty: the last byte has left */
};

static uint16_t console_port; /* 0: no UART answered, stay silent */

uint16_t console_init(void)
{
	if (uart_init(UART_COM1) == 0)
		console_port = UART_COM1;
	return console_port;
}

static void put(const char *s, size_t n)
{
	if (console_port)
		uart_write(console_port, s, n);
}

static void put_str(const char *s)
{
	put(s, strlen(s));
}

/* Unsigned n in base 10 or 16; 32-bit only for decimal (no libgcc here). */
static void put_num(uint64_t n, unsigned base)
{
	char buf[20];
	int i = sizeof(buf);

	do {
		buf[--i] = "0123456789abcdef"[base == 16 ? n & 15 : (uint32_t)n % 10];
		n = base == 16 ? n >> 4 : (uint32_t)n / 10;
	} while (n);
	put(buf + i, sizeof(buf) - i);
}

/* printf for %s %c %u %x %llx and %%: all that the loader says. */
static void vprint(const char *fmt, va_list ap)
{
	char c;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(fmt, 1);
			continue;
		}
		switch (*++fmt) {
		case 's':
			put_str(va_arg(ap, const char *));
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			put(&c, 1);
			break;
		case 'u':
			put_num(va_arg(ap, unsigned), 10);
			break;
		case 'x':
			put_num(va_arg(ap, unsigned), 16);
			break;
		case 'l': /* only %llx */
			while (*fmt == 'l')
				fmt++;
			put_num(va_arg(ap, unsigned long long), 16);
			break;
		case '%':
			put("%", 1);
			break;
		default:
			return;
		}
	}
}

void lprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	put_str("hermit-loader: ");
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	put_str("\n");
	machine_off();
}

/* Let the UART shift out the last byte before the power goes. */
static void console_drain(void)
{
	for (int i = 0; console_port && i < 100000; i++)
		if (inb(console_port + UART_LSR) & LSR_TEMT)
			break;
}

/* Stop the machine: QEMU's debug exit, else ACPI S5, else a reset, else halt. */
void machine_off(void)
{
	struct acpi_s5 s5;

	console_drain();
	/* QEMU exits with status (1 << 1) | 1 = 3: a failure to the host. */
	outl(DEBUG_EXIT_PORT, 1);
	if (acpi_s5_find(0, &s5) == 0)
		acpi_s5_enter(&s5);
	/* A reset ends QEMU when it runs with -no-reboot. */
	outb(KBC_COMMAND, KBC_PULSE_RESET);
	for (;;)
		__asm__ volatile("cli; hlt");
}
