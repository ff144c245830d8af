/*
 * The memory bank and the event bus served over an ipc connection: the
 * mem.* and events.read operations, as the supervisor answers them for
 * the operator and as each actor answers them for the agent in its
 * session (whose identity and permissions it knows). Access is decided
 * here, at the edge, with bank_may_read / bank_may_write.
 *
 * events.read may wait: the request is parked until an event arrives or
 * its wait runs out, woken through ring_notify in the owner's loop.
 */
#ifndef ORCH_SHM_SERVE_H
#define ORCH_SHM_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>

#include "ipc/peer.h"
#include "shm/region.h"

struct event_base;
struct serve;

/* Who is asking. id NULL: the operator, who may do anything. */
struct serve_caller {
	const char	*id;
	bool		 can_read;	/* data:read */
	bool		 can_share;	/* data:share */
};

enum serve_result {
	SERVE_NOT_MINE = 0,	/* not a mem.* or events.* operation */
	SERVE_DONE,		/* answered (or parked, for a wait) */
	SERVE_DENIED,		/* answered with IPC_E_DENIED; *why says */
};

struct serve	*serve_new(struct event_base *base, struct region *rg,
		    char **cause);
void		 serve_free(struct serve *sv);

enum serve_result serve_dispatch(struct serve *sv, struct peer *p,
		    const struct envelope *env, const struct serve_caller *who,
		    char *why, size_t whysize);

/* The connection is going away: drop its parked requests. */
void		 serve_forget(struct serve *sv, struct peer *p);

/*
 * An array of the last max events on the bus that who may see (those
 * events.read gives it), oldest first, as events.read packs them but for
 * the payload: the msgpack value it holds, or nil.
 */
void		 serve_pack_recent(struct serve *sv, msgpack_packer *pk,
		    const struct serve_caller *who, unsigned max);
/* Events published since the bus was made; entries in the bank now. */
uint64_t	 serve_events_total(const struct serve *sv);
uint32_t	 serve_bank_entries(const struct serve *sv);

/* Publish an event on the bus (payload: a packed msgpack value or NULL). */
int		 serve_publish(struct serve *sv, const char *type,
		    const char *source, const char *target,
		    const void *payload, size_t len);

#endif
