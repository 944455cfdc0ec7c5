/* SPDX-License-Identifier: MIT */
/* Polled 16550 UART output, shared by hermit-loader and the kernel. */
#include <hermit/portio.h>
#include <hermit/uart.h>

enum {
	UART_DATA = 0,	/* DLL when DLAB is set */
	UART_IER = 1,	/* DLM when DLAB is set */
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_SCR = 7,
	LSR_THRE = 0x20, /* transmit holding register empty */
	LCR_DLAB = 0x80,
};

int uart_init(uint16_t port)
{
	/* A missing UART reads back 0xff; the scratch register proves one. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return -1;
	outb(port + UART_IER, 0x00);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DATA, 1); /* divisor 1: 115200 baud */
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, 0x03); /* 8N1 */
	/* FIFOs on, 1-byte trigger, without the clear bits: the second
	 * init (kernel after loader) must not drop input that arrived in
	 * between. (Switching FIFOs on the first time does drop a byte
	 * received before it; hermit-qemu sends a NUL first for that.) */
	outb(port + UART_FCR, 0x01);
	outb(port + UART_MCR, 0x0b); /* DTR, RTS, OUT2 */
	return 0;
}

static void uart_tx(uint16_t port, char c)
{
	while (!(inb(port + UART_LSR) & LSR_THRE))
		__asm__ volatile("pause");
	outb(port + UART_DATA, (uint8_t)c);
}

void uart_putc(uint16_t port, char c)
{
	if (c == '\n')
		uart_tx(port, '\r');
	uart_tx(port, c);
}

void uart_write(uint16_t port, const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++)
		uart_putc(port, s[i]);
}
