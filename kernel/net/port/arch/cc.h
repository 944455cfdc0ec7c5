/* SPDX-License-Identifier: MIT */
/* lwIP's compiler and platform definitions for hermit-c's kernel. */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>
#include "lib.h"
#include "mm.h"

/* musl's endian.h defines BYTE_ORDER; x86-64 is little-endian. */
#define LWIP_NO_STDDEF_H 0
#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

#define LWIP_PLATFORM_DIAG(x) do { kprintf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) panic("lwIP: assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)

uint32_t lwip_port_rand(void);
void *lwip_port_calloc(size_t n, size_t size);
#define LWIP_RAND() lwip_port_rand()

#endif
