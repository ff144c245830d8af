/*
 * Connections to other agents' actor sockets (actors/<id>.sock), opened
 * on first use and kept: the path a direct message takes from one actor
 * (or the supervisor, for the operator) to another, without passing
 * through the supervisor.
 */
#ifndef ORCH_IPC_RELAY_H
#define ORCH_IPC_RELAY_H

#include <stddef.h>

#include "ipc/peer.h"

struct event_base;
struct relay;

struct relay	*relay_new(struct event_base *base, const char *instance);
void		 relay_free(struct relay *r);

/*
 * Send op to agent `to` as `from` with priority pri. cb runs exactly once
 * with the answer, a timeout, or IPC_E_PEER_GONE if the agent dies first.
 * Returns 0, or -1 with *cause when the agent has no live socket (cb does
 * not run).
 */
int		 relay_send(struct relay *r, const char *from, const char *to,
		    const char *op, unsigned pri, const void *body, size_t len,
		    unsigned timeout_ms, ipc_reply_cb cb, void *arg,
		    char **cause);

#endif
