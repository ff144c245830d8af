/*
 * Permissions (DESIGN §9, the seed's Permission enum and safety tiers):
 * what an agent may ask of orch. The operator may do everything; an agent
 * what its permissions allow: those listed under `permissions:` (an empty
 * list is none), else its tier's.
 *
 *   tier 1 (autonomy):   session:read data:read data:share command:execute
 *   tier 2 (supervised): tier 1's and session:write (commands gated)
 *   tier 3 (manual):     none
 */
#ifndef ORCH_IPC_PERM_H
#define ORCH_IPC_PERM_H

#include <stdbool.h>
#include <stddef.h>

#include "ipc/agent_config.h"

enum perm {
	PERM_SESSION_READ = 0,	/* another agent's screen: attach -r, inspect */
	PERM_SESSION_WRITE,	/* type into another agent's session */
	PERM_SESSION_CREATE,	/* agent deploy */
	PERM_SESSION_DELETE,	/* agent terminate */
	PERM_DATA_SHARE,	/* bank writes of shared keys */
	PERM_DATA_READ,		/* bank reads of shared keys */
	PERM_COMMAND_EXECUTE,	/* a command in its own session */
	PERM_AGENT_COORDINATE,	/* work and messages for others, approvals */
	PERM_COUNT,
	PERM_NONE = PERM_COUNT,	/* anyone may */
	PERM_OPERATOR,		/* the operator only */
};

/* A set of permissions. */
typedef unsigned	perm_set;

#define PERM_BIT(p)	(1u << (p))

extern const char *const perm_names[PERM_COUNT];

/* "session:read", ...; "anyone", "operator only" for the other two. */
const char	*perm_name(enum perm p);
/* The permission of that name, or -1. */
int		 perm_parse(const char *name);
/* A tier's own (1-3; anything else: none). */
perm_set	 perm_tier(unsigned tier);
/* What ac may do: its list when it has one, else its tier's. */
perm_set	 perm_effective(const struct agent_config *ac);
/* "session:read data:share" (or "none") into buf. */
void		 perm_format(perm_set s, char *buf, size_t size);

#endif
