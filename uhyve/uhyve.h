/* SPDX-License-Identifier: MIT */
/*
 * uhyve's internal interface: one header for its modules (options, image,
 * guest memory, kvm, hypercalls, PCI, virtqueues, the NIC, run loop,
 * probe). Each module keeps one prefix: opt_, image_, guest_, vm_, cpuid_,
 * hc_, pci_, vq_ (and iov_), vnet_, tap_, vcpu_, run_, probe_.
 *
 * Errors: functions that can fail on bad input return -1 and write a
 * message (without the "uhyve: " prefix) into a caller's char[ERRLEN].
 */
#ifndef UHYVE_H
#define UHYVE_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <hermit/boot_info.h>
#include <hermit/hypercall.h>
#include <hermit/image.h>

#define UHYVE_VERSION "0.1.0"
#define ERRLEN	      512

/* Exit statuses of uhyve's own failures; otherwise the app's exit code.
 * Documented in `uhyve --help` and uhyve/README.md. */
enum {
	UHYVE_EXIT_USAGE = 64,	   /* bad command line */
	UHYVE_EXIT_IMAGE = 65,	   /* the image cannot be loaded */
	UHYVE_EXIT_NOKVM = 69,	   /* no usable /dev/kvm, or a KVM ioctl failed */
	UHYVE_EXIT_HYPERCALL = 70, /* bad hypercall or unknown I/O port */
	UHYVE_EXIT_CRASH = 71,	   /* guest died without EXIT (triple fault, ...) */
	UHYVE_EXIT_EMULATION = 72, /* this host's KVM cannot run the guest */
};

/* Guest-physical layout of everything uhyve itself writes; all of it lies
 * below HERMIT_IMAGE_BASE and is reported as boot_info.loader_start/end.
 * vCPU 0's stack ends at LAYOUT_STACK_TOP; every further vCPU gets
 * LAYOUT_AP_STACK bytes above it, so the area grows with the CPU count. */
#define LAYOUT_GDT	 0x1000ull
#define LAYOUT_PML4	 0x2000ull
#define LAYOUT_PDPT	 0x3000ull
#define LAYOUT_PD	 0x4000ull /* one page per GiB of guest RAM, 4 at most */
#define LAYOUT_BOOT_INFO 0x8000ull
#define LAYOUT_ARGV0	 0x9000ull
#define LAYOUT_ARGV0_MAX 0x7000ull /* the image path, NUL included */
#define LAYOUT_STACK_TOP 0x20000ull
#define LAYOUT_AP_STACK	 0x4000ull
#define LAYOUT_START	 LAYOUT_GDT
/* The initial RSP of vCPU id, and the end of uhyve's area for n vCPUs. */
#define LAYOUT_STACK(id) (LAYOUT_STACK_TOP + (uint64_t)(id)*LAYOUT_AP_STACK)
#define LAYOUT_END(n)	 LAYOUT_STACK((n)-1)

#define CPUS_MAX 64 /* the kernel's MAX_CPUS */

#define GDT_CODE 0x08 /* selectors */
#define GDT_DATA 0x10

#define MIB		  (1ull << 20)
#define PAGE_2M		  (2 * MIB)
#define GUEST_MEM_DEFAULT (64 * MIB)
#define GUEST_MEM_MIN	  ((uint64_t)HERMIT_IMAGE_BASE + PAGE_2M)
/* Guest RAM stays below the IOAPIC/LAPIC window at 0xfec00000. */
#define GUEST_MEM_MAX 0xfe000000ull

/* ---- options.c: the command line ---- */
struct options {
	uint64_t memory; /* bytes, a multiple of 2 MiB */
	unsigned cpus;	 /* 1..CPUS_MAX */
	bool verbose, help, version, check;
	const char *image;
	int argc; /* app arguments after the image (argv[0] excluded) */
	char **argv;
	int envc; /* KEY=VALUE strings from -e */
	const char **envv;
	int mountc; /* --mount HOST_DIR:GUEST_PATH, mount i = mounts[i] */
	struct opt_mount {
		char *host, *guest; /* malloc'd */
	} *mounts;
	const char *tap; /* --tap IFNAME: the guest's NIC; NULL: none */
	bool mac_set;	 /* --mac given; otherwise a random local MAC */
	uint8_t mac[6];
};

/* The environment variables that stand in for options not given. */
struct opt_env {
	const char *memory; /* HERMIT_MEMORY */
	const char *cpus;   /* HERMIT_CPUS */
	const char *tap;    /* HERMIT_TAP */
};

int opt_mount(struct options *o, const char *arg, char *err);
int opt_parse(struct options *o, int argc, char **argv, const struct opt_env *env, char *err);
void opt_free(struct options *o);
int opt_size(const char *s, uint64_t *bytes);
int opt_count(const char *s, unsigned *n);
int opt_mac(const char *s, uint8_t *mac);
size_t opt_quote(char *dst, const char *src);
char *opt_cmdline(const struct options *o);
void opt_usage(void);

/* ---- guest.c: guest RAM, page tables, GDT, boot_info ---- */
struct guest {
	uint8_t *mem;
	uint64_t size;
};

void *guest_ptr(const struct guest *g, uint64_t gpa, uint64_t len);
int guest_alloc(struct guest *g, uint64_t size, char *err);
void guest_free(struct guest *g);
void guest_setup_paging(struct guest *g);
int guest_set_argv0(struct guest *g, const char *path, char *err);
void guest_write_boot_info(struct guest *g, const struct boot_info *bi);

/* ---- image.c: hermit-c image checks and loading ---- */
struct image {
	const uint8_t *data; /* the whole file */
	size_t size;
	uint64_t entry;
	uint64_t start, end;		  /* guest-physical range of the PT_LOAD segments */
	uint64_t symtab_off, symtab_size; /* in the file; 0 when stripped */
	uint64_t strtab_off, strtab_size;
	const char *features; /* the kernel's feature set (a note), NULL if absent */
};

int image_read(const char *path, uint8_t **data, size_t *size, char *err);
int image_check(struct image *im, const uint8_t *data, size_t size, char *err);
uint64_t image_needs(const struct image *im);
int image_load(const struct image *im, struct guest *g, struct boot_info *bi, char *err);
const char *image_symbol(const struct image *im, uint64_t addr, uint64_t *off);

/* ---- virtq.c: split virtqueues, the device's side ---- */
#define VQ_SIZE_MAX 256 /* entries; a chain longer than its queue is a loop */

struct vq {
	const char *name;	    /* "transmit queue", for messages */
	uint16_t size;		    /* entries, a power of two */
	uint64_t desc, avail, used; /* guest-physical */
	bool event_idx;		    /* VIRTIO_F_EVENT_IDX negotiated */
	uint16_t last_avail;	    /* the next available entry to take */
	uint16_t used_idx;	    /* the next used entry to fill */
	uint16_t signalled;	    /* used_idx when vq_need_signal last looked */
};

/* A descriptor chain: nout device-readable buffers, then nin writable. */
struct vq_chain {
	uint16_t head;
	unsigned nout, nin;
	uint64_t out_len, in_len;
	struct iovec iov[VQ_SIZE_MAX];
};

int vq_check(const struct vq *q, const struct guest *g, char *err);
int vq_pop(struct vq *q, const struct guest *g, struct vq_chain *c, char *err);
int vq_push(struct vq *q, const struct guest *g, uint16_t head, uint32_t len, char *err);
bool vq_need_signal(struct vq *q, const struct guest *g);
size_t iov_copy_to(const struct iovec *iov, unsigned n, const void *src, size_t len);
size_t iov_copy_from(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len);

/* ---- pci.c: one PCI bus (bus 0) behind ports 0xcf8/0xcfc ---- */
#define PCI_SLOTS	32
#define PCI_BARS	6
#define PCI_CONFIG_PORT 0xcf8
#define PCI_DATA_PORT	0xcfc
#define PCI_MMIO_BASE	0xfe000000ull /* BARs: above RAM (GUEST_MEM_MAX), below the IOAPIC */
#define PCI_MMIO_END	0xfec00000ull

struct pci_func;

/* A device behind one function. bar_access is called without the bus
 * lock for an access of len (1-8) bytes at offset off of a memory BAR;
 * 0, or -1 with err set (the guest broke the device's protocol).
 * cfg_written is called with the bus lock held after the guest changed
 * configuration space [off, off+len). */
struct pci_ops {
	int (*bar_access)(struct pci_func *f, int bar, uint64_t off, uint8_t *data, unsigned len,
			  bool write, char *err);
	void (*cfg_written)(struct pci_func *f, unsigned off, unsigned len);
};

struct pci_func {
	unsigned cap_end;	     /* where the next capability goes */
	uint8_t cfg[256];	     /* type 0 header and capabilities */
	uint8_t wmask[256];	     /* bits the guest may change */
	uint32_t bar_size[PCI_BARS]; /* memory BARs, powers of two; 0: none */
	const struct pci_ops *ops;
	void *priv;
};

struct pci_bus {
	pthread_mutex_t lock;
	uint32_t addr; /* the 0xcf8 latch */
	struct pci_func *slot[PCI_SLOTS];
};

void pci_bus_init(struct pci_bus *b);
void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_rev);
void pci_set_bar(struct pci_func *f, int bar, uint32_t addr, uint32_t size);
unsigned pci_add_cap(struct pci_func *f, const void *cap, unsigned len);
void pci_attach(struct pci_bus *b, unsigned slot, struct pci_func *f);
bool pci_io(struct pci_bus *b, uint16_t port, bool write, unsigned size, uint8_t *data);
int pci_mmio(struct pci_bus *b, uint64_t gpa, bool write, unsigned len, uint8_t *data, char *err);

/* ---- tap.c: the host's tap device ---- */
int tap_open(const char *ifname, int *status, char *err);

/* ---- vnet.c: a virtio-net device (modern virtio-pci) on a tap device ---- */
#define VNET_QUEUES    2  /* 0 receives, 1 transmits */
#define VNET_MSIX      3  /* entries: configuration, then one per queue */
#define VNET_HDR       12 /* struct virtio_net_hdr with num_buffers */
#define VNET_FRAME_MAX 65536
#define VNET_BAR_SIZE  0x2000

struct run;

struct vnet {
	pthread_mutex_t lock; /* everything below, against vCPUs and the receive thread */
	struct pci_func fn;
	const struct guest *g;
	int vm_fd, tap_fd, wake_fd; /* wake_fd: an eventfd, "look at the queues" */
	uint8_t mac[6];
	/* the transport (common configuration) */
	uint32_t dfselect, gfselect;
	uint64_t features; /* the driver's */
	uint16_t msix_config, qsel;
	uint8_t status, isr;
	struct vnet_queue {
		struct vq vq;
		uint16_t msix;
		bool enabled;
	} q[VNET_QUEUES];
	/* MSI-X: the table and pending bits (BAR 0), enable and mask bits
	 * (configuration space, cached by cfg_written) */
	uint32_t msix_table[VNET_MSIX][4];
	uint32_t msix_pending;
	bool msix_on, msix_masked;
	unsigned msix_cap;
	/* receiving: one frame waits here when the guest has no buffer */
	struct run *run;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	size_t frame_len; /* 0: none waiting */
	uint8_t frame[VNET_HDR + VNET_FRAME_MAX];
	struct vq_chain chain; /* the receive thread's */
	uint64_t rx_frames, rx_dropped, tx_frames, tx_errors, irqs;
};

int vnet_init(struct vnet *n, const struct guest *g, int vm_fd, int tap_fd, const uint8_t *mac,
	      char *err);
int vnet_start(struct vnet *n, struct run *r, char *err);
void vnet_stop(struct vnet *n);
void vnet_free(struct vnet *n);

/* ---- kvm.c: the VM and its vCPUs ---- */
struct kvm_run;
struct kvm_cpuid2;

/* VM exits by KVM_EXIT_* reason and hypercalls by call, of one vCPU. */
struct vcpu_stats {
	uint64_t exits[64];
	uint64_t calls[UHYVE_HC_COUNT];
};

struct vcpu {
	unsigned id; /* the KVM vCPU id = its APIC id = RSI at entry */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started; /* thread is running */
	struct vcpu_stats st;
};

struct vm {
	int kvm, fd;
	unsigned ncpus;
	struct vcpu *cpus;
	size_t run_size;
	struct kvm_cpuid2 *cpuid; /* what KVM supports, before the per-vCPU ids */
};

int vm_open(struct vm *vm, char *err);
unsigned vm_max_cpus(struct vm *vm);
int vm_create(struct vm *vm, struct guest *g, unsigned ncpus, char *err);
int vm_boot_cpu(struct vm *vm, unsigned id, uint64_t entry, uint64_t rdi, char *err);
uint64_t vm_tsc_khz(struct vm *vm);
uint64_t vm_guest_tsc(struct vm *vm);
void vm_destroy(struct vm *vm);
void vm_dump_regs(const struct vcpu *c, const struct image *im);

/* ---- cpuid.c: the CPUID table of each vCPU ---- */
struct kvm_cpuid2 *cpuid_supported(int kvm, char *err);
struct kvm_cpuid2 *cpuid_for_cpu(const struct kvm_cpuid2 *supported, unsigned id);

/* ---- hostfs.c: host directories behind the FS_* hypercalls ---- */
#define HFS_MOUNTS_MAX 16
#define HFS_HANDLES    256

struct hfs {
	unsigned nmounts;
	int dirfd[HFS_MOUNTS_MAX]; /* O_PATH | O_DIRECTORY */
	pthread_mutex_t lock;	   /* the handle table */
	struct {
		int fd; /* -1: free */
		unsigned refs;
		bool closing;
	} h[HFS_HANDLES];
};

void hfs_init(struct hfs *fs);
int hfs_add(struct hfs *fs, const char *host, char *err);
void hfs_free(struct hfs *fs);
int hfs_call(struct hfs *fs, const struct guest *g, unsigned call, uint32_t arg, char *err);
/* The calls on host pointers (fs NULL: no mounts); each returns what the
 * hypercall's ret gets. */
int64_t hfs_open(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, int flags,
		 unsigned mode);
int64_t hfs_close(struct hfs *fs, int32_t h);
int64_t hfs_stat(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, bool follow,
		 struct uhyve_stat *out);
int64_t hfs_mkdir(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, unsigned mode);
int64_t hfs_unlink(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, bool dir);
int64_t hfs_rename(struct hfs *fs, uint32_t mount, const char *from, uint64_t from_len,
		   const char *to, uint64_t to_len);
int64_t hfs_symlink(struct hfs *fs, uint32_t mount, const char *target, uint64_t target_len,
		    const char *path, uint64_t len);
int64_t hfs_readlink(struct hfs *fs, uint32_t mount, const char *path, uint64_t len, char *buf,
		     uint64_t size);
int64_t hfs_pread(struct hfs *fs, int32_t h, void *buf, uint64_t len, uint64_t off);
int64_t hfs_pwrite(struct hfs *fs, int32_t h, const void *buf, uint64_t len, uint64_t off);
int64_t hfs_fstat(struct hfs *fs, int32_t h, struct uhyve_stat *out);
int64_t hfs_getdents(struct hfs *fs, int32_t h, void *buf, uint64_t len);
int64_t hfs_ftruncate(struct hfs *fs, int32_t h, uint64_t len);
int64_t hfs_fsync(struct hfs *fs, int32_t h, bool datasync);
int64_t hfs_statfs(struct hfs *fs, uint32_t mount, const char *path, uint64_t len,
		   struct uhyve_statfs *out);
int64_t hfs_fstatfs(struct hfs *fs, int32_t h, struct uhyve_statfs *out);

/* ---- hypercall.c: the calls of <hermit/hypercall.h> ---- */
struct vnet;

struct hc_env {
	struct guest *g;
	struct pci_bus *pci; /* ports 0xcf8-0xcff and the BARs; NULL: none */
	struct vnet *net;    /* --tap's NIC, NULL: none */
	struct hfs *fs;	     /* the host directories; NULL: none */
	const char *cmdline;
	int in_fd;	    /* where guest fd 0 reads from */
	int out_fd, err_fd; /* where guest fd 1 and 2 go */
	/* The signal mask while READ waits for input (run.c's kick signal
	 * unblocked, so that ending the guest interrupts it); NULL: read()
	 * with the thread's own mask. */
	const sigset_t *wait_mask;
};

enum { HC_CONTINUE = 0, HC_EXIT = 1, HC_ERROR = -1 };
int hc_handle(const struct hc_env *env, unsigned call, uint32_t arg, int *status, char *err);
const char *hc_name(unsigned call);

/* ---- run.c: one host thread per vCPU; the first vCPU to end the guest
 * ends them all ---- */
struct run {
	struct vm *vm;
	const struct hc_env *env;
	const struct image *im;
	bool verbose;
	pthread_mutex_t lock;
	pthread_cond_t go_cond;
	bool go;	  /* every thread exists: start the vCPUs */
	atomic_bool stop; /* the guest has ended: every vCPU stops */
	int status;	  /* uhyve's exit status, set by the vCPU that ended it */
};

int run_guest(struct vm *vm, const struct hc_env *env, const struct image *im, bool verbose,
	      double *ms);
bool run_end(struct run *r, int status);
void run_print_stats(const struct vm *vm);

/* ---- vcpu.c: one vCPU's run loop and the VM exits that end the guest ---- */
void vcpu_loop(struct run *r, struct vcpu *c);
const char *vcpu_exit_name(unsigned reason);

/* ---- probe.c: what this host's KVM can do ---- */
int probe_check(bool verbose);

/* ---- util ---- */
double now_ms(void);

#endif
