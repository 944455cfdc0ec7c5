/* SPDX-License-Identifier: MIT */
/* kernel_main: from the boot path's hand-over to the app's _start. */
#include <hermit/boot_info.h>
#include <hermit/uart.h>
#include "arch.h"
#include "boot.h"
#include "clock.h"
#include "console.h"
#include "file.h"
#include "vfs.h"
#ifdef HERMIT_FEATURE_VIRTIO_FS
#include "virtio_fs.h"
#endif
#include "irq.h"
#include "platform.h"
#include "timer.h"
#include "tty.h"
#include "log.h"
#ifdef HERMIT_FEATURE_TCP
#include "net.h"
#include "netdev.h"
#endif
#include "mm.h"
#ifdef HERMIT_FEATURE_PCI
#include "pci.h"
#endif
#include "random.h"
#include "sched.h"
#include "smp.h"
#include "trap.h"
#include "uhyve.h"

#define CMDLINE_MAX 4096

/* The working directory when the environment names none: hermit-gcc links
 * a strong definition into the image when HERMIT_WD is set at build time
 * (DESIGN.md D5); run-time HERMIT_WD overrides it. */
__attribute__((weak)) const char hermit_wd_default[] = "/root";

static struct boot_info bootinfo;
static char cmdline_buf[CMDLINE_MAX], argv0_buf[256];

/* A boot path that speaks another boot_info cannot be trusted for anything,
 * not even the console: say so on COM1 and stop. */
static noreturn void bad_boot_info(const struct boot_info *bi)
{
	static const char msg[] = "hermit-c: unsupported boot_info (wrong magic or version)\n";

	(void)bi;
	if (uart_init(UART_COM1) == 0)
		uart_write(UART_COM1, msg, sizeof(msg) - 1);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void copy_str(char *dst, size_t size, uint64_t src)
{
	size_t n = src ? kstrnlen((const char *)src, size - 1) : 0;

	kmemcpy(dst, (const char *)src, n);
	dst[n] = 0;
}

/* Copy what the kernel keeps of the boot path's memory, which it may reuse. */
static void take_boot_info(const struct boot_info *bi)
{
	if (bi->magic != HERMIT_BOOT_MAGIC || bi->version != HERMIT_BOOT_VERSION)
		bad_boot_info(bi);
	bootinfo = *bi;
	if (bootinfo.mem_count > HERMIT_MEM_REGIONS_MAX)
		bootinfo.mem_count = HERMIT_MEM_REGIONS_MAX;
	copy_str(cmdline_buf, sizeof(cmdline_buf), bi->cmdline);
	copy_str(argv0_buf, sizeof(argv0_buf), bi->argv0);
}

/* The value of KEY in the app's environment (env= options), or NULL. */
/* Kernel settings that the environment can change at run time; the names
 * are those of the build-time variables (D5). */
static void apply_env(const struct cmdline *cl)
{
	const char *v = cmdline_getenv(cl, "HERMIT_LOG_LEVEL_FILTER");

	if (v)
		log_set_level(v);
}

/* The run-time log level must hold from the first line, before the heap
 * exists to parse the command line: find it in the raw text. */
static void early_log_level(void)
{
	static const char key[] = "HERMIT_LOG_LEVEL_FILTER=";
	char level[16];
	size_t n = 0;

	for (const char *p = cmdline_buf; *p; p++) {
		if (kstrncmp(p, key, sizeof(key) - 1))
			continue;
		p += sizeof(key) - 1;
		while (n < sizeof(level) - 1 && p[n] && !kstrchr(" \t'\"", p[n]))
			level[n] = p[n], n++;
		level[n] = 0;
		log_set_level(level);
		return;
	}
}

/* The file system: the working directory is HERMIT_WD, /etc/hostname
 * holds HOSTNAME (both from the environment, with defaults), uhyve's host
 * directories are mounted where HERMIT_MOUNTS says, virtio-fs devices by
 * their tags (root at the working directory). */
static void fs_init(const struct cmdline *cl)
{
	const char *wd = cmdline_getenv(cl, "HERMIT_WD"), *host = cmdline_getenv(cl, "HOSTNAME");

	const char *mounts = cmdline_getenv(cl, "HERMIT_MOUNTS");

	if (!wd)
		wd = hermit_wd_default;
	vfs_init(wd, host ? host : "hermit");
	if (mounts)
		hostfs_init(mounts);
#ifdef HERMIT_FEATURE_VIRTIO_FS
	virtio_fs_mount_all(wd);
#endif
}

/* Kernel self-tests that the test suite asks for with env=HERMIT_SELFTEST=. */
static void selftests(const struct cmdline *cl)
{
	const char *v = cmdline_getenv(cl, "HERMIT_SELFTEST");

	if (v && !kstrcmp(v, "timers"))
		timer_selftest(200);
#ifdef HERMIT_FEATURE_TCP
	else if (v && !kstrcmp(v, "net"))
		netdev_selftest();
#endif
	else if (v)
		pr_warn("selftest: unknown test '%s'", v);
}

noreturn void kernel_main(const struct boot_info *bi, uint64_t cpu_id)
{
	struct cmdline cl;

	(void)cpu_id;
	take_boot_info(bi);
	console_init(&bootinfo);
	cpu_init();
	symbols_init(bootinfo.symtab, bootinfo.symtab_size, bootinfo.strtab, bootinfo.strtab_size);
	platform_early(&bootinfo);
	if (uhyve_present() && !bootinfo.cmdline && uhyve_cmdline(cmdline_buf, CMDLINE_MAX) < 0) {
		pr_warn("uhyve: the command line did not fit in %d bytes; ignored", CMDLINE_MAX);
		cmdline_buf[0] = 0;
	}
	early_log_level();
	frame_init(&bootinfo);
	paging_init(&bootinfo);
	if (cmdline_parse(cmdline_buf, argv0_buf[0] ? argv0_buf : "hermit-app", &cl))
		panic("out of memory parsing the command line");
	apply_env(&cl);
	clock_init(&bootinfo, cl.freq_mhz);
	platform_init(&bootinfo);
	apic_init();
	ioapic_init();
	timer_init();
#ifdef HERMIT_FEATURE_PCI
	pci_init();
#endif
	tty_init(bootinfo.serial_port);
	console_files_init();
	fs_init(&cl);
	cpus[0].apic_id = apic_id();
	tlb_init_cpu();
	sched_init();
	smp_init();
	random_init();
	pr_info("hermit-c booted on %s: %lu MiB RAM, TSC %lu MHz",
		uhyve_present() ? "uhyve" : "QEMU/multiboot",
		(unsigned long)(frames_total() >> 8), (unsigned long)(clock_tsc_khz() / 1000));
	pr_info("features: %s", HERMIT_FEATURES_STR[0] ? HERMIT_FEATURES_STR : "none");
	if (HERMIT_FEATURES_OFF_STR[0])
		pr_info("features off: %s", HERMIT_FEATURES_OFF_STR);
#ifdef HERMIT_FEATURE_TCP
	net_init(&cl);
	netdev_start();
#endif
	selftests(&cl);
	app_start(&cl);
}
