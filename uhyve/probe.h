/* SPDX-License-Identifier: MIT */
/* Constants shared by the probe guest (probe.S) and probe.c. */
#ifndef UHYVE_PROBE_H
#define UHYVE_PROBE_H

#define PROBE_PORT_LONG	 0x4f0
#define PROBE_PORT_SPEED 0x4f1
#define PROBE_PORT_SSE	 0x4f2
#define PROBE_LOOPS	 20000
#define PROBE_RESULT	 42

#endif
