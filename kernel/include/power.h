/* SPDX-License-Identifier: MIT */
/* Ending the machine with the app's exit code (DESIGN.md D9). */
#ifndef KERNEL_POWER_H
#define KERNEL_POWER_H

#include "lib.h"

noreturn void power_exit(int code);

#endif
