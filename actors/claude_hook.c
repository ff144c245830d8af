/*
 * Claude Code's hooks, as `orch-ctl hook` brings them (claude.hook: the
 * hook's JSON already read into typed fields, each bounded). What the
 * agent's own processes say is believed about the agent only: a forged
 * Stop ends its own task, nothing else. Tool calls go to orch's gate in
 * the supervisor (claude.permit), which may hold them for a person; the
 * hook waits meanwhile, and its answer is the decision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actors/actor.h"
#include "actors/claude_int.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "ipc/proto.h"

#define CLAUDE_TEXT_MAX			4096

/* What a hook says, read from its request. */
struct claude_said {
	const char	*event;
	char		 sid[CLAUDE_SID_MAX + 1];
	char		 prompt_id[CLAUDE_SID_MAX + 1];	/* or "" */
	const char	*message;	/* Stop's, a notification's, an error */
	size_t		 message_len;
	char		 kind[64];	/* notification_type */
	char		 tool[128];
	const char	*text;		/* Bash command, or the tool's input */
	size_t		 text_len;
	uint64_t	 background;	/* background tasks still running */
	bool		 cut;		/* text is not the whole command */
};

static void
claude_hook_answer(struct peer *p, const struct envelope *env,
    const char *decision, const char *reason)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "decision", decision != NULL ? decision : "");
	body_pack_kv_str(&pk, "reason", reason != NULL ? reason : "");
	peer_reply(p, env, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static struct claude_hold **
claude_hold_find(struct claude *c, uint64_t no)
{
	struct claude_hold	**pp;

	for (pp = &c->holds; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->no == no)
			return pp;
	return NULL;
}

struct claude_permit_ctx {
	struct actor	*a;
	uint64_t	 no;
};

static void
claude_permit_cb(struct peer *p, int err, const struct envelope *env,
    void *arg)
{
	struct claude_permit_ctx	*x = arg;
	struct claude			*c = x->a->claude;
	struct claude_hold		**pp, *h;
	char				 decision[16] = "", reason[512] = "";

	(void)p;
	if (c == NULL || (pp = claude_hold_find(c, x->no)) == NULL) {
		free(x);
		return;
	}
	h = *pp;
	*pp = h->next;
	if (err == IPC_OK) {
		body_str(&env->body, "decision", decision, sizeof decision);
		body_str(&env->body, "reason", reason, sizeof reason);
	} else if (x->a->ac.tier >= 2) {
		/*
		 * The gate let go without a decision (the supervisor stops,
		 * the task ended): a gated agent's call is refused, never let
		 * through by Claude Code's own rules.
		 */
		snprintf(decision, sizeof decision, "deny");
		snprintf(reason, sizeof reason, "orch could not decide this "
		    "tool call (%s), so it is refused", proto_strerror(err));
	} else
		log_warnx("tool call: orch's gate did not answer (%s)",
		    proto_strerror(err));
	claude_hook_answer(h->client, &h->req, decision, reason);
	free(h);
	free(x);
}

/* Ask the gate about a tool call; the hook is answered when it says. */
static void
claude_permit(struct actor *a, struct peer *client, const struct envelope *env,
    const struct claude_said *s, bool permission)
{
	struct claude			*c = a->claude;
	struct claude_hold		*h;
	struct claude_permit_ctx	*x;

	h = xcalloc(1, sizeof *h);
	h->no = ++c->next_hold;
	h->client = client;
	h->permission = permission;
	envelope_answer_to(&h->req, env);
	h->next = c->holds;
	c->holds = h;
	x = xcalloc(1, sizeof *x);
	x->a = a;
	x->no = h->no;
	if (claude_gate_ask(a, h->no, s->event, s->tool, s->text != NULL ?
	    s->text : "", s->text != NULL ? s->text_len : 0, s->cut,
	    claude_permit_cb, x) != 0) {
		/* Not sent: no decision (Claude Code's own rules apply). */
		c->holds = h->next;
		claude_hook_answer(client, env, "", "");
		free(h);
		free(x);
	}
}

void
claude_forget(struct actor *a, struct peer *p)
{
	struct claude		*c = a->claude;
	struct claude_hold	**pp, *h;

	if (c == NULL)
		return;
	for (pp = &c->holds; (h = *pp) != NULL;) {
		if (h->client != p) {
			pp = &h->next;
			continue;
		}
		*pp = h->next;
		/* Claude gave up on it (interrupted): the gate lets go. */
		claude_gate_drop(a, h->no);
		free(h);
	}
}

void
claude_hold_free_all(struct actor *a)
{
	struct claude		*c = a->claude;
	struct claude_hold	*h;

	while ((h = c->holds) != NULL) {
		c->holds = h->next;
		free(h);
	}
}

/* Hooks -------------------------------------------------------------------- */

static void
claude_hook_start(struct actor *a, struct peer *p, const struct envelope *env,
    const struct claude_said *s)
{
	if (!claude_sid_valid(s->sid, strlen(s->sid))) {
		peer_reply(p, env, IPC_E_INVAL, "SessionStart needs a valid "
		    "session_id", NULL, 0);
		return;
	}
	claude_on_start(a, s->sid);
	claude_hook_answer(p, env, NULL, NULL);
}

static void
claude_hook_prompt(struct actor *a, struct peer *p, const struct envelope *env,
    const struct claude_said *s)
{
	claude_on_prompt(a, s->prompt_id);
	claude_hook_answer(p, env, NULL, NULL);
}

static void
claude_hook_stop(struct actor *a, struct peer *p, const struct envelope *env,
    const struct claude_said *s)
{
	/* Work left running in the background: the turn is not over. */
	if (s->background == 0)
		claude_on_stop(a, s->prompt_id, true, s->message != NULL ?
		    s->message : "", s->message_len);
	claude_hook_answer(p, env, NULL, NULL);
}

static void
claude_hook_failure(struct actor *a, struct peer *p,
    const struct envelope *env, const struct claude_said *s)
{
	claude_on_stop(a, s->prompt_id, false, s->message != NULL &&
	    s->message_len > 0 ?
	    s->message : "an API error", s->message != NULL &&
	    s->message_len > 0 ? s->message_len : 12);
	claude_hook_answer(p, env, NULL, NULL);
}

/* Notifications that mean Claude Code waits for its user. */
static const char *const claude_waiting_kinds[] = {
	"permission_prompt", "idle_prompt", "elicitation_dialog",
};

static void
claude_hook_notify(struct actor *a, struct peer *p, const struct envelope *env,
    const struct claude_said *s)
{
	char	why[CLAUDE_TEXT_MAX];
	size_t	i;

	for (i = 0; i < sizeof claude_waiting_kinds /
	    sizeof claude_waiting_kinds[0]; i++)
		if (strcmp(s->kind, claude_waiting_kinds[i]) == 0) {
			snprintf(why, sizeof why, "Claude Code: %.*s",
			    (int)(s->message_len < 400 ? s->message_len : 400),
			    s->message != NULL ? s->message : "");
			claude_attention(a, true, why);
			/* Idle for a while: no prompt of a person's still runs. */
			if (strcmp(s->kind, "idle_prompt") == 0)
				claude_person(a, false);
			break;
		}
	claude_hook_answer(p, env, NULL, NULL);
}

static void
claude_hook_pretool(struct actor *a, struct peer *p,
    const struct envelope *env, const struct claude_said *s)
{
	/* A tool call means it works again. */
	claude_attention(a, false, NULL);
	if (strcmp(s->tool, "Bash") == 0)
		claude_permit(a, p, env, s, false);
	else
		claude_hook_answer(p, env, NULL, NULL);
}

static void
claude_hook_posttool(struct actor *a, struct peer *p,
    const struct envelope *env, const struct claude_said *s)
{
	(void)s;
	claude_attention(a, false, NULL);
	claude_hook_answer(p, env, NULL, NULL);
}

static void
claude_hook_permission(struct actor *a, struct peer *p,
    const struct envelope *env, const struct claude_said *s)
{
	claude_permit(a, p, env, s, true);
}

static void
claude_hook_end(struct actor *a, struct peer *p, const struct envelope *env,
    const struct claude_said *s)
{
	(void)a;
	(void)s;
	claude_hook_answer(p, env, NULL, NULL);
}

static const struct {
	const char	*event;
	bool		 any_session;	/* before the session is known */
	void		(*fn)(struct actor *, struct peer *,
			    const struct envelope *,
			    const struct claude_said *);
} claude_hooks[] = {
	{ "SessionStart", true, claude_hook_start },
	{ "UserPromptSubmit", false, claude_hook_prompt },
	{ "Stop", false, claude_hook_stop },
	{ "StopFailure", false, claude_hook_failure },
	{ "Notification", false, claude_hook_notify },
	{ "PreToolUse", false, claude_hook_pretool },
	{ "PostToolUse", false, claude_hook_posttool },
	{ "PermissionRequest", false, claude_hook_permission },
	{ "SessionEnd", false, claude_hook_end },
};

void
claude_hook(struct actor *a, struct peer *p, const struct envelope *env)
{
	struct claude_said	 s;
	char			 event[32];
	size_t			 i;

	memset(&s, 0, sizeof s);
	if (a->claude == NULL) {
		peer_reply(p, env, IPC_E_INVAL, "agent does not run an "
		    "interactive Claude Code", NULL, 0);
		return;
	}
	if (body_str(&env->body, "event", event, sizeof event) != 0) {
		peer_reply(p, env, IPC_E_INVAL, "claude.hook needs an event",
		    NULL, 0);
		return;
	}
	for (i = 0; i < sizeof claude_hooks / sizeof claude_hooks[0]; i++)
		if (strcmp(event, claude_hooks[i].event) == 0)
			break;
	if (i == sizeof claude_hooks / sizeof claude_hooks[0]) {
		peer_reply(p, env, IPC_E_INVAL, "unknown hook event", NULL, 0);
		return;
	}
	s.event = claude_hooks[i].event;
	if (body_str(&env->body, "session", s.sid, sizeof s.sid) != 0)
		s.sid[0] = '\0';
	if (body_str(&env->body, "prompt", s.prompt_id, sizeof s.prompt_id) !=
	    0 || !claude_sid_valid(s.prompt_id, strlen(s.prompt_id)))
		s.prompt_id[0] = '\0';
	s.message = body_bytes(&env->body, "message", &s.message_len);
	s.text = body_bytes(&env->body, "text", &s.text_len);
	if (body_str(&env->body, "kind", s.kind, sizeof s.kind) != 0)
		s.kind[0] = '\0';
	if (body_str(&env->body, "tool", s.tool, sizeof s.tool) != 0)
		s.tool[0] = '\0';
	body_u64(&env->body, "background", &s.background);
	body_bool(&env->body, "cut", &s.cut);
	/* Another Claude Code's hooks (one the agent started) are not ours. */
	if (!claude_hooks[i].any_session && !claude_is_session(a, s.sid)) {
		log_debug("hook %s of another session (%s): ignored", event,
		    s.sid);
		claude_hook_answer(p, env, NULL, NULL);
		return;
	}
	claude_hooks[i].fn(a, p, env, &s);
}
