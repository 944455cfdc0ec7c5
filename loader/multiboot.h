/* SPDX-License-Identifier: MIT */
/* The parts of the multiboot v1 boot information that hermit-loader reads. */
#ifndef LOADER_MULTIBOOT_H
#define LOADER_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOT_MAGIC 0x2badb002u /* in EAX at entry */

/* multiboot_info.flags: which fields are valid */
enum {
	MBI_MEM = 1 << 0,
	MBI_CMDLINE = 1 << 2,
	MBI_MODS = 1 << 3,
	MBI_MMAP = 1 << 6,
};

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB at 0 */
	uint32_t mem_upper; /* KiB at 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
};

struct multiboot_module {
	uint32_t start;
	uint32_t end; /* exclusive */
	uint32_t string;
	uint32_t reserved;
};

/* One memory map entry; size counts the bytes after itself. */
struct multiboot_mmap {
	uint32_t size;
	uint64_t base;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

enum {
	MB_MEM_AVAILABLE = 1,
	MB_MEM_ACPI = 3,
	MB_MEM_NVS = 4,
};

#endif
