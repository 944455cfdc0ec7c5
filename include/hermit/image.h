/* SPDX-License-Identifier: MIT */
/*
 * What makes an ELF file a hermit-c image (DESIGN.md D3): a static x86_64
 * ELF64 executable carrying, in a PT_NOTE segment, a note with owner
 * HERMIT_NOTE_NAME, type HERMIT_NOTE_ABI and a 4-byte descriptor holding
 * HERMIT_ABI_VERSION. Loaders refuse anything else.
 */
#ifndef HERMIT_IMAGE_H
#define HERMIT_IMAGE_H

#define HERMIT_NOTE_NAME "hermit-c" /* namesz 9 with the NUL */
#define HERMIT_NOTE_NAMESZ 9
#define HERMIT_NOTE_ABI 1
/* A second note of the same owner: the kernel's build-time feature set as
 * a NUL-terminated, space-separated string (DESIGN.md D5). */
#define HERMIT_NOTE_FEATURES 2
#define HERMIT_ABI_VERSION 1

/* Where hermit-gcc links images (physical = virtual, identity-mapped). */
#define HERMIT_IMAGE_BASE 0x400000

#endif
