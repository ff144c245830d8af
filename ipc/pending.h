/*
 * Outstanding requests of one connection: found by id when the answer
 * arrives, ordered by deadline so that one timer serves them all.
 *
 * The table never reads a clock: callers pass "now" (monotonic ns), so
 * expiry is unit-tested without sleeping.
 */
#ifndef ORCH_IPC_PENDING_H
#define ORCH_IPC_PENDING_H

#include <stddef.h>
#include <stdint.h>

struct envelope;
struct peer;

/*
 * Called exactly once per request: err is IPC_OK with the answer in reply,
 * or an IPC_E_* code (the answer's own error, IPC_E_TIMEOUT,
 * IPC_E_PEER_GONE) with reply NULL unless an answer arrived.
 */
typedef void (*ipc_reply_cb)(struct peer *peer, int err,
    const struct envelope *reply, void *arg);

struct pending;

struct pending_table {
	struct pending	**buckets;	/* chained by id */
	size_t		  mask;
	size_t		  count;
	struct pending	**heap;		/* min-heap by deadline */
	size_t		  heap_cap;
};

void	 pending_init(struct pending_table *t);
/* Free every entry without calling back. */
void	 pending_done(struct pending_table *t);

/* Returns -1 if id is already pending. */
int	 pending_add(struct pending_table *t, uint64_t id, uint64_t deadline_ns,
	    ipc_reply_cb cb, void *arg);

/* Complete request id; returns -1 if it is not pending (late or unknown). */
int	 pending_complete(struct pending_table *t, struct peer *owner,
	    uint64_t id, int err, const struct envelope *reply);

/* Fail every request whose deadline is at or before now; returns how many. */
size_t	 pending_expire(struct pending_table *t, struct peer *owner,
	    uint64_t now_ns);

/* Fail every request with err (the connection is gone). */
size_t	 pending_fail_all(struct pending_table *t, struct peer *owner, int err);

/* Earliest deadline, or UINT64_MAX when nothing is pending. */
uint64_t pending_next_deadline(const struct pending_table *t);
size_t	 pending_count(const struct pending_table *t);

#endif
