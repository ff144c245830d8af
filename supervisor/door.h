/*
 * The one door for every command that runs in an agent's session: workflow
 * tasks, orch-ctl submit and exec (tasks of the scheduler, which is the
 * door's only caller), and later MCP calls and typed message delivery.
 * Whatever decides whether a command may run (the permission check, the
 * safety gate, a person's approval, the audit log) happens here, once, for
 * all of them.
 *
 * A command that needs a person's approval is held: its agent waits (its
 * status says so) until door_release says yes (it runs) or no (its
 * answer is IPC_E_DENIED). A held command whose agent's actor ends is
 * answered IPC_E_PEER_GONE.
 */
#ifndef ORCH_SUPERVISOR_DOOR_H
#define ORCH_SUPERVISOR_DOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/proto.h"
#include "supervisor/permit.h"
#include "supervisor/task_ctx.h"

struct agent;
struct supervisor;
struct door;

struct door_cmd {
	char *const			*argv;
	size_t				 argc;
	unsigned			 timeout_ms;	/* 0: none */
	const struct agent_task_ctx	*ctx;
	bool				 approval;	/* a person says yes first */
};

/* door_run's answer when the command is held for approval. */
#define DOOR_HELD	1

struct door	*door_new(struct supervisor *sup);
/* Answers every held command with IPC_E_SHUTDOWN. */
void		 door_free(struct door *d);

/*
 * Run cmd on a (which must be idle). 0: sent; DOOR_HELD: held for
 * approval (the task asks for it, or the command gate of a's tier holds
 * it), *why saying why; else an IPC_E_* code with *why, and done does not
 * run. done gets the task's result once it is over. Every gate decision
 * is audited.
 */
int		 door_run(struct door *d, struct agent *a,
		    const struct door_cmd *cmd, proto_done_fn done,
		    void *arg, const char **why);
/*
 * Type text into a's session, as a person at its terminal would: with
 * command, a line for its shell, which the command gate decides first
 * (what it would hold is refused: typing cannot wait for a person);
 * without, keys as they are (control characters). done gets what the
 * session printed until it went quiet. 0, or an IPC_E_* code with *why.
 */
int		 door_type(struct door *d, struct agent *a, const char *text,
		    bool command, proto_done_fn done, void *arg,
		    const char **why);
/*
 * Decide a tool call of a's Claude Code by a's tier, as a command is:
 * tier 1 allows; tier 3 holds it for a person; tier 2 runs a Bash command
 * through the command gate (held if the gate holds it), and holds any
 * other tool Claude Code asks about. done gets {decision, reason}:
 * "allow" or "deny" with who decided, or "" (no decision: Claude Code's
 * own rules apply; a PreToolUse the gate lets through). While held, a
 * waits (the door keeps a->permits and a->permit_why, then calls
 * agent_claude_wait) and door_release answers it.
 */
void		 door_permit(struct door *d, struct agent *a,
		    const struct door_permit *pr, proto_done_fn done,
		    void *arg);
/* The actor's hook gave up on tool call hold: let it go unanswered. */
void		 door_unpermit(struct door *d, struct agent *a, uint64_t hold);
/*
 * A person's answer to a's held command or tool call (the oldest): yes
 * runs (allows) it, no answers it IPC_E_DENIED (denies it) with why. 0,
 * or -1 when a holds nothing.
 */
int		 door_release(struct door *d, struct agent *a, bool yes,
		    const char *why);

#endif
