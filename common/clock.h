/*
 * The monotonic clock every orch deadline, duration and back-off is
 * measured on.
 */
#ifndef ORCH_COMMON_CLOCK_H
#define ORCH_COMMON_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t	clock_now_ns(void);

#endif
