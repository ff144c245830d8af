#include "supervisor/door.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit.h"
#include "common/gate.h"
#include "common/log.h"
#include "common/strlist.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "supervisor/agent.h"
#include "supervisor/hub.h"
#include "supervisor/supervisor.h"

/*
 * A command held for a person's answer, with copies of all it names; or
 * a tool call (permit) of an interactive Claude Code, its text kept.
 */
struct door_held {
	struct agent		*agent;
	bool			 permit;
	uint64_t		 hold;		/* permit: the actor's name */
	char			*what;		/* permit: "Bash: rm x" */
	char			 why[320];	/* permit: why it is held */
	struct strlist		 argv;
	unsigned		 timeout_ms;
	struct agent_task_ctx	 ctx;
	char			*strs[3];	/* ctx's strings, owned */
	proto_done_fn		 done;
	void			*arg;
	struct door_held	*next;
};

struct door {
	struct supervisor	*sup;
	struct door_held	*held;
	char			 why[320];	/* the gate's last reason */
};

/* Tier 2's words that need approval, unless require_approval says. */
static const char *const door_approve_words[] = { "rm", "sudo" };

/*
 * The command gate: tier 1 runs; tier 3 holds everything; tier 2 holds a
 * command that invokes a word needing approval, or that the gate cannot
 * read. GATE_RUN, or GATE_HOLD with d->why.
 */
static enum gate_verdict
door_gate(struct door *d, const struct agent *a, char *const *argv,
    size_t argc, const char *text)
{
	struct gate_rules	 rules = { door_approve_words,
				    sizeof door_approve_words /
				    sizeof door_approve_words[0] };
	char			 why[256];

	if (a->ac.approve_given) {
		rules.words = (const char *const *)a->ac.approve.v;
		rules.n = a->ac.approve.n;
	}

	if (a->ac.tier < 2)
		return GATE_RUN;
	if (a->ac.tier >= 3) {
		snprintf(d->why, sizeof d->why, "tier 3: every command "
		    "needs approval");
		return GATE_HOLD;
	}
	if ((text != NULL ? gate_shell(text, &rules, why, sizeof why) :
	    gate_argv(argv, argc, &rules, why, sizeof why)) == GATE_RUN)
		return GATE_RUN;
	snprintf(d->why, sizeof d->why, "tier 2: %s", why);
	return GATE_HOLD;
}

/* a's oldest hold (they are kept newest first). */
static struct door_held **
door_find(struct door *d, const struct agent *a)
{
	struct door_held	**pp, **found = NULL;

	for (pp = &d->held; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->agent == a)
			found = pp;
	return found;
}

static void
door_held_free(struct door_held *h)
{
	size_t	i;

	strlist_clear(&h->argv);
	for (i = 0; i < sizeof h->strs / sizeof h->strs[0]; i++)
		free(h->strs[i]);
	free(h->what);
	free(h);
}

static void	door_permit_count(struct door *, struct agent *);

/* Take h off the list and answer it with err (its agent no longer waits). */
static void
door_answer(struct door *d, struct door_held **pp, int err, const char *why)
{
	struct door_held	*h = *pp;
	struct agent		*a = h->agent;
	bool			 permit = h->permit;

	*pp = h->next;
	h->done(h->arg, err, why, NULL, 0);
	door_held_free(h);
	/* What its agent shows of its tool calls, without a step from here. */
	if (permit)
		door_permit_count(d, a);
}

/* An agent whose actor ended cannot run what it held. */
static void
door_agent_cb(void *arg, const struct hub_change *ch)
{
	struct door		*d = arg;
	struct door_held	**pp;
	const struct agent	*a = ch->subject;

	if (a->status == STATUS_WAITING)
		return;
	while ((pp = door_find(d, a)) != NULL)
		door_answer(d, pp, IPC_E_PEER_GONE, "the agent's actor ended "
		    "while its task waited for approval");
}

struct door *
door_new(struct supervisor *sup)
{
	struct door	*d = xcalloc(1, sizeof *d);

	d->sup = sup;
	hub_subscribe(sup->hub, HUB_AGENT, door_agent_cb, d);
	return d;
}

void
door_free(struct door *d)
{
	if (d == NULL)
		return;
	while (d->held != NULL)
		door_answer(d, &d->held, IPC_E_SHUTDOWN, "the supervisor is "
		    "shutting down");
	free(d);
}

static char *
door_dup(struct door_held *h, size_t i, const char *s)
{
	return h->strs[i] = s != NULL ? xstrdup(s) : NULL;
}

static void
door_hold(struct door *d, struct agent *a, const struct door_cmd *cmd,
    proto_done_fn done, void *arg)
{
	struct door_held	*h = xcalloc(1, sizeof *h);
	size_t			 i;

	h->agent = a;
	for (i = 0; i < cmd->argc; i++)
		strlist_add(&h->argv, cmd->argv[i]);
	strlist_add(&h->argv, "");	/* room for the NULL */
	free(h->argv.v[h->argv.n - 1]);
	h->argv.v[h->argv.n - 1] = NULL;
	h->timeout_ms = cmd->timeout_ms;
	if (cmd->ctx != NULL) {
		h->ctx = *cmd->ctx;
		h->ctx.name = door_dup(h, 0, cmd->ctx->name);
		h->ctx.display = door_dup(h, 1, cmd->ctx->display);
		h->ctx.prompt = door_dup(h, 2, cmd->ctx->prompt);
	}
	h->done = done;
	h->arg = arg;
	h->next = d->held;
	d->held = h;
}

/* A gate decision about a's command, in the audit log. */
static void
door_audit(const struct agent *a, const struct agent_task_ctx *ctx,
    char *const *argv, size_t argc, const char *decision, const char *rule)
{
	char	who[AGENT_ID_MAX + 16];

	snprintf(who, sizeof who, "agent %s", a->ac.id);
	audit_write(who, ctx != NULL && ctx->display != NULL ? ctx->display :
	    argc > 0 ? argv[argc - 1] : "", ctx != NULL && ctx->name != NULL ?
	    ctx->name : "", decision, rule);
}

int
door_run(struct door *d, struct agent *a, const struct door_cmd *cmd,
    proto_done_fn done, void *arg, const char **why)
{
	enum gate_verdict	 gated;

	if (d->sup->stopping) {
		*why = "the supervisor is shutting down";
		return IPC_E_SHUTDOWN;
	}
	if (a->status != STATUS_IDLE || a->link == NULL) {
		*why = a->status == STATUS_WORKING || a->status ==
		    STATUS_WAITING ? "agent is busy" : "agent is not ready";
		return a->status == STATUS_WORKING || a->status ==
		    STATUS_WAITING ? IPC_E_BUSY : IPC_E_NO_PEER;
	}
	if (cmd->approval) {
		snprintf(d->why, sizeof d->why, "the task requires approval");
		gated = GATE_HOLD;
	} else if (agent_config_interactive(&a->ac))
		/* A prompt is no command: its Claude Code's tool calls are. */
		return agent_exec(a, cmd->argv, cmd->argc, cmd->timeout_ms,
		    cmd->ctx, done, arg, why);
	else
		gated = door_gate(d, a, cmd->argv, cmd->argc, NULL);
	if (gated == GATE_HOLD) {
		/* Written before it waits: the person decides next. */
		door_audit(a, cmd->ctx, cmd->argv, cmd->argc, "held", d->why);
		door_hold(d, a, cmd, done, arg);
		agent_hold(a, cmd->ctx, cmd->argv, cmd->argc);
		*why = d->why;
		return DOOR_HELD;
	}
	if (a->ac.tier >= 2)
		door_audit(a, cmd->ctx, cmd->argv, cmd->argc, "allowed",
		    "the command gate");
	return agent_exec(a, cmd->argv, cmd->argc, cmd->timeout_ms, cmd->ctx,
	    done, arg, why);
}

int
door_type(struct door *d, struct agent *a, const char *text, bool command,
    proto_done_fn done, void *arg, const char **why)
{
	char *const	argv[1] = { (char *)text };

	if (d->sup->stopping) {
		*why = "the supervisor is shutting down";
		return IPC_E_SHUTDOWN;
	}
	if (a->link == NULL || a->session == 0) {
		*why = "agent has no session running";
		return IPC_E_NO_PEER;
	}
	if (command && door_gate(d, a, NULL, 0, text) == GATE_HOLD) {
		door_audit(a, NULL, argv, 1, "refused", d->why);
		snprintf(d->why + strlen(d->why), sizeof d->why -
		    strlen(d->why), "; typed text cannot wait for a person: "
		    "submit it as a task that requires approval");
		*why = d->why;
		return IPC_E_DENIED;
	}
	if (command && a->ac.tier >= 2)
		door_audit(a, NULL, argv, 1, "allowed", "the command gate");
	return agent_type(a, text, command, done, arg, why);
}

/* Tool calls ---------------------------------------------------------------- */

/* What a's agent shows of its held tool calls: how many, the oldest's why. */
static void
door_permit_count(struct door *d, struct agent *a)
{
	const struct door_held	*h, *oldest = NULL;

	a->permits = 0;
	for (h = d->held; h != NULL; h = h->next)
		if (h->agent == a && h->permit) {
			a->permits++;
			oldest = h;
		}
	snprintf(a->permit_why, sizeof a->permit_why, "%s", oldest != NULL ?
	    oldest->why : "");
}

/* The same, and the agent waits or works again by it. */
static void
door_permit_sync(struct door *d, struct agent *a)
{
	door_permit_count(d, a);
	agent_claude_wait(a);
}

/* The answer a hook prints: {decision, reason}. */
static void
door_permit_answer(proto_done_fn done, void *arg, const char *decision,
    const char *reason)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "decision", decision);
	body_pack_kv_str(&pk, "reason", reason);
	done(arg, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static void
door_permit_audit(const struct agent *a, const char *what, const char *decision,
    const char *rule)
{
	char *const	argv[1] = { (char *)what };
	struct agent_task_ctx ctx = { a->current != NULL ? a->current->name :
			    "", what, 0, NULL };

	door_audit(a, &ctx, argv, 1, decision, rule);
}

void
door_permit(struct door *d, struct agent *a, const struct door_permit *pr,
    proto_done_fn done, void *arg)
{
	struct door_held	*h;
	char			*text, *what, line[AGENT_CMD_MAX];
	bool			 bash = strcmp(pr->tool, "Bash") == 0;
	bool			 hold;

	text = xstrndup(pr->text, pr->text_len);
	xasprintf(&what, "%s: %s", pr->tool, text);
	if (a->ac.tier < 2) {
		door_permit_answer(done, arg, pr->permission ? "allow" : "",
		    "orch: tier 1");
		free(text);
		free(what);
		return;
	}
	if (a->ac.tier >= 3) {
		snprintf(d->why, sizeof d->why, "tier 3: every tool call needs "
		    "approval");
		hold = true;
	} else if (bash && pr->cut) {
		snprintf(d->why, sizeof d->why, "tier 2: the command is too "
		    "long to be read whole");
		hold = true;
	} else if (bash)
		hold = door_gate(d, a, NULL, 0, text) == GATE_HOLD;
	else {
		snprintf(d->why, sizeof d->why, "tier 2: Claude Code asks to "
		    "use %s", pr->tool);
		hold = true;
	}
	free(text);
	if (!hold) {
		door_permit_audit(a, what, "allowed", "the command gate");
		door_permit_answer(done, arg, pr->permission ? "allow" : "",
		    "orch: the command gate lets it run");
		free(what);
		return;
	}
	h = xcalloc(1, sizeof *h);
	h->agent = a;
	h->permit = true;
	h->hold = pr->hold;
	h->what = what;
	log_escape(line, sizeof line, what, strlen(what));
	snprintf(h->why, sizeof h->why, "%.120s held for approval (%.170s)",
	    line, d->why);
	h->done = done;
	h->arg = arg;
	h->next = d->held;
	d->held = h;
	door_permit_audit(a, what, "held", d->why);
	door_permit_sync(d, a);
	log_info("agent %s: Claude Code's %s waits for approval (%s): run "
	    "'orch-ctl -L %s approve %s' (or deny)", a->ac.id, line, d->why,
	    d->sup->instance, a->current != NULL && a->current->name[0] ?
	    a->current->name : a->ac.id);
}

static void
door_permit_release(struct door *d, struct agent *a, struct door_held *h,
    bool yes, const char *why)
{
	char	reason[512];

	door_permit_audit(a, h->what, yes ? "approved" : "refused", why !=
	    NULL && !yes ? why : "a person");
	if (yes)
		snprintf(reason, sizeof reason, "approved by a person through "
		    "orch");
	else
		snprintf(reason, sizeof reason, "denied by a person through "
		    "orch%s%s", why != NULL && strcmp(why, "denied") != 0 ? ": " :
		    "", why != NULL && strcmp(why, "denied") != 0 ? why : "");
	door_permit_answer(h->done, h->arg, yes ? "allow" : "deny", reason);
	door_held_free(h);
	door_permit_sync(d, a);
}

void
door_unpermit(struct door *d, struct agent *a, uint64_t hold)
{
	struct door_held	**pp, *h;

	for (pp = &d->held; (h = *pp) != NULL; pp = &h->next)
		if (h->agent == a && h->permit && h->hold == hold)
			break;
	if (h == NULL)
		return;
	*pp = h->next;
	door_permit_audit(a, h->what, "withdrawn", "Claude Code gave up on it");
	/* Nobody reads the answer now; its context is freed with it. */
	h->done(h->arg, IPC_E_PEER_GONE, "withdrawn", NULL, 0);
	door_held_free(h);
	door_permit_sync(d, a);
}

int
door_release(struct door *d, struct agent *a, bool yes, const char *why)
{
	struct door_held	**pp = door_find(d, a), *h;
	const char		*err = NULL;
	int			 rc;

	if (pp == NULL)
		return -1;
	/* Off the list first: the agent's steps below are announced. */
	h = *pp;
	*pp = h->next;
	if (h->permit) {
		door_permit_release(d, a, h, yes, why);
		return 0;
	}
	door_audit(a, &h->ctx, h->argv.v, h->argv.n - 1, yes ? "approved" :
	    "refused", why != NULL && !yes ? why : "a person");
	if (!yes) {
		agent_step(a, AE_DONE, NULL);
		h->done(h->arg, IPC_E_DENIED, why, NULL, 0);
		door_held_free(h);
		return 0;
	}
	rc = agent_exec(a, h->argv.v, h->argv.n - 1, h->timeout_ms,
	    h->ctx.name != NULL ? &h->ctx : NULL, h->done, h->arg, &err);
	if (rc != 0) {
		agent_step(a, AE_DONE, NULL);
		h->done(h->arg, rc, err, NULL, 0);
	}
	door_held_free(h);
	return 0;
}
