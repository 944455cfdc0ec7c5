/* SPDX-License-Identifier: MIT */
/*
 * The console's input side: a line discipline like a Linux terminal in
 * canonical mode. Typed bytes are echoed and collected into lines (erase
 * with backspace/DEL); read() gets them a completed line at a time; ^D on
 * an empty line is end-of-file, which stays while no input follows it. Under QEMU bytes come from the UART's
 * receive interrupt; under uhyve, read() asks the host (READ hypercall).
 */
#ifndef KERNEL_TTY_H
#define KERNEL_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void tty_init(uint16_t serial_port);
/* Read up to len bytes of input into buf (kernel-checked memory), blocking
 * until a line, end-of-file or input is there; returns the count (0 at
 * end-of-file) or -errno. */
long tty_read(char *buf, size_t len);
/* Would tty_read return at once (a line or end-of-file is there)?
 * Registers pt's poller for the next line (see poll.h). */
struct poll_table;
bool tty_poll(struct poll_table *pt);

#endif
