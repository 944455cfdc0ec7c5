/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls to uhyve. Argument structs must sit below 4 GiB at a physical
 * address: static storage in the image (identity-mapped at 4 MiB) satisfies
 * that; so do the bounce buffers, since app buffers may live in the virtual
 * mmap area that uhyve cannot see.
 */
#include "spinlock.h"
#include "uhyve.h"

static bool on_uhyve;

/* The host reads and writes *arg during the `out`: the memory clobber keeps
 * the compiler from moving our stores past it or our loads before it. */
void uhyve_hypercall(enum uhyve_call call, void *arg)
{
	__asm__ volatile("outl %0, %1"
			 :
			 : "a"((uint32_t)(uintptr_t)arg), "Nd"((uint16_t)UHYVE_PORT(call))
			 : "memory");
}

bool uhyve_present(void)
{
	return on_uhyve;
}

void uhyve_init(void)
{
	static struct uhyve_hello hello;

	on_uhyve = true;
	hello.guest_abi = UHYVE_ABI_VERSION;
	uhyve_hypercall(UHYVE_HC_HELLO, &hello);
}

void uhyve_write(int fd, const char *buf, size_t len)
{
	static struct uhyve_write arg;
	static char bounce[4096];

	while (len) {
		size_t n = MIN(len, sizeof(bounce));
		kmemcpy(bounce, buf, n);
		arg = (struct uhyve_write){ .fd = fd, .buf = (uintptr_t)bounce, .len = n };
		uhyve_hypercall(UHYVE_HC_WRITE, &arg);
		buf += n;
		len -= n;
	}
}

long uhyve_read(int fd, char *buf, size_t len)
{
	static struct spinlock lock;
	static struct uhyve_read arg;
	static char bounce[4096];
	long ret;

	spin_lock(&lock);
	arg = (struct uhyve_read){ .fd = fd, .buf = (uintptr_t)bounce,
				   .len = MIN(len, sizeof(bounce)) };
	uhyve_hypercall(UHYVE_HC_READ, &arg);
	ret = arg.ret;
	if (ret > 0)
		kmemcpy(buf, bounce, (size_t)ret);
	spin_unlock(&lock);
	return ret;
}

long uhyve_cmdline(char *buf, size_t len)
{
	static struct uhyve_cmdline arg;

	/* buf is kernel static storage (identity-mapped), fine for the host. */
	arg = (struct uhyve_cmdline){ .buf = (uintptr_t)buf, .len = len };
	uhyve_hypercall(UHYVE_HC_CMDLINE, &arg);
	return arg.ret == 0 ? (long)arg.size - 1 : -1;
}

noreturn void uhyve_exit(int code)
{
	static struct uhyve_exit arg;

	arg.code = code;
	for (;;)
		uhyve_hypercall(UHYVE_HC_EXIT, &arg);
}
