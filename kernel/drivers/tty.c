/* SPDX-License-Identifier: MIT */
/* Console input: the UART receive interrupt and a canonical line discipline. */
#include <hermit/portio.h>
#include "console.h"
#include "irq.h"
#include "log.h"
#include "polling.h"
#include "tty.h"
#include "uhyve.h"

#define UART_IER 1
#define UART_LSR 5
#define LSR_DATA 0x01
#define IER_RX 0x01

#define RING 4096
#define LINE_MAX 1024
#define CTRL_D 0x04

#define ENDS 64

static uint16_t port;
static struct spinlock lock; /* the ring, the line */
static struct waitq input_wq; /* readers and pollers waiting for a line */
static char ring[RING]; /* completed input, ready for read() */
static uint32_t head, tail;
/* Where each completed line ends in the ring. ^D on an empty line commits
 * an empty one: that read() returns 0, end-of-file, in its turn. */
static uint32_t ends[ENDS], ends_head, ends_tail;
static char line[LINE_MAX]; /* the line being typed */
static uint32_t line_len;

static void echo(const char *s, size_t n)
{
	console_write(CONSOLE_OUT, s, n);
}

/* Move the typed line into the ring; when full, the line is dropped as a
 * terminal drops input nobody reads. */
static void commit_line(void)
{
	if (RING - (head - tail) >= line_len && ends_head - ends_tail < ENDS) {
		for (uint32_t i = 0; i < line_len; i++)
			ring[head++ % RING] = line[i];
		ends[ends_head++ % ENDS] = head;
	}
	line_len = 0;
}

static void input(char c)
{
	switch (c) {
	case 0: /* NUL: padding (hermit-qemu primes the UART with one) */
		break;
	case '\r':
	case '\n':
		if (line_len < LINE_MAX)
			line[line_len++] = '\n';
		echo("\n", 1);
		commit_line();
		break;
	case CTRL_D:
		commit_line();
		break;
	case 0x7f:
	case '\b':
		if (line_len) {
			line_len--;
			echo("\b \b", 3);
		}
		break;
	default:
		if (line_len < LINE_MAX - 1) {
			line[line_len++] = c;
			echo(&c, 1);
		}
	}
}

static void uart_interrupt(uint8_t vector)
{
	(void)vector;
	spin_lock(&lock);
	while (inb(port + UART_LSR) & LSR_DATA)
		input((char)inb(port));
	if (ends_head != ends_tail)
		waitq_wake_all(&input_wq);
	spin_unlock(&lock);
	apic_eoi();
}

void tty_init(uint16_t serial_port)
{
	uint8_t irq = serial_port == 0x2f8 || serial_port == 0x2e8 ? 3 : 4;

	if (!serial_port || uhyve_present())
		return;
	port = serial_port;
	irq_set_handler(VEC_ISA_BASE + irq, uart_interrupt);
	if (ioapic_route_isa(irq))
		return;
	outb(port + UART_IER, IER_RX); /* input from before boot raises it at once */
	pr_debug("tty: serial input on port 0x%x, IRQ %u", port, irq);
}

long tty_read(char *buf, size_t len)
{
	uint32_t end, n;

	if (uhyve_present())
		return uhyve_read(0, buf, len);
	if (!port)
		return 0; /* no input device: end-of-file, like /dev/null */
	spin_lock(&lock);
	while (ends_head == ends_tail)
		waitq_wait_locked(&input_wq, &lock, 0);
	/* As in canonical mode: at most the rest of one line per read. */
	end = ends[ends_tail % ENDS];
	n = MIN(len, end - tail);
	for (uint32_t i = 0; i < n; i++)
		buf[i] = ring[tail++ % RING];
	/* An end-of-file mark stays while it is the last input, as at the
	 * end of a pipe (musl sees no terminal: TIOCGWINSZ fails); input
	 * typed after it is read after one end-of-file. */
	if (tail == end && (n || ends_head - ends_tail > 1))
		ends_tail++;
	spin_unlock(&lock);
	return n;
}

bool tty_poll(struct poll_table *pt)
{
	bool ready;

	/* Under uhyve the host has the input and blocks in the READ hypercall;
	 * without an input device, read() is at end-of-file at once. */
	if (uhyve_present() || !port)
		return true;
	poll_wait(pt, &input_wq);
	spin_lock(&lock);
	ready = ends_head != ends_tail;
	spin_unlock(&lock);
	return ready;
}
