/* SPDX-License-Identifier: MIT */
/* Polled 16550 UART output, shared by hermit-loader and the kernel. */
#ifndef HERMIT_UART_H
#define HERMIT_UART_H

#include <stdint.h>

#define UART_COM1 0x3f8

/* Set 115200 8N1 with FIFOs; returns 0, or -1 when no UART answers. */
int uart_init(uint16_t port);
/* Write one byte, turning "\n" into "\r\n" as a terminal expects. */
void uart_putc(uint16_t port, char c);
void uart_write(uint16_t port, const char *s, unsigned long len);

#endif
