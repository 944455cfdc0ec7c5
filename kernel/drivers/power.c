/* SPDX-License-Identifier: MIT */
/*
 * Ending the machine with the app's exit code. Under uhyve: the EXIT
 * hypercall. Under QEMU: the code goes to the debug console (port 0xe9,
 * when present, as "hermit-exit: N", so hermit-qemu learns all 8 bits) and
 * to isa-debug-exit (port 0xf4: QEMU exits with (code << 1) | 1). Without
 * those devices, the code is printed and ACPI S5 turns the machine off;
 * then a keyboard-controller reset, then a halt: never a hang that spins.
 */
#include <hermit/acpi.h>
#include "cpu.h"
#include "log.h"
#include "mm.h"
#include "power.h"
#include "uhyve.h"

#define DEBUGCON_PORT 0xe9
#define DEBUG_EXIT_PORT 0xf4

static void debugcon_report(int code)
{
	char buf[32];
	int n;

	if (inb(DEBUGCON_PORT) != DEBUGCON_PORT)
		return;
	n = ksnprintf(buf, sizeof(buf), "hermit-exit: %d\n", code);
	for (int i = 0; i < n; i++)
		outb(DEBUGCON_PORT, buf[i]);
}

static noreturn void reset(void)
{
	outb(0x64, 0xfe); /* pulse the reset line; QEMU -no-reboot then exits */
	for (;;)
		hlt();
}

noreturn void power_exit(int code)
{
	static bool exiting;
	struct acpi_s5 s5;
	int err;

	code &= 0xff;
	cli();
	if (uhyve_present())
		uhyve_exit(code);
	if (exiting) /* a fault on the way out: skip what failed */
		reset();
	exiting = true;
	debugcon_report(code);
	outl(DEBUG_EXIT_PORT, code);
	pr_info("exit code %d, powering off", code);
	/* The RSDP search reads the BIOS data area in page 0, which is
	 * unmapped to catch NULL pointers; nothing runs after this. */
	paging_map(0, 0, PTE_NX);
	err = acpi_s5_find(0, &s5);
	if (err == 0)
		acpi_s5_enter(&s5);
	else
		pr_warn("no ACPI poweroff: %s", acpi_s5_strerror(err));
	reset();
}

noreturn void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("[hermit] PANIC: %s\n", buf);
	power_exit(134);
}
