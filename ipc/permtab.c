#include "ipc/permtab.h"

#include <stdio.h>
#include <string.h>

#include "ipc/proto.h"

#define ANYONE		PERM_NONE
#define OPERATOR	PERM_OPERATOR
#define COORD		PERM_AGENT_COORDINATE
#define EXEC		PERM_COMMAND_EXECUTE

const struct permtab_row permtab[] = {
	/* Anyone: harmless, or decided by the bank's own rules. */
	{ IPC_OP_PING, ANYONE, ANYONE, NULL, false },
	{ IPC_OP_STATUS, ANYONE, ANYONE, NULL, false },
	{ IPC_OP_TASKS, ANYONE, ANYONE, NULL, false },
	{ IPC_OP_DASHBOARD, ANYONE, ANYONE, NULL, false },
	{ IPC_OP_WORKFLOW_CHECK, ANYONE, ANYONE, NULL, false },
	{ IPC_OP_MEM_PUT, ANYONE, ANYONE, NULL, false },	/* data:share, by key */
	{ IPC_OP_MEM_GET, ANYONE, ANYONE, NULL, false },	/* data:read, by key */
	{ IPC_OP_MEM_LS, ANYONE, ANYONE, NULL, false },
	{ IPC_OP_MEM_RM, ANYONE, ANYONE, NULL, false },
	{ IPC_OP_EVENTS_READ, ANYONE, ANYONE, NULL, false },
	{ IPC_OP_EVENTS_PUBLISH, PERM_DATA_SHARE, PERM_DATA_SHARE, NULL, false },
	{ IPC_OP_INBOX_READ, ANYONE, OPERATOR, NULL, false },	/* it empties it */
	/* Its own Claude Code's hooks: about itself only. */
	{ IPC_OP_CLAUDE_HOOK, ANYONE, OPERATOR, NULL, false },
	/* Sessions. */
	{ IPC_OP_AGENT_INSPECT, ANYONE, PERM_SESSION_READ, "id", false },
	{ IPC_OP_SESSION_TAIL, ANYONE, PERM_SESSION_READ, "agent", false },
	/* A task's output is what a session showed. */
	{ IPC_OP_TASK_LOGS, PERM_SESSION_READ, PERM_SESSION_READ, NULL, false },
	{ IPC_OP_ATTACH_OPEN, ANYONE, PERM_SESSION_READ, "agent", false },
	{ IPC_OP_ATTACH_INPUT, ANYONE, PERM_SESSION_WRITE, "agent", false },
	{ IPC_OP_ATTACH_RESIZE, ANYONE, PERM_SESSION_WRITE, "agent", false },
	{ IPC_OP_AGENT_DEPLOY, PERM_SESSION_CREATE, PERM_SESSION_CREATE,
	    NULL, false },
	{ IPC_OP_AGENT_TERMINATE, PERM_SESSION_DELETE, PERM_SESSION_DELETE,
	    "id", false },
	/* Work: one's own needs command:execute, others' coordination. */
	{ IPC_OP_TASK_EXEC, EXEC, COORD, "agent", false },
	/* Typing into a session: one's own is running a command there. */
	{ IPC_OP_SESSION_TYPE, EXEC, PERM_SESSION_WRITE, "agent", false },
	{ IPC_OP_TASK_SUBMIT, EXEC, COORD, "agent", true },
	{ IPC_OP_WORKFLOW_RUN, COORD, COORD, NULL, false },
	{ IPC_OP_TASK_APPROVE, COORD, COORD, NULL, false },
	{ IPC_OP_TASK_DENY, COORD, COORD, NULL, false },
	{ IPC_OP_TASK_CANCEL, COORD, COORD, NULL, false },
	{ IPC_OP_AGENT_RESTART, COORD, COORD, "id", false },
	{ IPC_OP_MSG_SEND, COORD, COORD, NULL, false },
	{ IPC_OP_BROADCAST, COORD, COORD, NULL, false },
	{ IPC_OP_SHUTDOWN, OPERATOR, OPERATOR, NULL, false },
};

const size_t	permtab_len = sizeof permtab / sizeof permtab[0];

const struct permtab_row *
permtab_find(const char *op)
{
	size_t	i;

	for (i = 0; i < permtab_len; i++)
		if (strcmp(permtab[i].op, op) == 0)
			return &permtab[i];
	return NULL;
}

/* Is op about an agent other than the caller? */
static bool
permtab_other(const struct permtab_row *r, const char *caller,
    const char *resource)
{
	return resource != NULL && resource[0] != '\0' ?
	    strcmp(resource, caller) != 0 : r != NULL && r->anywhere;
}

enum perm
permtab_need(const char *op, const char *caller, const char *resource)
{
	const struct permtab_row	*r = permtab_find(op);

	if (r == NULL)
		return PERM_OPERATOR;
	return permtab_other(r, caller, resource) ? r->other : r->self;
}

enum perm
permtab_check(const char *op, const char *caller, perm_set perms,
    const char *resource, char *why, size_t size)
{
	const struct permtab_row	*r = permtab_find(op);
	bool				 other = permtab_other(r, caller,
					    resource);
	enum perm			 need = permtab_need(op, caller,
					    resource);

	if (need == PERM_NONE || (need < PERM_COUNT &&
	    (perms & PERM_BIT(need))))
		return PERM_NONE;
	if (need == PERM_OPERATOR)
		snprintf(why, size, "agent '%s' may not %s: operator only",
		    caller, op);
	else if (other)
		snprintf(why, size, "agent '%s' may not %s over %s%s%s: it "
		    "needs %s", caller, op, resource != NULL && resource[0] ?
		    "agent '" : "other agents", resource != NULL ? resource : "",
		    resource != NULL && resource[0] ? "'" : "",
		    perm_name(need));
	else
		snprintf(why, size, "agent '%s' may not %s: it needs %s",
		    caller, op, perm_name(need));
	return need;
}
