/* SPDX-License-Identifier: MIT */
/*
 * lwIP's configuration for hermit-c (DESIGN.md D6): NO_SYS=0 on kernel
 * threads with core locking (input too: a device's receive thread feeds
 * the stack directly), MSS 1460, window scaling with large windows,
 * memory from the kernel heap, per-interface checksum control (virtual NICs
 * that vouch for a frame skip the checks), IPv4 with DHCP, loopback.
 * Sockets are our own (kernel/net/socket.c), on lwIP's netconn API; DNS
 * lookups are musl's, so lwIP's DNS code only keeps the servers a DHCP
 * lease names.
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#define NO_SYS				0
#define SYS_LIGHTWEIGHT_PROT		1
#define LWIP_TCPIP_CORE_LOCKING		1
#define LWIP_TCPIP_CORE_LOCKING_INPUT	1
#define LWIP_COMPAT_MUTEX		0
#define LWIP_TIMERS			1

/* Memory: the kernel heap for everything (pools are malloc'd too, so the
 * number of connections is bounded by memory, not by a table size). */
#define MEM_LIBC_MALLOC			1
#define MEMP_MEM_MALLOC			1
#define MEM_ALIGNMENT			8
#define mem_clib_malloc			kmalloc
#define mem_clib_free			kfree
#define mem_clib_calloc			lwip_port_calloc
#define PBUF_POOL_BUFSIZE		1536

/* Protocols. */
#define LWIP_IPV4			1
#define LWIP_IPV6			0
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
#define LWIP_ICMP			1
#define LWIP_RAW			0
#define LWIP_UDP			1
#define LWIP_TCP			1
#define LWIP_IGMP			0
#define LWIP_AUTOIP			0
#define LWIP_DHCP			1
#define LWIP_DHCP_DOES_ACD_CHECK	0
#define DHCP_DOES_ARP_CHECK		0
#define LWIP_DNS			1
#define DNS_MAX_SERVERS			2
#define LWIP_NETIF_HOSTNAME		1
#define LWIP_NETIF_STATUS_CALLBACK	1
#define LWIP_NETIF_LINK_CALLBACK	1
#define LWIP_NETIF_LOOPBACK		1
#define LWIP_HAVE_LOOPIF		1
#define LWIP_LOOPBACK_MAX_PBUFS		0
#define LWIP_CHECKSUM_CTRL_PER_NETIF	1
#define IP_REASSEMBLY			1
#define IP_FRAG				1
#define ARP_TABLE_SIZE			64
#define ARP_QUEUEING			1

/* TCP: MSS 1460, windows scaled by 16 (up to 1 MiB). */
#define TCP_MSS				1460
#define LWIP_WND_SCALE			1
#define TCP_RCV_SCALE			4
#define TCP_WND				(512 * 1024)
#define TCP_SND_BUF			(256 * 1024)
#define TCP_SND_QUEUELEN		((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT			32768 /* a u16_t: at most 0xffff - 4 * MSS */
#define TCP_SNDQUEUELOWAT		(TCP_SND_QUEUELEN / 4)
#define TCP_QUEUE_OOSEQ			1
#define TCP_LISTEN_BACKLOG		1
#define TCP_DEFAULT_LISTEN_BACKLOG	128
#define LWIP_TCP_KEEPALIVE		1
#define SO_REUSE			1
#define SO_REUSE_RXTOALL		1

/* The netconn API and its mailboxes. */
#define LWIP_NETCONN			1
#define LWIP_SOCKET			0
#define LWIP_NETIF_API			0
#define LWIP_SO_RCVTIMEO		1
#define LWIP_SO_SNDTIMEO		1
#define LWIP_SO_RCVBUF			1
#define RECV_BUFSIZE_DEFAULT		(1024 * 1024)
#define TCPIP_THREAD_NAME		"tcpip"
#define TCPIP_THREAD_STACKSIZE		0
#define TCPIP_THREAD_PRIO		0
#define TCPIP_MBOX_SIZE			1024
#define DEFAULT_THREAD_STACKSIZE	0
#define DEFAULT_RAW_RECVMBOX_SIZE	256
#define DEFAULT_UDP_RECVMBOX_SIZE	256
#define DEFAULT_TCP_RECVMBOX_SIZE	1024
#define DEFAULT_ACCEPTMBOX_SIZE		256

#define LWIP_STATS			0
#define LWIP_ERRNO_STDINCLUDE		1

#endif
