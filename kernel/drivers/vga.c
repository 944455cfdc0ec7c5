/* SPDX-License-Identifier: MIT */
/*
 * The 80x25 VGA text console at 0xb8000 (feature `vga`). The BIOS leaves
 * the adapter in text mode 3 and nothing here reprograms it: the console
 * writes character cells, acts on \n (which also returns the carriage, as
 * a terminal does), \r, \t and \b, wraps long lines, scrolls, and keeps the
 * hardware cursor after the last character. ANSI escape sequences are
 * dropped and each non-ASCII UTF-8 character shows as one '?', since the
 * adapter's code page is not Unicode.
 */
#include <hermit/portio.h>
#include "vga.h"

#define COLS 80
#define ROWS 25

enum {
	VGA_TEXT = 0xb8000,
	CRTC_INDEX = 0x3d4,
	CRTC_DATA = 0x3d5,
	CRTC_CURSOR_START = 0x0a, /* bit 5 hides the cursor */
	CRTC_CURSOR_HIGH = 0x0e,
	CRTC_CURSOR_LOW = 0x0f,
	CURSOR_HIDDEN = 0x20,
	PROBE = 0xa55a, /* a cell value to see whether the window is memory */
};

/* Attributes: black background, a foreground from the 16-colour palette
 * (bright red, cyan and yellow, as dark red and cyan read badly on black). */
enum {
	GREY = 0x07,
	DARK_GREY = 0x08,
	CYAN = 0x0b,
	RED = 0x0c,
	YELLOW = 0x0e,
	WHITE = 0x0f,
};

/* By enum log_level: off, error, warn, info, debug, trace. */
static const uint8_t level_attr[] = { GREY, RED, YELLOW, GREY, DARK_GREY, DARK_GREY };

static volatile uint16_t *const screen = (volatile uint16_t *)VGA_TEXT;
static bool present;
static unsigned row, col; /* col == COLS: the line is full, wrap before the next character */
static enum { PLAIN, ESCAPE, CSI } esc; /* inside an escape sequence (it may span writes) */

static uint16_t cell(uint8_t c, uint8_t attr)
{
	return (uint16_t)attr << 8 | c;
}

static void crtc_write(uint8_t reg, uint8_t v)
{
	outb(CRTC_INDEX, reg);
	outb(CRTC_DATA, v);
}

static uint8_t crtc_read(uint8_t reg)
{
	outb(CRTC_INDEX, reg);
	return inb(CRTC_DATA);
}

static void move_cursor(void)
{
	unsigned pos = row * COLS + MIN(col, COLS - 1);

	crtc_write(CRTC_CURSOR_HIGH, pos >> 8);
	crtc_write(CRTC_CURSOR_LOW, pos & 0xff);
}

static void clear_rows(unsigned from, unsigned to)
{
	for (unsigned i = from * COLS; i < to * COLS; i++)
		screen[i] = cell(' ', GREY);
}

/* To the start of the next line, scrolling the screen up at the bottom. */
static void newline(void)
{
	col = 0;
	if (row + 1 < ROWS) {
		row++;
		return;
	}
	for (unsigned i = 0; i < (ROWS - 1) * COLS; i++)
		screen[i] = screen[i + COLS];
	clear_rows(ROWS - 1, ROWS);
}

static void put(uint8_t c, uint8_t attr)
{
	if (col == COLS)
		newline();
	screen[row * COLS + col++] = cell(c, attr);
}

/* A tab moves to the next multiple of 8 without erasing what it passes. */
static void tab(void)
{
	if (col == COLS)
		newline();
	col = MIN(ALIGN_UP(col + 1, 8), COLS);
}

/* Is c the end of the escape sequence it belongs to (ESC x, or ESC [ ... final)? */
static bool escape_ends(uint8_t c)
{
	if (esc == ESCAPE && c == '[') {
		esc = CSI;
		return false;
	}
	return esc == ESCAPE || (c >= 0x40 && c <= 0x7e);
}

static void byte(uint8_t c, uint8_t attr)
{
	if (esc != PLAIN) {
		if (escape_ends(c))
			esc = PLAIN;
		return;
	}
	switch (c) {
	case '\n':
		newline();
		break;
	case '\r':
		col = 0;
		break;
	case '\t':
		tab();
		break;
	case '\b':
		if (col > 0)
			col--;
		break;
	case 0x1b:
		esc = ESCAPE;
		break;
	default:
		if (c >= 0x20 && c < 0x7f)
			put(c, attr);
		else if (c >= 0xc0) /* the first byte of a UTF-8 character */
			put('?', attr);
	}
}

static void show(uint8_t attr, const char *buf, size_t len)
{
	if (!present)
		return;
	for (size_t i = 0; i < len; i++)
		byte((uint8_t)buf[i], attr);
	move_cursor();
}

void vga_init(const struct boot_info *bi)
{
	if (bi->platform == HERMIT_PLATFORM_UHYVE)
		return;
	/* Without an adapter the window does not keep what is written. */
	screen[0] = PROBE;
	if (screen[0] != PROBE)
		return;
	present = true;
	clear_rows(0, ROWS);
	crtc_write(CRTC_CURSOR_START, crtc_read(CRTC_CURSOR_START) & ~CURSOR_HIDDEN);
	move_cursor();
}

void vga_write_stream(enum console_stream s, const char *buf, size_t len)
{
	show(s == CONSOLE_OUT ? WHITE : CYAN, buf, len);
}

void vga_write_log(enum log_level level, const char *buf, size_t len)
{
	show((unsigned)level < ARRAY_SIZE(level_attr) ? level_attr[level] : GREY, buf, len);
}
