/*
 * Sleeping on a 32-bit word in shared memory until another process changes
 * it: the only platform-specific code of shm/ (every #ifdef is in
 * futex.c). Linux uses a shared (not FUTEX_PRIVATE) futex, macOS
 * __ulock_wait's shared form; elsewhere (and in an ORCH_PORTABLE build) a
 * bounded polling sleep stands in.
 */
#ifndef ORCH_SHM_FUTEX_H
#define ORCH_SHM_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * Sleep while *addr == expected, at most timeout_ns (0: no limit). Returns
 * 0 when woken or the value differed, -1 on timeout (spurious wake-ups are
 * possible: callers re-check their condition).
 */
int	futex_wait(_Atomic uint32_t *addr, uint32_t expected,
	    uint64_t timeout_ns);
/* Wake up to n sleepers on addr (n < 0: all). */
void	futex_wake(_Atomic uint32_t *addr, int n);

#endif
