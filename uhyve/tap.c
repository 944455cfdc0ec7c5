/* SPDX-License-Identifier: MIT */
/*
 * The host side of the guest's NIC: an existing tap device, attached with
 * IFF_TAP | IFF_NO_PI | IFF_VNET_HDR. Each frame read or written carries a
 * 12-byte virtio-net header in front (TUNSETVNETHDRSZ), which is exactly
 * the guest's, so checksums the guest leaves to the device are completed
 * by the host kernel. No offloads are switched on (TUNSETOFFLOAD 0): the
 * host hands over only whole, checksummed frames of at most its MTU.
 *
 * uhyve never creates an interface: TUNSETIFF would make a new one for a
 * name that does not exist, so that is refused first.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "uhyve.h"

/* Why TUNSETIFF failed, in words. */
static const char *tap_why(int e)
{
	switch (e) {
	case EPERM:
		return "not allowed to attach to it (needs CAP_NET_ADMIN, or a tap device made "
		       "for this user: ip tuntap add NAME mode tap user USER)";
	case EBUSY:
		return "busy: another process has it open";
	case EINVAL:
		return "not a tap device (a tun device, another kind of interface, or one made "
		       "with multi_queue)";
	}
	return strerror(e);
}

/* Open the tap device ifname: its fd (non-blocking), or -1 with err and
 * *status (UHYVE_EXIT_USAGE: no such interface; UHYVE_EXIT_NOKVM: the
 * host cannot give it to us). */
int tap_open(const char *ifname, int *status, char *err)
{
	struct ifreq ifr;
	int fd, hdr = VNET_HDR, e;

	*status = UHYVE_EXIT_USAGE;
	if (!*ifname || strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, ERRLEN, "not an interface name (1 to %d bytes)", IFNAMSIZ - 1);
		return -1;
	}
	if (!if_nametoindex(ifname)) {
		snprintf(err, ERRLEN,
			 "no such network interface (uhyve does not create one: ip tuntap add "
			 "%s mode tap)",
			 ifname);
		return -1;
	}
	*status = UHYVE_EXIT_NOKVM;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, ERRLEN, "/dev/net/tun: cannot open: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, ERRLEN, "%s", tap_why(errno));
		goto fail;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(fd, TUNSETOFFLOAD, 0ul) < 0) {
		e = errno;
		snprintf(err, ERRLEN, "cannot set up its virtio-net header: %s", strerror(e));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}
