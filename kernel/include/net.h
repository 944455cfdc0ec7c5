/* SPDX-License-Identifier: MIT */
/*
 * The TCP/IP stack (feature `tcp`: lwIP, kernel/net/): what the device layer
 * and the boot code call.
 */
#ifndef KERNEL_NET_H
#define KERNEL_NET_H

#include <stdbool.h>
#include <stddef.h>

struct netdev;
struct cmdline;

/* Start the stack (its thread, addresses from the build and the command
 * line, DHCP with dhcpv4), before PCI drivers register devices. */
void net_init(const struct cmdline *cl);
/* A registered device becomes an interface of the stack. */
void net_attach(struct netdev *nd);
/* A received frame for the stack: 0, or -errno when it was dropped. */
int net_input(struct netdev *nd, const void *frame, size_t len, unsigned flags);
void net_link_changed(struct netdev *nd);

#endif
