/* SPDX-License-Identifier: MIT */
/* The guest side of the uhyve hypercall ABI (include/hermit/hypercall.h). */
#ifndef KERNEL_UHYVE_H
#define KERNEL_UHYVE_H

#include <stdbool.h>
#include <stddef.h>
#include <hermit/hypercall.h>
#include "lib.h"

bool uhyve_present(void);
/* Make hypercall `call`; arg must lie below 4 GiB at its physical address
 * (static kernel storage does). */
void uhyve_hypercall(enum uhyve_call call, void *arg);
/* Say hello (ABI check) and remember that we run on uhyve. */
void uhyve_init(void);
void uhyve_write(int fd, const char *buf, size_t len);
/* Read the host's stdin: bytes read, 0 at end of file, or -errno. */
long uhyve_read(int fd, char *buf, size_t len);
/* Fetch the command line into buf; returns its length, or -1. */
long uhyve_cmdline(char *buf, size_t len);
noreturn void uhyve_exit(int code);

#endif
