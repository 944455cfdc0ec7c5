/* SPDX-License-Identifier: MIT */
/*
 * boot_info: what a boot path (hermit-loader under QEMU, uhyve under KVM)
 * hands to the kernel. Shared by the kernel, the loader (32-bit code) and
 * uhyve, so it uses fixed-width fields only and no pointers: every address
 * is a 64-bit guest-physical address (identity-mapped in the kernel).
 *
 * Entry contract (DESIGN.md D4): the kernel's ELF entry is called in 64-bit
 * mode, paging on with at least the image, boot_info and the strings it
 * points to identity-mapped, interrupts off, with RDI = &boot_info and
 * RSI = the CPU id (0 for the boot CPU). uhyve enters every vCPU there at
 * once, each with its own stack inside [loader_start, loader_end); the
 * kernel holds the others (RSI != 0) until it releases them.
 */
#ifndef HERMIT_BOOT_INFO_H
#define HERMIT_BOOT_INFO_H

#include <stdint.h>

#define HERMIT_BOOT_MAGIC 0x434d5248u /* "HRMC" */
#define HERMIT_BOOT_VERSION 1u
#define HERMIT_MEM_REGIONS_MAX 32

enum hermit_mem_type {
	HERMIT_MEM_USABLE = 1,
	HERMIT_MEM_RESERVED = 2,
	HERMIT_MEM_ACPI = 3, /* ACPI tables, reclaimable after parsing */
	HERMIT_MEM_NVS = 4,
};

enum hermit_platform {
	HERMIT_PLATFORM_MULTIBOOT = 1, /* QEMU (or a PC) through hermit-loader */
	HERMIT_PLATFORM_UHYVE = 2,     /* our KVM monitor: hypercalls, no UART */
};

struct hermit_mem_region {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum hermit_mem_type */
	uint32_t reserved;
};

struct boot_info {
	uint32_t magic;	  /* HERMIT_BOOT_MAGIC */
	uint32_t version; /* HERMIT_BOOT_VERSION */
	uint32_t platform;
	uint32_t cpu_count; /* CPUs started with this entry (uhyve); 0: find them (ACPI MADT) */
	uint64_t tsc_khz;   /* 0: the kernel calibrates against the PIT */
	uint64_t rsdp;	    /* ACPI RSDP, 0: search the BIOS areas */
	uint16_t serial_port; /* 16550 I/O base, 0: none */
	uint16_t reserved0[3];

	/* The loaded image, [image_start, image_end) physical. */
	uint64_t image_start;
	uint64_t image_end;

	/*
	 * The kernel command line, NUL-terminated: "[kernel options] -- [app args]"
	 * with env=KEY=VALUE options for the app's environment (both boot paths
	 * produce this same syntax). argv0 is the image's name, NUL-terminated.
	 */
	uint64_t cmdline;
	uint64_t argv0;

	/* The image's ELF .symtab and its .strtab, copied by the boot path so
	 * that fault reports can name functions; 0 when the image is stripped. */
	uint64_t symtab;
	uint64_t symtab_size;
	uint64_t strtab;
	uint64_t strtab_size;

	/* Wall-clock time at boot in ns since the epoch, 0: read the CMOS RTC. */
	uint64_t boot_time_ns;
	/* TSC value when the boot path started, 0 if unknown (boot timing). */
	uint64_t boot_tsc;

	/* Physical memory the boot path itself still uses (page tables, this
	 * struct, the strings above, its stack); the kernel copies what it needs
	 * early and may then reuse it. The symbol tables lie outside this range
	 * (after the image) and stay reserved. */
	uint64_t loader_start;
	uint64_t loader_end;

	uint32_t mem_count;
	uint32_t reserved1;
	struct hermit_mem_region mem[HERMIT_MEM_REGIONS_MAX];
};

#endif
