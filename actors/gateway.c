/*
 * The gateway's tool calls, on their way to orch and back (to the supervisor,
 * an actor, the bank served here), the answers they become, and the
 * gateway's start and end.
 */
#include "actors/gateway_int.h"

#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "actors/mcp_tools.h"
#include "common/compat.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body_json.h"
#include "ipc/perm.h"
#include "ipc/permtab.h"
#include "ipc/relay.h"
#include "shm/serve.h"

#define NITEMS(a)		(sizeof (a) / sizeof (a)[0])
#define GW_CALLS_MAX		64	/* in flight for one client */
#define GW_CALLS_ALL_MAX	1024	/* in flight in all */
#define GW_CALL_TIMEOUT_MS	(7u * 24 * 3600 * 1000)

/* A tool call waiting for orch's answer; client NULL once it went away. */
struct gw_call {
	struct gateway		*gw;
	struct gw_client	*client;
	const struct mcp_tool	*tool;
	json_t			*id;
	json_t			*args;
	bool			 modern;
	gw_finish_fn		*finish;	/* NULL: a tool's result */
	char			*uri;
	struct gw_call		*next;
};

int
gateway_too_deep(const char *text, size_t len, unsigned max)
{
	unsigned	depth = 0;
	bool		in_str = false;
	size_t		i;

	for (i = 0; i < len; i++) {
		char	ch = text[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"')
			in_str = true;
		else if (ch == '[' || ch == '{') {
			if (++depth > max)
				return 1;
		} else if ((ch == ']' || ch == '}') && depth > 0)
			depth--;
	}
	return 0;
}


/* Answers ------------------------------------------------------------------ */

json_t *
gw_error_msg(const json_t *id, int code, const char *text)
{
	json_t	*m = json_string(text);

	/* A parser's message may quote bytes that are not UTF-8. */
	if (m == NULL)
		m = json_string("the message is not valid UTF-8 JSON");
	return json_pack("{s:s, s:O, s:{s:i, s:o}}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "error", "code", code, "message", m);
}

json_t *
gw_uri_error(const json_t *id, const char *why, const char *uri)
{
	json_t	*msg = gw_error_msg(id, RPC_PARAMS, why);

	json_object_set_new(json_object_get(msg, "error"), "data",
	    json_pack("{s:s}", "uri", uri != NULL ? uri : ""));
	return msg;
}

void
gw_error(struct gw_ctx *x, int code, const char *text)
{
	x->c->send(x->c, gw_error_msg(x->id, code, text), x->modern);
}

/* A result; the 2026-07-28 era says each is complete. */
static json_t *
gw_result_msg(const json_t *id, json_t *result, bool modern)
{
	if (modern && json_object_get(result, "resultType") == NULL)
		json_object_set_new(result, "resultType", json_string(
		    "complete"));
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id != NULL ?
	    id : json_null(), "result", result);
}

void
gw_result(struct gw_ctx *x, json_t *result)
{
	x->c->send(x->c, gw_result_msg(x->id, result, x->modern), x->modern);
}

/* A list a client may keep a while (2026-07-28's cache hints). */
json_t *
gw_cacheable(json_t *result, bool modern, unsigned ttl_ms, bool public)
{
	if (modern) {
		json_object_set_new(result, "ttlMs", json_integer(ttl_ms));
		json_object_set_new(result, "cacheScope", json_string(public ?
		    "public" : "private"));
	}
	return result;
}

/* A tool's result: its JSON as text too, for clients before 2025-06-18. */
static json_t *
gw_tool_ok(json_t *structured)
{
	char	*text = json_dumps(structured, JSON_COMPACT | JSON_SORT_KEYS);
	json_t	*j = json_pack("{s:[{s:s, s:s}], s:o, s:b}", "content", "type",
		    "text", "text", text != NULL ? text : "{}",
		    "structuredContent", structured, "isError", 0);

	free(text);
	return j;
}

/* A tool that could not do it (denied, no such agent): a result, not an
 * error of the protocol, so that the model reads why. */
static json_t *
gw_tool_failed(const char *why)
{
	return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text",
	    "text", why, "isError", 1);
}

/* Calls -------------------------------------------------------------------- */

static void
gw_call_free(struct gw_call *k)
{
	struct gw_call	**pp;

	for (pp = &k->gw->calls; *pp != NULL; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	k->gw->ncalls--;
	if (k->client != NULL)
		k->client->calls--;
	json_decref(k->id);
	json_decref(k->args);
	free(k->uri);
	free(k);
}

void
gw_client_gone(struct gw_client *c)
{
	struct gw_call	*k;

	for (k = c->gw->calls; k != NULL; k = k->next)
		if (k->client == c) {
			k->client = NULL;
			c->calls--;
		}
}

/*
 * What orch answered, as the call's answer: a tool's result (isError
 * when it could not), or what finish makes of it (an error naming the
 * resource when it could not). The call is done with before its answer
 * goes: sending may free the client.
 */
static void
gw_call_answer(struct gw_call *k, json_t *structured, const char *why)
{
	struct gw_client	*c = k->client;
	json_t			*msg, *result = NULL;
	bool			 modern = k->modern;

	if (c == NULL) {
		/* Gone meanwhile: the work went on, only its answer is lost. */
		json_decref(structured);
		gw_call_free(k);
		return;
	}
	if (k->finish == NULL)
		result = structured != NULL ? gw_tool_ok(structured) :
		    gw_tool_failed(why);
	else if (structured != NULL) {
		/* What agents show changes as they work: keep it not at all. */
		result = k->finish(k->uri, structured);
		if (result != NULL)
			result = gw_cacheable(result, modern, 0, false);
		json_decref(structured);
	}
	if (result != NULL)
		msg = gw_result_msg(k->id, result, modern);
	else
		msg = gw_uri_error(k->id, why, k->uri);
	gw_call_free(k);
	c->send(c, msg, modern);
}

static void
gw_answer_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	struct gw_call	*k = arg;
	json_t		*answer = NULL, *structured;
	char		 why[512];

	(void)p;
	if (err != IPC_OK) {
		gw_call_answer(k, NULL, env != NULL && env->errmsg[0] ?
		    env->errmsg : proto_strerror(err));
		return;
	}
	if (env != NULL && env->has_body)
		answer = body_json(&env->body);
	why[0] = '\0';
	structured = mcp_tool_result(k->tool, answer, k->args, why,
	    sizeof why);
	json_decref(answer);
	gw_call_answer(k, structured, why[0] ? why : "no result");
}

static void
gw_req_env(struct envelope *hdr, const struct mcp_req *r, const char *from)
{
	memset(hdr, 0, sizeof *hdr);
	hdr->v = IPC_PROTO_VERSION;
	hdr->kind = IPC_KIND_REQ;
	hdr->pri = (uint8_t)r->pri;
	snprintf(hdr->op, sizeof hdr->op, "%s", r->op);
	snprintf(hdr->from, sizeof hdr->from, "%s", from);
}

/*
 * Send r on its way for k. 0, or -1 with why (the call is not sent: a
 * refusal of ours, or orch out of reach).
 */
static int
gw_call_send(struct gw_client *c, struct gw_call *k, struct mcp_req *r,
    char *why, size_t size)
{
	struct actor	*a = c->gw->a;
	struct envelope	 hdr;
	char		*cause = NULL;
	int		 rc;

	switch (r->route) {
	case MCP_OWN_ACTOR:
		if (c->caller[0] == '\0') {
			snprintf(why, size, "the operator has no inbox: "
			    "read_inbox is an agent's (run orch-mcp in its "
			    "session)");
			return -1;
		}
		snprintf(r->to, sizeof r->to, "%s", c->caller);
		if (a->relay == NULL) {
			snprintf(why, size, "no agent can be reached");
			return -1;
		}
		rc = relay_send(a->relay, a->ac.id, r->to, r->op, r->pri,
		    r->body.data, r->body.size, GW_CALL_TIMEOUT_MS,
		    gw_answer_cb, k, &cause);
		break;
	case MCP_BANK:
		if (c->gw->loop_client == NULL) {
			snprintf(why, size, "this instance has no shared memory "
			    "(see the supervisor's log)");
			return -1;
		}
		gw_req_env(&hdr, r, c->caller);
		rc = peer_request_env(c->gw->loop_client, &hdr, r->body.data,
		    r->body.size, GW_CALL_TIMEOUT_MS, gw_answer_cb, k) < 0 ?
		    -1 : 0;
		if (rc != 0)
			cause = xstrdup("the memory bank is not reachable");
		break;
	case MCP_ACTOR:
		/* An actor answers orch itself: the caller is checked here. */
		if (c->caller[0] != '\0' && permtab_check(r->op, c->caller,
		    c->perms, r->to, why, size) != PERM_NONE)
			return -1;
		if (a->relay == NULL) {
			snprintf(why, size, "no agent can be reached");
			return -1;
		}
		rc = relay_send(a->relay, a->ac.id, r->to, r->op, r->pri,
		    r->body.data, r->body.size, 10000, gw_answer_cb, k, &cause);
		break;
	default:
		gw_req_env(&hdr, r, c->caller[0] ? c->caller : "operator");
		snprintf(hdr.to, sizeof hdr.to, "%s", r->to);
		rc = a->link == NULL ? -1 : peer_request_env(a->link, &hdr,
		    r->body.data, r->body.size, GW_CALL_TIMEOUT_MS,
		    gw_answer_cb, k) < 0 ? -1 : 0;
		if (rc != 0)
			cause = xstrdup("the supervisor is gone");
		break;
	}
	if (rc != 0) {
		snprintf(why, size, "%s", cause != NULL ? cause :
		    "cannot reach it");
		free(cause);
	}
	return rc;
}

void
gw_call_start(struct gw_ctx *x, const struct mcp_tool *t, json_t *args,
    gw_finish_fn *finish, const char *uri)
{
	struct gw_client	*c = x->c;
	struct gw_call		*k;
	struct mcp_req		 r;
	char			 why[320];

	if (c->nobody) {
		snprintf(why, sizeof why, "this process belongs to no running "
		    "agent of this instance: nothing is allowed");
		goto refused;
	}
	if (c->calls >= GW_CALLS_MAX || c->gw->ncalls >= GW_CALLS_ALL_MAX) {
		gw_error(x, RPC_BUSY, "too many calls in flight");
		return;
	}
	if (mcp_tool_args(t, args, &r, why, sizeof why) != 0) {
		msgpack_sbuffer_destroy(&r.body);
		gw_error(x, RPC_PARAMS, why);
		return;
	}
	k = xcalloc(1, sizeof *k);
	k->gw = c->gw;
	k->client = c;
	k->tool = t;
	k->id = json_incref(x->id);
	k->args = args != NULL ? json_incref(args) : json_object();
	k->modern = x->modern;
	k->finish = finish;
	k->uri = uri != NULL ? xstrdup(uri) : NULL;
	k->next = c->gw->calls;
	c->gw->calls = k;
	c->gw->ncalls++;
	c->calls++;
	if (gw_call_send(c, k, &r, why, sizeof why) == 0) {
		msgpack_sbuffer_destroy(&r.body);
		return;
	}
	msgpack_sbuffer_destroy(&r.body);
	k->client = NULL;
	c->calls--;
	gw_call_free(k);
refused:
	if (finish == NULL)
		gw_result(x, gw_tool_failed(why));
	else
		c->send(c, gw_uri_error(x->id, why, uri), x->modern);
}

/* The bank's loop --------------------------------------------------------- */

/*
 * The bank's side of the loop: the request's from is the caller (set by
 * this process, not by a client), decided as that caller's by serve.
 */
static void
gw_loop_dispatch_cb(struct peer *p, const struct envelope *env, void *arg)
{
	struct gateway		*gw = arg;
	struct actor		*a = gw->a;
	struct serve_caller	 who = { NULL, true, true };
	char			 why[256];
	size_t			 i;

	if (env->from[0] != '\0') {
		who.id = env->from;
		who.can_read = who.can_share = false;
		for (i = 0; i < a->nroster; i++)
			if (strcmp(a->roster[i].id, env->from) == 0) {
				who.can_read = (a->roster[i].perms &
				    PERM_BIT(PERM_DATA_READ)) != 0;
				who.can_share = (a->roster[i].perms &
				    PERM_BIT(PERM_DATA_SHARE)) != 0;
			}
		if (strcmp(env->op, IPC_OP_EVENTS_PUBLISH) == 0 &&
		    !who.can_share) {
			snprintf(why, sizeof why, "agent '%s' may not %s: it "
			    "needs data:share", env->from, env->op);
			peer_reply(p, env, IPC_E_DENIED, why, NULL, 0);
			return;
		}
	}
	if (serve_dispatch(a->serve, p, env, &who, why, sizeof why) ==
	    SERVE_NOT_MINE)
		peer_reply(p, env, IPC_E_UNKNOWN_OP, env->op, NULL, 0);
}

static void
gw_loop_start(struct gateway *gw)
{
	static const struct peer_cbs	 cbs = { gw_loop_dispatch_cb, NULL };
	int				 sp[2];

	if (gw->a->serve == NULL || compat_socketpair(AF_UNIX,
	    SOCK_STREAM, COMPAT_CLOEXEC, sp) == -1)
		return;
	gw->loop_server = peer_new(gw->a->base, sp[0], "bank", NULL, &cbs,
	    gw);
	gw->loop_client = peer_new(gw->a->base, sp[1], "gateway", NULL, NULL,
	    NULL);
}

int
gateway_start(struct actor *a, char **cause)
{
	struct gateway	*gw = xcalloc(1, sizeof *gw);

	gw->a = a;
	a->gateway = gw;
	gw_loop_start(gw);
	/* metrics: alone serves the page and /metrics, and no MCP client. */
	if ((!a->ac.mcp.web_only && gw_line_start(gw, cause) != 0) ||
	    gw_http_start(gw, cause) != 0) {
		gateway_free(a);
		return -1;
	}
	return 0;
}

void
gateway_roster(struct actor *a)
{
	if (a->gateway == NULL)
		return;
	gw_line_notify(a->gateway, json_pack("{s:s, s:s}", "jsonrpc", "2.0",
	    "method", "notifications/tools/list_changed"));
	gw_line_notify(a->gateway, json_pack("{s:s, s:s}", "jsonrpc", "2.0",
	    "method", "notifications/resources/list_changed"));
}

void
gateway_free(struct actor *a)
{
	struct gateway	*gw = a->gateway;

	if (gw == NULL)
		return;
	gw_line_free(gw);
	gw_http_free(gw);
	/* The bank's answers still owed fail now, freeing their calls. */
	if (gw->loop_server != NULL)
		serve_forget(a->serve, gw->loop_server);
	peer_free(gw->loop_client);
	peer_free(gw->loop_server);
	while (gw->calls != NULL)
		gw_call_free(gw->calls);
	free(gw);
	a->gateway = NULL;
}
