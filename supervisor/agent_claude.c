/*
 * The supervisor's side of a Claude Code agent: what an interactive one's
 * actor starts with (the claude binary, the conversation to resume), what
 * it reports (waiting on a person, and back; busy with a person's
 * prompt), the session id of either mode (kept in the state directory so
 * that a restart, or print mode's next task, resumes it), and the tool
 * calls they ask orch's gate about (through the door).
 *
 * The agent waits while Claude Code says it needs its user or while the
 * door holds one of its tool calls for a person; it works again when
 * both are over.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rundir.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "ipc/proto.h"
#include "supervisor/agent.h"
#include "supervisor/runner.h"
#include "supervisor/supervisor.h"

#define AGENT_CLAUDE_SID_MAX	64

/* The file keeping a's Claude Code session id, or -1. */
static int
agent_claude_sid_path(const struct agent *a, char *buf, size_t size)
{
	char	dir[PATH_MAX], *cause = NULL;

	if (rundir_state(a->sup->instance, "claude", true, dir, sizeof dir,
	    &cause) != 0) {
		log_warnx("agent %s: %s", a->ac.id, cause);
		free(cause);
		return -1;
	}
	if ((size_t)snprintf(buf, size, "%s/%s.session", dir, a->ac.id) >=
	    size)
		return -1;
	return 0;
}

static bool
agent_claude_sid_valid(const char *s)
{
	size_t	n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_");

	/* Not one an argument parser would take for an option. */
	return n > 0 && n <= AGENT_CLAUDE_SID_MAX && s[n] == '\0' && s[0] != '-' &&
	    s[0] != '_';
}

/* The session to resume, from the state directory: 0, or -1 (none). */
static int
agent_claude_sid_load(const struct agent *a, char *sid, size_t size)
{
	char	path[PATH_MAX];
	ssize_t	n;
	int	fd;

	if (agent_claude_sid_path(a, path, sizeof path) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	n = read(fd, sid, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	sid[n] = '\0';
	sid[strcspn(sid, "\n")] = '\0';
	return agent_claude_sid_valid(sid) ? 0 : -1;
}

static void
agent_claude_sid_save(const struct agent *a, const char *sid)
{
	char	path[PATH_MAX], tmp[PATH_MAX + 8];
	int	fd;
	bool	ok;

	if (agent_claude_sid_path(a, path, sizeof path) != 0)
		return;
	snprintf(tmp, sizeof tmp, "%s.new", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		log_warn("agent %s: %s", a->ac.id, tmp);
		return;
	}
	ok = dprintf(fd, "%s\n", sid) > 0;
	if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
		log_warn("agent %s: cannot keep its Claude Code session in %s",
		    a->ac.id, path);
		unlink(tmp);
	}
}

void
agent_claude_forget(struct agent *a)
{
	char	path[PATH_MAX];

	if (agent_claude_sid_path(a, path, sizeof path) == 0 &&
	    unlink(path) == 0)
		log_info("agent %s: its next Claude Code session starts a new "
		    "conversation", a->ac.id);
}

int
agent_claude_pack_init(struct agent *a, msgpack_packer *pk, char **cause)
{
	char	path[PATH_MAX], sid[AGENT_CLAUDE_SID_MAX + 2];
	bool	resume;

	if (!runner_claude_path(path, sizeof path)) {
		set_cause(cause, "no claude binary: set ORCH_CLAUDE or put "
		    "claude on PATH");
		return -1;
	}
	/* What runs is the binary, not a name a later PATH could change. */
	if (path[0] != '/') {
		char	cwd[PATH_MAX], *full;

		if (getcwd(cwd, sizeof cwd) == NULL) {
			set_cause(cause, "getcwd: %s", strerror(errno));
			return -1;
		}
		xasprintf(&full, "%s/%s", cwd, path);
		snprintf(path, sizeof path, "%s", full);
		free(full);
	}
	resume = agent_claude_sid_load(a, sid, sizeof sid) == 0;
	body_pack_str(pk, "claude");
	msgpack_pack_map(pk, 1 + resume);
	body_pack_kv_str(pk, "path", path);
	if (resume)
		body_pack_kv_str(pk, "resume", sid);
	return 0;
}

/* Waiting ------------------------------------------------------------------ */

void
agent_claude_wait(struct agent *a)
{
	const char	*held = a->permits > 0 ? a->permit_why : NULL;
	bool		 want = a->attention || held != NULL;

	/* A task held before it ran waits on its own (door.c). */
	if (a->holding)
		return;
	if (want && (a->status == STATUS_WORKING || a->status ==
	    STATUS_IDLE)) {
		a->wait_idle = a->status == STATUS_IDLE;
		agent_step(a, AE_HOLD, held != NULL ? held : a->wait_why);
	} else if (!want && a->status == STATUS_WAITING)
		agent_step(a, (a->current != NULL && !a->wait_idle) ||
		    a->claude_busy ? AE_RESUME : AE_DONE, "Claude Code works "
		    "again");
}

static void
agent_claude_state(struct agent *a, const struct envelope *env)
{
	bool	waiting = false, busy = false;

	body_bool(&env->body, "waiting", &waiting);
	body_bool(&env->body, "busy", &busy);
	a->claude_busy = busy;
	/* A person's prompt: the agent works, with no task of orch's. */
	if (busy && a->status == STATUS_IDLE)
		agent_step(a, AE_TASK, "a prompt typed in its session");
	else if (!busy && a->status == STATUS_WORKING && a->current == NULL)
		agent_step(a, AE_DONE, NULL);
	if (body_str(&env->body, "why", a->wait_why, sizeof a->wait_why) != 0 ||
	    a->wait_why[0] == '\0')
		snprintf(a->wait_why, sizeof a->wait_why, "Claude Code waits "
		    "for its user");
	a->attention = waiting;
	agent_claude_wait(a);
}

static void
agent_claude_session(struct agent *a, const struct envelope *env)
{
	char	sid[AGENT_CLAUDE_SID_MAX + 2];

	if (body_str(&env->body, "id", sid, sizeof sid) != 0 ||
	    !agent_claude_sid_valid(sid)) {
		log_warnx("agent %s: a Claude Code session id that is not one: "
		    "ignored", a->ac.id);
		return;
	}
	agent_claude_record(a, sid);
}

void
agent_claude_record(struct agent *a, const char *sid)
{
	if (sid == NULL || !agent_claude_sid_valid(sid)) {
		a->claude_sid[0] = '\0';
		agent_claude_forget(a);
		return;
	}
	if (strcmp(a->claude_sid, sid) == 0)
		return;
	snprintf(a->claude_sid, sizeof a->claude_sid, "%s", sid);
	agent_claude_sid_save(a, sid);
}

void
agent_claude_load(struct agent *a)
{
	char	sid[AGENT_CLAUDE_SID_MAX + 2];

	if (a->ac.runner == RUNNER_CLAUDE && agent_claude_sid_load(a, sid,
	    sizeof sid) == 0)
		snprintf(a->claude_sid, sizeof a->claude_sid, "%s", sid);
}

static void
agent_claude_permit(struct agent *a, const struct envelope *env)
{
	struct door_permit	 pr;
	const char		*text;
	char			 event[32];
	uint64_t		 hold = 0;

	memset(&pr, 0, sizeof pr);
	if (body_u64(&env->body, "hold", &hold) != 0 || body_str(&env->body,
	    "event", event, sizeof event) != 0 || body_str(&env->body, "tool",
	    pr.tool, sizeof pr.tool) != 0 || (text = body_bytes(&env->body,
	    "text", &pr.text_len)) == NULL) {
		peer_reply(a->link, env, IPC_E_INVAL, "claude.permit needs "
		    "hold, event, tool and text", NULL, 0);
		return;
	}
	pr.hold = hold;
	pr.permission = strcmp(event, "PermissionRequest") == 0;
	pr.text = text;
	body_bool(&env->body, "cut", &pr.cut);
	/* Answered when the gate decides: at once, or a person does. */
	a->sup->permit(a->sup, a, &pr, agent_answer, agent_answer_later(a,
	    env));
}

static void
agent_claude_unpermit(struct agent *a, const struct envelope *env)
{
	uint64_t	hold = 0;

	if (body_u64(&env->body, "hold", &hold) == 0)
		a->sup->unpermit(a->sup, a, hold);
}

static const struct {
	const char	*op;
	enum ipc_kind	 kind;
	void		(*fn)(struct agent *, const struct envelope *);
} agent_claude_ops[] = {
	{ IPC_OP_CLAUDE_SESSION, IPC_KIND_NTF, agent_claude_session },
	{ IPC_OP_CLAUDE_STATE, IPC_KIND_NTF, agent_claude_state },
	{ IPC_OP_CLAUDE_PERMIT, IPC_KIND_REQ, agent_claude_permit },
	{ IPC_OP_CLAUDE_UNPERMIT, IPC_KIND_NTF, agent_claude_unpermit },
};

bool
agent_claude_op(struct agent *a, const struct envelope *env)
{
	size_t	i;

	for (i = 0; i < sizeof agent_claude_ops / sizeof agent_claude_ops[0];
	    i++) {
		if (strcmp(env->op, agent_claude_ops[i].op) != 0 ||
		    env->kind != agent_claude_ops[i].kind)
			continue;
		/* Only a Claude Code agent's actor says these. */
		if (a->ac.runner != RUNNER_CLAUDE) {
			if (env->kind == IPC_KIND_REQ)
				peer_reply(a->link, env, IPC_E_DENIED, "agent "
				    "does not run Claude Code",
				    NULL, 0);
			return true;
		}
		agent_claude_ops[i].fn(a, env);
		return true;
	}
	return false;
}
