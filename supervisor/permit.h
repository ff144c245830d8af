/*
 * An interactive Claude Code's tool call, as its hook asks orch's gate
 * about it (agent_claude.c reads it off the actor's link, the door
 * decides it). A plain struct, so that neither includes the other.
 */
#ifndef ORCH_SUPERVISOR_PERMIT_H
#define ORCH_SUPERVISOR_PERMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct door_permit {
	uint64_t	 hold;		/* the actor's name for it */
	bool		 permission;	/* PermissionRequest (else PreToolUse) */
	char		 tool[128];
	const char	*text;		/* a Bash command, or the tool's input */
	size_t		 text_len;
	bool		 cut;		/* text is not all of the command */
};

#endif
