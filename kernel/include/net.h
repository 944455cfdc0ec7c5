/* SPDX-License-Identifier: MIT */
/*
 * The TCP/IP stack (feature `tcp`: lwIP, kernel/net/): what the device layer
 * and the boot code call. The stack is optional for the device layer, which
 * works without it (the frame-level self-test), hence the weak symbols.
 */
#ifndef KERNEL_NET_H
#define KERNEL_NET_H

#include <stdbool.h>
#include <stddef.h>

struct netdev;
struct cmdline;

/* Start the stack (its thread, addresses from the build and the command
 * line, DHCP with dhcpv4), before PCI drivers register devices. */
void net_init(const struct cmdline *cl) __attribute__((weak));
/* A registered device becomes an interface of the stack. */
void net_attach(struct netdev *nd) __attribute__((weak));
/* A received frame for the stack: 0, or -errno when it was dropped. */
int net_input(struct netdev *nd, const void *frame, size_t len, unsigned flags)
	__attribute__((weak));
void net_link_changed(struct netdev *nd) __attribute__((weak));

#endif
