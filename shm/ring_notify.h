/*
 * Waking a subscriber that lives in an event loop (libevent, poll): a
 * helper thread sleeps on the bus's futex on the loop's behalf and makes a
 * pipe readable when events arrive. It never touches the subscriber's
 * cursor; the loop reads with ring_read as usual.
 *
 * The loop, when it runs out of events: takes ring_notify_mark(), reads
 * until ring_read returns 0, then calls ring_notify_arm() with the mark
 * and goes back to sleep on ring_notify_fd(). The pipe is written only
 * while the loop is armed (asleep), so a busy subscriber costs nothing,
 * and producers still make a system call only for sleepers.
 */
#ifndef ORCH_SHM_RING_NOTIFY_H
#define ORCH_SHM_RING_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "shm/ring.h"

struct ring_notify;

struct ring_notify *ring_notify_start(struct ring *r, char **cause);
void		 ring_notify_stop(struct ring_notify *n);

/* The descriptor to watch for reading. */
int		 ring_notify_fd(const struct ring_notify *n);

/* The publish counter, taken before the final drain. */
uint32_t	 ring_notify_mark(const struct ring_notify *n);

/*
 * Sleep: the fd becomes readable once anything is published after mark
 * (at once if something already was). stalled: the subscriber is waiting
 * on a claim that may be aborted, so wake it after a short while anyway.
 * Empties the pipe first.
 */
void		 ring_notify_arm(struct ring_notify *n, uint32_t mark,
		    bool stalled);

/*
 * Nobody waits any more: stop watching the bus and empty the pipe. The
 * loop must call this (or arm again) every time the fd is readable, or it
 * stays readable for ever.
 */
void		 ring_notify_disarm(struct ring_notify *n);

#endif
