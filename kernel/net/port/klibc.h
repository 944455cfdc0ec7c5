/* SPDX-License-Identifier: MIT */
/*
 * Forced into every lwIP file (-include): lwIP's calls to the C library's
 * string functions go to the kernel's own (lib.h), never to musl's copies
 * linked into the same image for the app, which may use SSE registers that
 * belong to the app.
 */
#ifndef LWIP_PORT_KLIBC_H
#define LWIP_PORT_KLIBC_H
#include <string.h>
#include "lib.h"
#define memcpy	kmemcpy
#define memset	kmemset
#define memmove kmemmove
#define memcmp	kmemcmp
#define strlen	kstrlen
#define strcmp	kstrcmp
#define strncmp kstrncmp
#endif
