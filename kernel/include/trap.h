/* SPDX-License-Identifier: MIT */
/* Traps: the dispatcher called by isr.S, and the fatal fault report. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include "arch.h"

struct trap_frame *trap_enter(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f);
/* Name the function holding addr: "name+0xoff", or NULL if unknown. */
const char *symbol_name(uint64_t addr, uint64_t *offset);
/* A frame-pointer backtrace from rip/rbp/rsp, each line after prefix. */
void trap_backtrace(uint64_t rip, uint64_t rbp, uint64_t rsp, const char *indent);
void symbols_init(uint64_t symtab, uint64_t symtab_size, uint64_t strtab, uint64_t strtab_size);

#endif
