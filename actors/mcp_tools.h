/*
 * The MCP gateway's tools, one table: each tool's schemas, annotations,
 * and how its call becomes a request to orch (an operation the supervisor
 * answers, decided there by the one permission table as the caller's, or
 * one an agent's actor answers) and how the answer becomes the tool's
 * structured result.
 */
#ifndef ORCH_ACTORS_MCP_TOOLS_H
#define ORCH_ACTORS_MCP_TOOLS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <msgpack.h>

#include "ipc/agent_config.h"

/* Where a call goes once its arguments are packed. */
enum mcp_route {
	MCP_SUPERVISOR = 0,	/* up the link, as the caller's */
	MCP_ACTOR,		/* to the actor of the agent in `to` */
	MCP_BANK,		/* the bank and bus, served here as the
				   caller's */
	MCP_OWN_ACTOR,		/* to the caller's own actor (its inbox) */
};

/* A call on its way: what mcp_tool_args fills in. */
struct mcp_req {
	const char	*op;		/* the orch operation */
	enum mcp_route	 route;
	char		 to[AGENT_ID_MAX + 1];	/* msg.send's target, MCP_ACTOR's
						   agent */
	unsigned	 pri;
	msgpack_sbuffer	 body;
};

struct mcp_tool;

/* The tool named, or NULL. */
const struct mcp_tool *mcp_tool_find(const char *name);

/*
 * Every tool as tools/list shows it (a new array); agents (NULL: not
 * said) names the agents running, for the tools that take one.
 */
json_t		*mcp_tools_list(const char *agents);

/*
 * Check args against the tool's needs and pack the request into r (its
 * body initialised here; msgpack_sbuffer_destroy it). 0, or -1 with why
 * naming the argument at fault.
 */
int		 mcp_tool_args(const struct mcp_tool *t, const json_t *args,
		    struct mcp_req *r, char *why, size_t size);

/*
 * The tool's structured result from orch's answer (a JSON value; NULL for
 * none) and the arguments it was called with: a new object, or NULL with
 * why when the answer says the call failed (no such task).
 */
json_t		*mcp_tool_result(const struct mcp_tool *t, const json_t *answer,
		    const json_t *args, char *why, size_t size);

/* The permission table's name for what the tool asks of an actor. */
const char	*mcp_tool_op(const struct mcp_tool *t);

#endif
