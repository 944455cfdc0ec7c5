/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables, shared by hermit-loader and the kernel: finding the RSDP and
 * a table by signature (checked: signatures, lengths, checksums), and S5.
 *
 * S5 ("soft off") without an AML interpreter: the FADT gives the PM1
 * control ports, the DSDT's \_S5_ package gives the SLP_TYP values, and
 * writing them with SLP_EN turns the machine off.
 *
 * Shared by hermit-loader (32-bit, paging off) and the kernel (64-bit): both
 * read the tables at their physical addresses, so the kernel must have the
 * BIOS areas (0x400-0x4ff, the EBDA, 0xe0000-0xfffff) and the ACPI tables
 * identity-mapped when it calls these functions. Tables above 4 GiB are out
 * of reach for the 32-bit build and count as missing there.
 */
#ifndef HERMIT_ACPI_H
#define HERMIT_ACPI_H

#include <stdint.h>

struct acpi_s5 {
	uint16_t pm1a_cnt;   /* PM1a control port */
	uint16_t pm1b_cnt;   /* PM1b control port, 0: none */
	uint16_t smi_cmd;    /* SMI command port, 0: always in ACPI mode */
	uint8_t acpi_enable; /* value written to smi_cmd to enter ACPI mode */
	uint8_t slp_typa;    /* \_S5_ SLP_TYPa */
	uint8_t slp_typb;    /* \_S5_ SLP_TYPb */
};

/* Why acpi_s5_find() failed; it returns the negated value. */
enum acpi_s5_error {
	ACPI_S5_ENORSDP = 1, /* no valid RSDP (given or found in the BIOS areas) */
	ACPI_S5_ENOFADT,     /* no valid RSDT/XSDT, or no valid FADT in it */
	ACPI_S5_ENOPM1,	     /* the FADT names no PM1a control port */
	ACPI_S5_ENODSDT,     /* no valid DSDT */
	ACPI_S5_ENOS5,	     /* no usable \_S5_ package in the DSDT */
};

/* The RSDP's physical address: the hint if valid, else found in the EBDA or
 * 0xe0000-0xfffff; 0 if there is none. */
uint64_t acpi_rsdp(uint64_t hint);

/* The first table with signature sig (4 characters) listed by the XSDT (if
 * reachable) or the RSDT of the RSDP at rsdp, its length in *len; NULL if
 * none is valid. */
const uint8_t *acpi_table(uint64_t rsdp, const char *sig, uint32_t *len);

/* Table i of the XSDT or RSDT, whatever its signature; NULL past the end
 * (or for an invalid entry). */
const uint8_t *acpi_table_nth(uint64_t rsdp, uint32_t i, uint32_t *len);

/*
 * Find what S5 needs. rsdp is the RSDP's physical address, or 0 to search
 * the EBDA and 0xe0000-0xfffff. Every table's signature, length and checksum
 * is checked. Returns 0 and fills *out, or -ACPI_S5_E*.
 */
int acpi_s5_find(uint64_t rsdp, struct acpi_s5 *out);

/* A short description of an acpi_s5_find() error (negative value). */
const char *acpi_s5_strerror(int err);

/*
 * Enter S5: switch to ACPI mode if needed, write SLP_TYP | SLP_EN to the PM1
 * control ports, then wait a little. Returns only if the machine is still on,
 * so the caller can try another way (reset, halt).
 */
void acpi_s5_enter(const struct acpi_s5 *s5);

#endif
