/*
 * A lock in shared memory that a process killed while holding it cannot
 * wedge: a process-shared robust pthread mutex. The next taker gets
 * EOWNERDEAD, runs the caller's repair function on the data the dead
 * owner may have left half-changed, and marks the mutex consistent (a
 * robust mutex left inconsistent becomes ENOTRECOVERABLE for good).
 * Waits are bounded on the monotonic clock.
 */
#ifndef ORCH_SHM_LOCK_H
#define ORCH_SHM_LOCK_H

#include <pthread.h>
#include <stdint.h>

typedef void (*lock_repair_fn)(void *arg);

/* Initialise a mutex placed in shared memory. 0 or an errno value. */
int	lock_init(pthread_mutex_t *m);

/*
 * Take m within timeout_ns. Returns 0, 1 when a dead owner's state was
 * repaired first, or a negative errno (-ETIMEDOUT, -ENOTRECOVERABLE).
 */
int	lock_take(pthread_mutex_t *m, uint64_t timeout_ns,
	    lock_repair_fn repair, void *arg);
void	lock_release(pthread_mutex_t *m);

#endif
