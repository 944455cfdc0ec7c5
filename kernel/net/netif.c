/* SPDX-License-Identifier: MIT */
/*
 * The stack's side of network devices: lwIP starts (its thread, loopback),
 * every netdev becomes an Ethernet netif with the configured address or a
 * DHCP lease (feature dhcpv4), received frames enter under the core lock,
 * frames to send leave through the driver (with checksum offload when the
 * device has it), and one log line tells the address once it is there. The
 * DNS servers of a lease go into /etc/resolv.conf for musl's resolver.
 *
 * Addresses: HERMIT_IP, HERMIT_GATEWAY, HERMIT_MASK from the command line
 * (-ip/-gateway/-mask, or env=), else from the build, else 10.0.5.3,
 * 10.0.5.1, 255.255.255.0 (DESIGN.md D5).
 */
#include <errno.h>
#include <fcntl.h>
#include "lwip/opt.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include "boot.h"
#include "file.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "net.h"
#include "netdev.h"
#include "vfs.h"

static ip4_addr_t cfg_ip, cfg_mask, cfg_gw;

/* The build's addresses: hermit-gcc links strong definitions into the image
 * for those set at build time (HERMIT_IP=... hermit-gcc); "" = not set. */
__attribute__((weak)) const char hermit_ip_default[] = "";
__attribute__((weak)) const char hermit_gateway_default[] = "";
__attribute__((weak)) const char hermit_mask_default[] = "";
static bool use_dhcp;
static char hostname[64] = "hermit";

/* An address setting: the command line's option, the run-time
 * environment, the build's value, else the default. */
static void address(const char *opt, const struct cmdline *cl, const char *key, const char *build,
		    const char *dflt, ip4_addr_t *out)
{
	const char *v = opt ? opt : cmdline_getenv(cl, key);

	if (build[0])
		dflt = build; /* hermit-gcc checked it */
	if (v && !ip4addr_aton(v, out)) {
		pr_warn("net: %s=%s is not an IPv4 address; using %s", key, v, dflt);
		v = NULL;
	}
	if (!v)
		ip4addr_aton(dflt, out);
}

void net_init(const struct cmdline *cl)
{
	const char *host = cmdline_getenv(cl, "HOSTNAME");
#ifdef HERMIT_FEATURE_DHCPV4
	const char *ip = cl->ip ? cl->ip : cmdline_getenv(cl, "HERMIT_IP");

	if (!ip && hermit_ip_default[0])
		ip = hermit_ip_default;
#endif

	address(cl->ip, cl, "HERMIT_IP", hermit_ip_default, "10.0.5.3", &cfg_ip);
	address(cl->gateway, cl, "HERMIT_GATEWAY", hermit_gateway_default, "10.0.5.1", &cfg_gw);
	address(cl->mask, cl, "HERMIT_MASK", hermit_mask_default, "255.255.255.0", &cfg_mask);
	if (host)
		ksnprintf(hostname, sizeof(hostname), "%s", host);
#ifdef HERMIT_FEATURE_DHCPV4
	use_dhcp = true;
	if (ip)
		pr_warn("net: HERMIT_IP=%s is set, but feature dhcpv4 is on: the address comes "
			"from DHCP and HERMIT_IP is ignored", ip);
#endif
	tcpip_init(NULL, NULL);
}

/* /etc/resolv.conf from the lease's DNS servers. */
static void write_resolv_conf(const char *text)
{
	struct file *f;

	if (vfs_open(AT_FDCWD, "/etc/resolv.conf", O_WRONLY | O_TRUNC | O_CREAT, 0644, &f)) {
		pr_warn("net: cannot write /etc/resolv.conf");
		return;
	}
	f->ops->write(f, text, kstrlen(text));
	file_put(f);
}

/* Called by lwIP (core lock held) when the interface's address or state
 * changes: one line once it has an address. */
static void status_changed(struct netif *n)
{
	struct netdev *nd = n->state;
	static ip4_addr_t logged[8];
	char ip[16], mask[16], gw[16], dns[40] = "", resolv[128] = "";
	const char *how = use_dhcp ? "DHCP" : "static";
	unsigned idx = netif_get_index(n) % 8;

	if (!netif_is_up(n) || ip4_addr_isany_val(*netif_ip4_addr(n)) ||
	    ip4_addr_cmp(&logged[idx], netif_ip4_addr(n)))
		return;
	logged[idx] = *netif_ip4_addr(n);
	ip4addr_ntoa_r(netif_ip4_addr(n), ip, sizeof(ip));
	ip4addr_ntoa_r(netif_ip4_netmask(n), mask, sizeof(mask));
	ip4addr_ntoa_r(netif_ip4_gw(n), gw, sizeof(gw));
	if (use_dhcp) {
		size_t used = 0, rused = 0;

		for (int i = 0; i < DNS_MAX_SERVERS; i++) {
			const ip_addr_t *s = dns_getserver((u8_t)i);
			char a[16];

			if (ip_addr_isany(s))
				continue;
			ip4addr_ntoa_r(ip_2_ip4(s), a, sizeof(a));
			used += ksnprintf(dns + used, sizeof(dns) - used, "%s%s", used ? " " : "", a);
			rused += ksnprintf(resolv + rused, sizeof(resolv) - rused, "nameserver %s\n", a);
		}
		if (rused)
			write_resolv_conf(resolv);
	}
	pr_info("%s: address %s, mask %s, gateway %s, DNS %s (%s)", nd->name, ip, mask, gw,
		dns[0] ? dns : "none", how);
}

static void link_changed(struct netif *n)
{
	(void)n;
}

/* The frame leaves through the driver. With checksum offload, lwIP left
 * the TCP/UDP checksum field empty: put the pseudo-header sum there and
 * tell the device where the transport header starts. The Ethernet, IP and
 * transport headers are in the first pbuf (lwIP builds them there). */
static void offload(struct pbuf *p, struct netdev_csum *cs)
{
	uint8_t *f = p->payload;
	unsigned ihl, proto, off;
	uint32_t sum;
	uint16_t len;

	cs->start = 0;
	if (p->len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	ihl = (f[14] & 0xf) * 4u;
	proto = f[23];
	if ((f[20] & 0x3f) || f[21]) /* a fragment: already complete */
		return;
	if (proto == 6)
		off = 16;
	else if (proto == 17)
		off = 6;
	else
		return;
	if (p->len < 14 + ihl + off + 2)
		return;
	len = (uint16_t)(((f[16] << 8) | f[17]) - ihl);
	/* Source and destination address, protocol, transport length. */
	sum = 0;
	for (unsigned i = 26; i < 34; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	sum += proto + len;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[14 + ihl + off] = (uint8_t)(sum >> 8);
	f[14 + ihl + off + 1] = (uint8_t)sum;
	cs->start = (uint16_t)(14 + ihl);
	cs->offset = (uint16_t)off;
}

static err_t link_output(struct netif *n, struct pbuf *p)
{
	struct netdev *nd = n->state;
	struct netdev_seg seg[NETDEV_MAX_SEGS];
	struct netdev_csum cs = {0, 0};
	unsigned nseg = 0;
	int err;

	for (struct pbuf *q = p; q; q = q->next) {
		if (nseg == NETDEV_MAX_SEGS)
			return ERR_BUF;
		if (q->len)
			seg[nseg++] = (struct netdev_seg){q->payload, q->len};
	}
	if (nd->flags & NETDEV_F_TX_CSUM)
		offload(p, &cs);
	err = nd->ops->xmit(nd, seg, nseg, cs.start ? &cs : NULL);
	if (err == -ENOBUFS)
		return ERR_MEM; /* TCP keeps the segment and tries again */
	return err ? ERR_IF : ERR_OK;
}

static err_t netif_setup(struct netif *n)
{
	struct netdev *nd = n->state;

	n->name[0] = 'e', n->name[1] = 'n';
	n->output = etharp_output;
	n->linkoutput = link_output;
	n->mtu = nd->mtu;
	n->hwaddr_len = 6;
	kmemcpy(n->hwaddr, nd->mac, 6);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->hostname = hostname;
	NETIF_SET_CHECKSUM_CTRL(n, nd->flags & NETDEV_F_TX_CSUM
					   ? NETIF_CHECKSUM_ENABLE_ALL &
						     ~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP)
					   : NETIF_CHECKSUM_ENABLE_ALL);
	return ERR_OK;
}

void net_attach(struct netdev *nd)
{
	struct netif *n = kzalloc(sizeof(*n));

	if (!n) {
		pr_warn("%s: no memory for its interface", nd->name);
		return;
	}
	LOCK_TCPIP_CORE();
	if (!netif_add(n, use_dhcp ? IP4_ADDR_ANY4 : &cfg_ip, use_dhcp ? IP4_ADDR_ANY4 : &cfg_mask,
		       use_dhcp ? IP4_ADDR_ANY4 : &cfg_gw, nd, netif_setup, ethernet_input)) {
		UNLOCK_TCPIP_CORE();
		pr_warn("%s: lwIP refused the interface", nd->name);
		kfree(n);
		return;
	}
	nd->stack = n;
	if (!netif_default)
		netif_set_default(n);
	netif_set_status_callback(n, status_changed);
	netif_set_link_callback(n, link_changed);
	netif_set_up(n);
	if (nd->link_up)
		netif_set_link_up(n);
	if (use_dhcp && dhcp_start(n) != ERR_OK)
		pr_warn("%s: DHCP did not start", nd->name);
	UNLOCK_TCPIP_CORE();
}

void net_link_changed(struct netdev *nd)
{
	struct netif *n = nd->stack;

	LOCK_TCPIP_CORE();
	if (nd->link_up)
		netif_set_link_up(n);
	else
		netif_set_link_down(n);
	UNLOCK_TCPIP_CORE();
}

int net_input(struct netdev *nd, const void *frame, size_t len, unsigned flags)
{
	struct netif *n = nd->stack;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);

	if (!p)
		return -ENOMEM;
	pbuf_take(p, frame, (u16_t)len);
	LOCK_TCPIP_CORE();
	/* Checks are skipped for frames the device vouches for. */
	NETIF_SET_CHECKSUM_CTRL(n, (n->chksum_flags & 0x00ff) |
					   ((flags & NETDEV_RX_CSUM_OK) ? 0 : 0xff00));
	if (n->input(p, n) != ERR_OK)
		pbuf_free(p);
	UNLOCK_TCPIP_CORE();
	return 0;
}
