/* SPDX-License-Identifier: MIT */
/*
 * uhyve: the KVM monitor of hermit-c. `uhyve [options] IMAGE [args...]`
 * loads a hermit-c image into fresh guest RAM, enters its kernel in 64-bit
 * mode with boot_info (include/hermit/boot_info.h), serves its hypercalls
 * and exits with the app's exit code (DESIGN.md D8, D9).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "uhyve.h"

_Static_assert(sizeof(struct boot_info) <= LAYOUT_ARGV0 - LAYOUT_BOOT_INFO,
	       "boot_info overlaps the image path");
_Static_assert(LAYOUT_PD + 4096 * ((GUEST_MEM_MAX + (1ull << 30) - 1) >> 30) <= LAYOUT_BOOT_INFO,
	       "page directories overlap boot_info");
_Static_assert(LAYOUT_END(CPUS_MAX) <= HERMIT_IMAGE_BASE, "uhyve's area overlaps the image");
_Static_assert(GUEST_MEM_MAX <= PCI_MMIO_BASE, "guest RAM overlaps the PCI BARs");
_Static_assert(LAYOUT_STACK_TOP % 16 == 0 && LAYOUT_AP_STACK % 16 == 0,
	       "vCPU stacks must be 16-byte aligned");

struct boot {
	const struct options *o;
	uint8_t *data; /* the image file */
	size_t size;
	struct image im;
	struct guest g;
	struct vm vm;
	struct boot_info bi;
	char *cmdline;
	const char *errwhat;  /* what err is about (the image path), or NULL */
	const char *errwhat2; /* and its argument (--tap NAME), or NULL */
	char err[ERRLEN];
	struct pci_bus pci;
	int tap_fd;
	struct vnet *net; /* --tap: the guest's NIC */
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Read, check and load the image into fresh guest RAM. */
static int boot_load(struct boot *b)
{
	const char *path = b->o->image;

	if (image_read(path, &b->data, &b->size, b->err) < 0)
		return UHYVE_EXIT_IMAGE;
	if (image_check(&b->im, b->data, b->size, b->err) < 0 ||
	    guest_alloc(&b->g, b->o->memory, b->err) < 0 ||
	    image_load(&b->im, &b->g, &b->bi, b->err) < 0 ||
	    guest_set_argv0(&b->g, path, b->err) < 0) {
		b->errwhat = path;
		return UHYVE_EXIT_IMAGE;
	}
	guest_setup_paging(&b->g);
	b->cmdline = opt_cmdline(b->o);
	if (!b->cmdline) {
		snprintf(b->err, ERRLEN, "out of memory for the command line");
		return UHYVE_EXIT_USAGE;
	}
	return 0;
}

/* Open KVM and check that it allows the vCPUs asked for. */
static int boot_open(struct boot *b)
{
	unsigned max;

	if (vm_open(&b->vm, b->err) < 0)
		return UHYVE_EXIT_NOKVM;
	max = vm_max_cpus(&b->vm);
	if (b->o->cpus > max) {
		snprintf(b->err, ERRLEN, "%u CPUs: this host's KVM allows at most %u vCPUs per VM",
			 b->o->cpus, max);
		return UHYVE_EXIT_USAGE;
	}
	return 0;
}

/* Create the VM and its vCPUs and write boot_info. */
static int boot_vm(struct boot *b)
{
	struct boot_info *bi = &b->bi;
	unsigned n = b->o->cpus, i;
	int status = boot_open(b);

	if (status)
		return status;
	if (vm_create(&b->vm, &b->g, n, b->err) < 0)
		return UHYVE_EXIT_NOKVM;
	for (i = 0; i < n; i++)
		if (vm_boot_cpu(&b->vm, i, b->im.entry, LAYOUT_BOOT_INFO, b->err) < 0)
			return UHYVE_EXIT_NOKVM;
	bi->magic = HERMIT_BOOT_MAGIC;
	bi->version = HERMIT_BOOT_VERSION;
	bi->platform = HERMIT_PLATFORM_UHYVE;
	bi->cpu_count = n;
	bi->tsc_khz = vm_tsc_khz(&b->vm);
	bi->argv0 = LAYOUT_ARGV0;
	bi->loader_start = LAYOUT_START;
	bi->loader_end = LAYOUT_END(n);
	bi->mem_count = 1;
	bi->mem[0].base = 0;
	bi->mem[0].len = b->g.size;
	bi->mem[0].type = HERMIT_MEM_USABLE;
	bi->boot_time_ns = realtime_ns();
	bi->boot_tsc = vm_guest_tsc(&b->vm);
	guest_write_boot_info(&b->g, bi);
	return 0;
}

/* Open --tap's device (before the VM: a bad name fails fast). */
static int boot_tap(struct boot *b)
{
	int status;

	b->tap_fd = tap_open(b->o->tap, &status, b->err);
	if (b->tap_fd < 0) {
		b->errwhat = "--tap";
		b->errwhat2 = b->o->tap;
		return status;
	}
	return 0;
}

/* The PCI bus, with the NIC at 00:01.0 when --tap is given. */
static int boot_devices(struct boot *b)
{
	uint8_t mac[6] = {0x02, 0x48, 0x43};

	pci_bus_init(&b->pci);
	if (!b->o->tap)
		return 0;
	if (b->o->mac_set)
		memcpy(mac, b->o->mac, 6);
	else if (getrandom(mac + 3, 3, 0) != 3)
		mac[5] = (uint8_t)getpid();
	b->net = malloc(sizeof(*b->net));
	if (!b->net) {
		snprintf(b->err, ERRLEN, "out of memory for the NIC");
		return UHYVE_EXIT_NOKVM;
	}
	if (vnet_init(b->net, &b->g, b->vm.fd, b->tap_fd, mac, b->err) < 0) {
		free(b->net);
		b->net = NULL;
		return UHYVE_EXIT_NOKVM;
	}
	b->tap_fd = -1; /* the NIC's now */
	pci_attach(&b->pci, 1, &b->net->fn);
	return 0;
}

/* The -v line of the NIC. */
static void boot_report_net(const struct vnet *n)
{
	fprintf(stderr,
		"uhyve: virtio-net %02x:%02x:%02x:%02x:%02x:%02x: received %llu frames (%llu "
		"dropped), sent %llu (%llu refused by the tap), %llu interrupts\n",
		n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5],
		(unsigned long long)n->rx_frames, (unsigned long long)n->rx_dropped,
		(unsigned long long)n->tx_frames, (unsigned long long)n->tx_errors,
		(unsigned long long)n->irqs);
}

static void boot_report_load(const struct boot *b, double ms)
{
	fprintf(stderr,
		"uhyve: loaded %s: 0x%llx-0x%llx, entry 0x%llx, %s; %llu MiB guest memory, "
		"%u vCPU%s, TSC %llu kHz; ready in %.2f ms\n",
		b->o->image, (unsigned long long)b->im.start, (unsigned long long)b->im.end,
		(unsigned long long)b->im.entry, b->bi.symtab ? "symbols" : "no symbols",
		(unsigned long long)(b->g.size / MIB), b->o->cpus, b->o->cpus == 1 ? "" : "s",
		(unsigned long long)b->bi.tsc_khz, ms);
	fprintf(stderr, "uhyve: kernel features: %s\n",
		!b->im.features ? "(not recorded)" : *b->im.features ? b->im.features : "none");
	fprintf(stderr, "uhyve: command line: %s\n", b->cmdline);
}

/* Boot the image of o and run it to its end; returns the exit status. */
static int boot(const struct options *o, double t0)
{
	struct boot b = {.o = o, .vm = {.kvm = -1, .fd = -1}, .tap_fd = -1};
	struct hc_env env;
	struct hfs fs;
	double ms;
	int i, status = boot_load(&b);

	hfs_init(&fs);
	for (i = 0; !status && i < o->mountc; i++)
		if (hfs_add(&fs, o->mounts[i].host, b.err) < 0)
			status = UHYVE_EXIT_USAGE;

	if (!status && o->tap)
		status = boot_tap(&b);
	if (!status)
		status = boot_vm(&b);
	if (!status)
		status = boot_devices(&b);
	if (status && b.errwhat2) {
		fprintf(stderr, "uhyve: %s %s: %s\n", b.errwhat, b.errwhat2, b.err);
	} else if (status && b.errwhat) {
		fprintf(stderr, "uhyve: %s: %s\n", b.errwhat, b.err);
	} else if (status) {
		fprintf(stderr, "uhyve: %s\n", b.err);
	} else {
		if (o->verbose)
			boot_report_load(&b, now_ms() - t0);
		env = (struct hc_env){.g = &b.g,
				      .pci = &b.pci,
				      .net = b.net,
				      .fs = o->mountc ? &fs : NULL,
				      .cmdline = b.cmdline,
				      .in_fd = 0,
				      .out_fd = 1,
				      .err_fd = 2};
		status = run_guest(&b.vm, &env, &b.im, o->verbose, &ms);
		if (o->verbose) {
			fprintf(stderr, "uhyve: boot to exit: %.2f ms\n", ms);
			run_print_stats(&b.vm);
			if (b.net)
				boot_report_net(b.net);
			fprintf(stderr, "uhyve: exit status %d\n", status);
		}
	}
	if (b.net)
		vnet_free(b.net);
	free(b.net);
	if (b.tap_fd >= 0)
		close(b.tap_fd);
	vm_destroy(&b.vm);
	hfs_free(&fs);
	guest_free(&b.g);
	free(b.cmdline);
	free(b.data);
	return status;
}

int main(int argc, char **argv)
{
	double t0 = now_ms();
	struct opt_env env = {.memory = getenv("HERMIT_MEMORY"),
			      .cpus = getenv("HERMIT_CPUS"),
			      .tap = getenv("HERMIT_TAP")};
	struct options o;
	char err[ERRLEN];
	int status;

	if (opt_parse(&o, argc, argv, &env, err) < 0) {
		fprintf(stderr, "uhyve: %s\n", err);
		opt_free(&o);
		return UHYVE_EXIT_USAGE;
	}
	if (o.help) {
		opt_usage();
		status = 0;
	} else if (o.version) {
		printf("uhyve %s (hypercall ABI %u, hermit-c image ABI %u)\n", UHYVE_VERSION,
		       UHYVE_ABI_VERSION, HERMIT_ABI_VERSION);
		status = 0;
	} else if (o.check) {
		status = probe_check(o.verbose);
	} else {
		status = boot(&o, t0);
	}
	opt_free(&o);
	return status;
}
