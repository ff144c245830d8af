/*
 * The MCP gateway (an agent of type gateway): JSON-RPC 2.0 on mcp.sock in
 * the run directory, a message a line, as MCP's stdio transport frames
 * them (orch-mcp relays a client's stdin and stdout to it). A connection
 * is the operator's, or the agent's whose session its process descends
 * from (the actor's identity check; ORCH_AGENT_ID, which orch-mcp says
 * first, may only narrow the operator down to an agent). Tool calls go to
 * the supervisor as that caller's, decided by the one permission table.
 */
#ifndef ORCH_ACTORS_GATEWAY_H
#define ORCH_ACTORS_GATEWAY_H

#include "actors/actor.h"

/* The socket's name in the run directory. */
#define GATEWAY_SOCKET	"mcp.sock"

/* The most a message may be (a line), and how deep its JSON may nest. */
#define GATEWAY_LINE_MAX	((size_t)4 << 20)
#define GATEWAY_DEPTH_MAX	64

/* Serve a's gateway socket. 0, or -1 with *cause. */
int	gateway_start(struct actor *a, char **cause);
void	gateway_free(struct actor *a);
/* Agents came or went: clients that listen hear the resources changed. */
void	gateway_roster(struct actor *a);

/*
 * Does text nest deeper than max (JSON brackets outside strings)? Decided
 * before any parser allocates for it.
 */
int	gateway_too_deep(const char *text, size_t len, unsigned max);

#endif
