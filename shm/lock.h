/*
 * A lock in shared memory that neither a process killed while holding it
 * nor a process that writes over it can wedge or crash its other users.
 *
 * Not a pthread mutex: glibc reads a mutex's kind from the mutex itself,
 * so a region writer could make it take another code path (lock elision
 * raises SIGILL on a CPU without TSX). Here the lock is one word holding
 * its owner: thread id and the low 32 bits of that thread's start time,
 * so a recycled id is not mistaken for the owner. A taker that finds the
 * owner gone (dead, or a word that names no live thread) takes the lock
 * over and runs the caller's repair function on what the owner may have
 * left half-changed. Waits sleep on a futex and are bounded on the
 * monotonic clock.
 */
#ifndef ORCH_SHM_LOCK_H
#define ORCH_SHM_LOCK_H

#include <stdatomic.h>
#include <stdint.h>

struct lock {
	_Atomic uint64_t	owner;		/* 0: free */
	_Atomic uint32_t	seq;		/* futex word: bumped per release */
	_Atomic uint32_t	waiters;
};

typedef void (*lock_repair_fn)(void *arg);

/* Initialise a lock placed in shared memory. */
void	lock_init(struct lock *l);

/*
 * Take l within timeout_ns. Returns 0, 1 when a gone owner's state was
 * repaired first, or -ETIMEDOUT.
 */
int	lock_take(struct lock *l, uint64_t timeout_ns, lock_repair_fn repair,
	    void *arg);
void	lock_release(struct lock *l);

#endif
