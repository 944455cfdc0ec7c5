/* SPDX-License-Identifier: MIT */
/*
 * ACPI S5 power-off for hermit-loader (-m32, paging off) and the kernel
 * (64-bit, identity-mapped); see include/hermit/acpi.h. Tables are read
 * byte by byte at their physical addresses, so neither alignment nor either
 * ABI's struct layout matters, and every length is checked before a read.
 */
#include <stddef.h>
#include <stdint.h>
#include <hermit/acpi.h>
#include <hermit/portio.h>

enum {
	SDT_HEADER_LEN = 36,
	SDT_MAX_LEN = 16 << 20, /* a sanity bound: real DSDTs stay below 1 MiB */
	RSDP_V1_LEN = 20,
	RSDP_V2_LEN = 36,
	RSDP_REVISION = 15,
	RSDP_RSDT = 16,
	RSDP_LENGTH = 20,
	RSDP_XSDT = 24,

	BDA_EBDA_SEGMENT = 0x40e, /* BIOS data area: real-mode segment of the EBDA */
	EBDA_SCAN_LEN = 1024,
	BIOS_AREA_START = 0xe0000,
	BIOS_AREA_END = 0x100000,

	/* FADT field offsets (ACPI 6.x, table 5.9) */
	FADT_DSDT = 40,
	FADT_SMI_CMD = 48,
	FADT_ACPI_ENABLE = 52,
	FADT_PM1A_CNT = 64,
	FADT_PM1B_CNT = 68,
	FADT_X_DSDT = 140,
	FADT_X_PM1A_CNT = 172, /* generic address structures, 12 bytes each */
	FADT_X_PM1B_CNT = 184,
	GAS_LEN = 12,
	GAS_ADDRESS = 4,
	GAS_SPACE_IO = 1,

	PM1_SCI_EN = 1 << 0,
	PM1_SLP_TYP_SHIFT = 10,
	PM1_SLP_TYP_MASK = 7 << 10,
	PM1_SLP_EN = 1 << 13,

	/* the few AML opcodes that make up Name(_S5, Package() {...}) */
	AML_ZERO = 0x00,
	AML_ONE = 0x01,
	AML_NAME = 0x08,
	AML_BYTE = 0x0a,
	AML_WORD = 0x0b,
	AML_DWORD = 0x0c,
	AML_PACKAGE = 0x12,
	AML_ROOT = '\\',
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int same(const uint8_t *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)s[i])
			return 0;
	return 1;
}

static int sum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

/* A pointer to physical [pa, pa + len), or NULL if this build cannot reach it. */
static const uint8_t *phys(uint64_t pa, uint64_t len)
{
	const uint8_t *p;

	if (pa == 0 || len == 0 || pa + len < pa)
		return NULL;
	if (sizeof(uintptr_t) < sizeof(uint64_t) && (pa + len - 1) >> 32)
		return NULL;
	p = (const uint8_t *)(uintptr_t)pa;
	/* GCC treats small constant addresses as bounds errors; hide the value. */
	__asm__("" : "+r"(p));
	return p;
}

/* The system description table at pa if its signature, length and checksum hold. */
static const uint8_t *sdt(uint64_t pa, const char *sig, uint32_t *len)
{
	const uint8_t *p = phys(pa, SDT_HEADER_LEN);
	uint32_t n;

	if (!p || !same(p, sig, 4))
		return NULL;
	n = rd32(p + 4);
	if (n < SDT_HEADER_LEN || n > SDT_MAX_LEN)
		return NULL;
	p = phys(pa, n);
	if (!p || !sum_ok(p, n))
		return NULL;
	*len = n;
	return p;
}

/* The RSDP at pa if its checksums hold (the extended one from revision 2 on). */
static const uint8_t *rsdp_at(uint64_t pa)
{
	const uint8_t *p = phys(pa, RSDP_V2_LEN);
	uint32_t len;

	if (!p || !same(p, "RSD PTR ", 8) || !sum_ok(p, RSDP_V1_LEN))
		return NULL;
	if (p[RSDP_REVISION] < 2)
		return p;
	len = rd32(p + RSDP_LENGTH);
	if (len < RSDP_V2_LEN || len > 4096 || !phys(pa, len) || !sum_ok(p, len))
		return NULL;
	return p;
}

/* The RSDP on a 16-byte boundary in [start, end), NULL if none. */
static const uint8_t *rsdp_scan(uint64_t start, uint64_t end)
{
	const uint8_t *p;

	for (uint64_t pa = start; pa + RSDP_V1_LEN <= end; pa += 16) {
		p = rsdp_at(pa);
		if (p)
			return p;
	}
	return NULL;
}

/* The RSDP: the hint if given, else the EBDA's first KiB, else the BIOS area. */
static const uint8_t *rsdp_find(uint64_t hint)
{
	const uint8_t *p;
	uint64_t ebda;

	if (hint)
		return rsdp_at(hint);
	p = phys(BDA_EBDA_SEGMENT, 2);
	ebda = (uint64_t)rd16(p) << 4;
	if (ebda) {
		p = rsdp_scan(ebda, ebda + EBDA_SCAN_LEN);
		if (p)
			return p;
	}
	return rsdp_scan(BIOS_AREA_START, BIOS_AREA_END);
}

/* The address of entry i of the XSDT (when reachable) or else the RSDT. */
static uint64_t root_entry(const uint8_t *rsdp, uint32_t i)
{
	const uint8_t *t;
	uint32_t n;

	t = rsdp[RSDP_REVISION] >= 2 ? sdt(rd64(rsdp + RSDP_XSDT), "XSDT", &n) : NULL;
	if (t)
		return SDT_HEADER_LEN + 8 * (uint64_t)i + 8 <= n ? rd64(t + SDT_HEADER_LEN + 8 * i) : 0;
	t = sdt(rd32(rsdp + RSDP_RSDT), "RSDT", &n);
	if (t)
		return SDT_HEADER_LEN + 4 * (uint64_t)i + 4 <= n ? rd32(t + SDT_HEADER_LEN + 4 * i) : 0;
	return 0;
}

const uint8_t *acpi_table_nth(uint64_t rsdp_pa, uint32_t i, uint32_t *len)
{
	const uint8_t *rsdp = rsdp_at(rsdp_pa), *h;
	uint64_t pa;

	if (!rsdp || !(pa = root_entry(rsdp, i)) || !(h = phys(pa, SDT_HEADER_LEN)))
		return NULL;
	return sdt(pa, (const char *)h, len);
}

const uint8_t *acpi_table(uint64_t rsdp_pa, const char *sig, uint32_t *len)
{
	const uint8_t *rsdp = rsdp_at(rsdp_pa), *f;
	uint64_t pa;

	for (uint32_t i = 0; rsdp && (pa = root_entry(rsdp, i)); i++) {
		f = sdt(pa, sig, len);
		if (f)
			return f;
	}
	return NULL;
}

uint64_t acpi_rsdp(uint64_t hint)
{
	const uint8_t *p = rsdp_find(hint);

	return (uint64_t)(uintptr_t)p;
}

/* An I/O port from a 32-bit FADT field, or else from its ACPI 2.0 generic address. */
static uint16_t fadt_port(const uint8_t *fadt, uint32_t len, uint32_t field, uint32_t gas)
{
	uint64_t port = rd32(fadt + field);

	if (!port && gas + GAS_LEN <= len && fadt[gas] == GAS_SPACE_IO)
		port = rd64(fadt + gas + GAS_ADDRESS);
	return port <= 0xffff ? (uint16_t)port : 0;
}

/* The DSDT: X_DSDT where present and valid, else the 32-bit DSDT field. */
static const uint8_t *dsdt_find(const uint8_t *fadt, uint32_t flen, uint32_t *len)
{
	const uint8_t *d = NULL;

	if (FADT_X_DSDT + 8 <= flen && rd64(fadt + FADT_X_DSDT))
		d = sdt(rd64(fadt + FADT_X_DSDT), "DSDT", len);
	return d ? d : sdt(rd32(fadt + FADT_DSDT), "DSDT", len);
}

/* One AML integer constant at aml[*pos]: Zero, One or a Byte/Word/DWord. */
static int aml_const(const uint8_t *aml, uint32_t len, uint32_t *pos, uint32_t *val)
{
	uint32_t i = *pos, n;

	if (i >= len)
		return -1;
	switch (aml[i]) {
	case AML_ZERO:
	case AML_ONE:
		*val = aml[i];
		*pos = i + 1;
		return 0;
	case AML_BYTE:
		n = 1;
		break;
	case AML_WORD:
		n = 2;
		break;
	case AML_DWORD:
		n = 4;
		break;
	default:
		return -1;
	}
	if (i + 1 + n > len)
		return -1;
	*val = 0;
	for (uint32_t k = 0; k < n; k++)
		*val |= (uint32_t)aml[i + 1 + k] << (8 * k);
	*pos = i + 1 + n;
	return 0;
}

/* SLP_TYPa/b from Name(_S5, Package() {a, b, ...}) with the name at aml[i]. */
static int s5_package(const uint8_t *aml, uint32_t len, uint32_t i, struct acpi_s5 *s5)
{
	uint32_t count, typa, typb;

	/* Only a definition counts: NameOp, maybe the root prefix, the name. */
	if (!(i >= 1 && aml[i - 1] == AML_NAME) &&
	    !(i >= 2 && aml[i - 1] == AML_ROOT && aml[i - 2] == AML_NAME))
		return -1;
	i += 4;
	if (i + 2 > len || aml[i] != AML_PACKAGE)
		return -1;
	/* PkgLength: bits 7-6 of its first byte count the bytes that follow. */
	i += 2 + (aml[i + 1] >> 6);
	if (i >= len)
		return -1;
	count = aml[i++];
	if (count < 2 || aml_const(aml, len, &i, &typa) || aml_const(aml, len, &i, &typb))
		return -1;
	s5->slp_typa = typa & 7;
	s5->slp_typb = typb & 7;
	return 0;
}

/* The first valid \_S5_ definition in the DSDT's AML. */
static int s5_find(const uint8_t *dsdt, uint32_t len, struct acpi_s5 *s5)
{
	for (uint32_t i = SDT_HEADER_LEN; i + 4 <= len; i++)
		if (same(dsdt + i, "_S5_", 4) && s5_package(dsdt, len, i, s5) == 0)
			return 0;
	return -1;
}

int acpi_s5_find(uint64_t rsdp_hint, struct acpi_s5 *out)
{
	struct acpi_s5 s5 = {0};
	const uint8_t *rsdp, *fadt, *dsdt;
	uint32_t flen, dlen, smi;

	rsdp = rsdp_find(rsdp_hint);
	if (!rsdp)
		return -ACPI_S5_ENORSDP;
	fadt = acpi_table((uint64_t)(uintptr_t)rsdp, "FACP", &flen);
	if (!fadt || flen < FADT_PM1B_CNT + 4)
		return -ACPI_S5_ENOFADT;
	s5.pm1a_cnt = fadt_port(fadt, flen, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
	s5.pm1b_cnt = fadt_port(fadt, flen, FADT_PM1B_CNT, FADT_X_PM1B_CNT);
	if (!s5.pm1a_cnt)
		return -ACPI_S5_ENOPM1;
	smi = rd32(fadt + FADT_SMI_CMD);
	s5.smi_cmd = smi <= 0xffff ? (uint16_t)smi : 0;
	s5.acpi_enable = fadt[FADT_ACPI_ENABLE];
	dsdt = dsdt_find(fadt, flen, &dlen);
	if (!dsdt)
		return -ACPI_S5_ENODSDT;
	if (s5_find(dsdt, dlen, &s5))
		return -ACPI_S5_ENOS5;
	*out = s5;
	return 0;
}

const char *acpi_s5_strerror(int err)
{
	switch (-err) {
	case ACPI_S5_ENORSDP:
		return "no ACPI RSDP";
	case ACPI_S5_ENOFADT:
		return "no valid ACPI FADT";
	case ACPI_S5_ENOPM1:
		return "the ACPI FADT names no PM1a control port";
	case ACPI_S5_ENODSDT:
		return "no valid ACPI DSDT";
	case ACPI_S5_ENOS5:
		return "no \\_S5_ package in the ACPI DSDT";
	default:
		return "unknown ACPI S5 error";
	}
}

/* Wait about n microseconds: a write to port 0x80 takes ~1 us on PC chipsets. */
static void io_delay(uint32_t n)
{
	while (n--)
		outb(0x80, 0);
}

/* Hand power management from the firmware (SMM) to us, if it still owns it. */
static void acpi_mode_on(const struct acpi_s5 *s5)
{
	if ((inw(s5->pm1a_cnt) & PM1_SCI_EN) || !s5->smi_cmd || !s5->acpi_enable)
		return;
	outb(s5->smi_cmd, s5->acpi_enable);
	/* The firmware may take a while; ACPI suggests allowing seconds. */
	for (int i = 0; i < 3000 && !(inw(s5->pm1a_cnt) & PM1_SCI_EN); i++)
		io_delay(1000);
}

/* Set SLP_TYP, then SLP_EN in a second write, as some chipsets want. */
static void pm1_sleep(uint16_t port, uint8_t typ, uint16_t en)
{
	uint16_t v = inw(port) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);

	outw(port, v | (uint16_t)(typ << PM1_SLP_TYP_SHIFT) | en);
}

void acpi_s5_enter(const struct acpi_s5 *s5)
{
	acpi_mode_on(s5);
	pm1_sleep(s5->pm1a_cnt, s5->slp_typa, 0);
	if (s5->pm1b_cnt)
		pm1_sleep(s5->pm1b_cnt, s5->slp_typb, 0);
	pm1_sleep(s5->pm1a_cnt, s5->slp_typa, PM1_SLP_EN);
	if (s5->pm1b_cnt)
		pm1_sleep(s5->pm1b_cnt, s5->slp_typb, PM1_SLP_EN);
	io_delay(100000); /* give the chipset time to cut the power */
}
