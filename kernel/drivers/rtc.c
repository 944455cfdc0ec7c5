/* SPDX-License-Identifier: MIT */
/* The CMOS real-time clock, read once at boot for the wall-clock time. */
#include "clock.h"
#include <hermit/portio.h>
#include "lib.h"

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned bcd(uint8_t v, bool is_bcd)
{
	return is_bcd ? (v & 0x0f) + (v >> 4) * 10 : v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	y -= m <= 2;
	unsigned era = y / 400, yoe = y - era * 400;
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

uint64_t rtc_read_epoch(void)
{
	uint8_t s, mi, h, d, mo, y, c, b;
	bool is_bcd;

	/* Read twice until equal, outside an update, for a consistent time. */
	do {
		while (cmos(0x0a) & 0x80)
			;
		s = cmos(0x00), mi = cmos(0x02), h = cmos(0x04);
		d = cmos(0x07), mo = cmos(0x08), y = cmos(0x09), c = cmos(0x32);
	} while (s != cmos(0x00));
	b = cmos(0x0b);
	is_bcd = !(b & 0x04);
	unsigned hour = bcd(h & 0x7f, is_bcd);
	if (!(b & 0x02) && (h & 0x80)) /* 12-hour clock, PM */
		hour = (hour % 12) + 12;
	unsigned year = bcd(y, is_bcd) + (c ? bcd(c, is_bcd) * 100 : 2000);
	return days_from_civil(year, bcd(mo, is_bcd), bcd(d, is_bcd)) * 86400 + hour * 3600 +
	       bcd(mi, is_bcd) * 60 + bcd(s, is_bcd);
}
