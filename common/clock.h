/*
 * The monotonic clock every orch deadline, duration and back-off is
 * measured on, and the wall clock that dates what people read.
 */
#ifndef ORCH_COMMON_CLOCK_H
#define ORCH_COMMON_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t	clock_now_ns(void);
/* CLOCK_REALTIME in milliseconds since the epoch: timestamps, never spans. */
uint64_t	clock_wall_ms(void);

#endif
