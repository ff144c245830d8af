#include "actors/gateway.h"

#include <sys/socket.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "actors/mcp_tools.h"
#include "common/log.h"
#include "common/rundir.h"
#include "common/xmalloc.h"
#include "ipc/body_json.h"
#include "ipc/perm.h"
#include "ipc/permtab.h"
#include "ipc/relay.h"
#include "ipc/sock.h"
#include "shm/serve.h"

/* The protocol versions of the initialize era, newest first. */
static const char *const gw_versions[] = { "2025-11-25", "2025-06-18",
    "2025-03-26" };

#define GW_CLIENTS_MAX		64
#define GW_CALLS_MAX		64	/* in flight on one connection */
#define GW_OUT_MAX		((size_t)16 << 20)
#define GW_CALL_TIMEOUT_MS	(7u * 24 * 3600 * 1000)

/* JSON-RPC's error codes. */
#define RPC_PARSE	-32700
#define RPC_INVALID	-32600
#define RPC_METHOD	-32601
#define RPC_PARAMS	-32602
#define RPC_BUSY	-32000

struct gw_conn {
	struct gateway		*gw;
	struct bufferevent	*bev;
	bool			 nobody;	/* belongs to no running agent */
	char			 caller[AGENT_ID_MAX + 1];	/* "": operator */
	unsigned		 perms;
	bool			 first;		/* nothing read yet */
	bool			 done;		/* it sent all it will */
	unsigned		 calls;
	struct gw_conn		*next;
};

/* A tool call waiting for orch's answer; conn NULL once it hung up. */
struct gw_call {
	struct gateway		*gw;
	struct gw_conn		*conn;
	const struct mcp_tool	*tool;
	json_t			*id;
	json_t			*args;
	struct gw_call		*next;
};

struct gateway {
	struct actor		*a;
	struct sock_listener	*listener;
	/* The bank and bus served in this process, through a socket pair. */
	struct peer		*loop_client, *loop_server;
	struct gw_conn		*conns;
	struct gw_call		*calls;
	unsigned		 nconns;
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

static void	gw_conn_free(struct gw_conn *c);

/* One message, a line; a reader too far behind is let go. */
static void
gw_send(struct gw_conn *c, json_t *msg)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	char		*text = json_dumps(msg, JSON_COMPACT);

	json_decref(msg);
	if (text == NULL)
		return;
	evbuffer_add(out, text, strlen(text));
	evbuffer_add(out, "\n", 1);
	free(text);
	if (evbuffer_get_length(out) > GW_OUT_MAX) {
		log_warnx("gateway: a client %zu bytes behind: dropped",
		    evbuffer_get_length(out));
		gw_conn_free(c);
	}
}

static void
gw_result(struct gw_conn *c, json_t *id, json_t *result)
{
	gw_send(c, json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "result", result));
}

static void
gw_error(struct gw_conn *c, json_t *id, int code, const char *msg)
{
	gw_send(c, json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0",
	    "id", id != NULL ? id : json_null(), "error", "code", code,
	    "message", msg));
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
	if (k->conn != NULL)
		k->conn->calls--;
	json_decref(k->id);
	json_decref(k->args);
	free(k);
}

/* A client that sent all it will is let go once it has its answers. */
static void
gw_conn_check(struct gw_conn *c)
{
	if (c == NULL || !c->done || c->calls > 0)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		gw_conn_free(c);
}

static void
gw_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	gw_conn_check(arg);
}

static void
gw_answer_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	struct gw_call	*k = arg;
	json_t		*answer = NULL, *structured;
	char		 why[512];

	(void)p;
	/* Hung up meanwhile: the work goes on, only its answer is lost. */
	if (k->conn == NULL) {
		gw_call_free(k);
		return;
	}
	if (err != IPC_OK) {
		gw_result(k->conn, k->id, gw_tool_failed(env != NULL &&
		    env->errmsg[0] ? env->errmsg : proto_strerror(err)));
		gw_call_free(k);
		return;
	}
	if (env != NULL && env->has_body)
		answer = body_json(&env->body);
	why[0] = '\0';
	structured = mcp_tool_result(k->tool, answer, k->args, why,
	    sizeof why);
	json_decref(answer);
	/* Once written, the write callback lets a finished client go. */
	gw_result(k->conn, k->id, structured != NULL ?
	    gw_tool_ok(structured) : gw_tool_failed(why[0] ? why :
	    "no result"));
	gw_call_free(k);
}

static void
gw_tools_call(struct gw_conn *c, json_t *id, json_t *params)
{
	struct actor		*a = c->gw->a;
	const struct mcp_tool	*t;
	const char		*name;
	struct gw_call		*k;
	struct mcp_req		 r;
	struct envelope		 hdr;
	json_t			*args = json_object_get(params, "arguments");
	char			 why[320], *cause = NULL;
	int			 rc;

	if ((name = json_string_value(json_object_get(params, "name"))) ==
	    NULL) {
		gw_error(c, id, RPC_PARAMS, "tools/call needs params.name");
		return;
	}
	if ((t = mcp_tool_find(name)) == NULL) {
		snprintf(why, sizeof why, "unknown tool '%s'", name);
		gw_error(c, id, RPC_PARAMS, why);
		return;
	}
	if (args != NULL && !json_is_object(args)) {
		gw_error(c, id, RPC_PARAMS, "params.arguments must be an "
		    "object");
		return;
	}
	if (c->nobody) {
		gw_result(c, id, gw_tool_failed("this process belongs to no "
		    "running agent of this instance: nothing is allowed"));
		return;
	}
	if (c->calls >= GW_CALLS_MAX) {
		gw_error(c, id, RPC_BUSY, "too many calls in flight on this "
		    "connection");
		return;
	}
	if (mcp_tool_args(t, args, &r, why, sizeof why) != 0) {
		msgpack_sbuffer_destroy(&r.body);
		gw_error(c, id, RPC_PARAMS, why);
		return;
	}
	k = xcalloc(1, sizeof *k);
	k->gw = c->gw;
	k->conn = c;
	k->tool = t;
	k->id = json_incref(id);
	k->args = args != NULL ? json_incref(args) : json_object();
	k->next = c->gw->calls;
	c->gw->calls = k;
	c->calls++;
	if (r.route == MCP_OWN_ACTOR) {
		if (c->caller[0] == '\0') {
			gw_result(c, id, gw_tool_failed("the operator has no "
			    "inbox: read_inbox is an agent's (run orch-mcp in "
			    "its session)"));
			gw_call_free(k);
			msgpack_sbuffer_destroy(&r.body);
			return;
		}
		snprintf(r.to, sizeof r.to, "%s", c->caller);
		rc = relay_send(a->relay, a->ac.id, r.to, r.op, r.pri,
		    r.body.data, r.body.size, GW_CALL_TIMEOUT_MS, gw_answer_cb,
		    k, &cause);
	} else if (r.route == MCP_BANK) {
		if (c->gw->loop_client == NULL) {
			gw_result(c, id, gw_tool_failed("this instance has no "
			    "shared memory (see the supervisor's log)"));
			gw_call_free(k);
			msgpack_sbuffer_destroy(&r.body);
			return;
		}
		memset(&hdr, 0, sizeof hdr);
		hdr.v = IPC_PROTO_VERSION;
		hdr.kind = IPC_KIND_REQ;
		hdr.pri = (uint8_t)r.pri;
		snprintf(hdr.op, sizeof hdr.op, "%s", r.op);
		snprintf(hdr.from, sizeof hdr.from, "%s", c->caller);
		rc = peer_request_env(c->gw->loop_client, &hdr, r.body.data,
		    r.body.size, GW_CALL_TIMEOUT_MS, gw_answer_cb, k) < 0 ?
		    -1 : 0;
		if (rc != 0)
			cause = xstrdup("the memory bank is not reachable");
	} else if (r.route == MCP_ACTOR) {
		/* An actor answers orch itself: the caller is checked here. */
		if (c->caller[0] != '\0' && permtab_check(r.op, c->caller,
		    c->perms, r.to, why, sizeof why) != PERM_NONE) {
			gw_result(c, id, gw_tool_failed(why));
			gw_call_free(k);
			msgpack_sbuffer_destroy(&r.body);
			return;
		}
		rc = relay_send(a->relay, a->ac.id, r.to, r.op, r.pri,
		    r.body.data, r.body.size, 10000, gw_answer_cb, k, &cause);
	} else {
		memset(&hdr, 0, sizeof hdr);
		hdr.v = IPC_PROTO_VERSION;
		hdr.kind = IPC_KIND_REQ;
		hdr.pri = (uint8_t)r.pri;
		snprintf(hdr.op, sizeof hdr.op, "%s", r.op);
		snprintf(hdr.from, sizeof hdr.from, "%s", c->caller[0] ?
		    c->caller : "operator");
		snprintf(hdr.to, sizeof hdr.to, "%s", r.to);
		rc = a->link == NULL ? -1 : peer_request_env(a->link, &hdr,
		    r.body.data, r.body.size, GW_CALL_TIMEOUT_MS, gw_answer_cb,
		    k) < 0 ? -1 : 0;
		if (rc != 0)
			cause = xstrdup("the supervisor is gone");
	}
	msgpack_sbuffer_destroy(&r.body);
	if (rc != 0) {
		gw_result(c, id, gw_tool_failed(cause != NULL ? cause :
		    "cannot reach it"));
		free(cause);
		gw_call_free(k);
	}
}

/* Methods ------------------------------------------------------------------ */

static void
gw_initialize(struct gw_conn *c, json_t *id, json_t *params)
{
	const char	*want = json_string_value(json_object_get(params,
			    "protocolVersion")), *v = gw_versions[0];
	size_t		 i;

	for (i = 0; want != NULL && i < sizeof gw_versions /
	    sizeof gw_versions[0]; i++)
		if (strcmp(want, gw_versions[i]) == 0)
			v = gw_versions[i];
	gw_result(c, id, json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}, s:s}",
	    "protocolVersion", v, "capabilities", "tools", "listChanged", 0,
	    "serverInfo", "name", "orch", "version", ORCH_VERSION,
	    "instructions", "orch runs AI coding agents and shell workers, "
	    "each in its own terminal session. list_agents shows them; "
	    "submit_task gives them work (wait for its result with wait); "
	    "read_terminal_output shows what an agent's terminal shows."));
}

static void
gw_ping(struct gw_conn *c, json_t *id, json_t *params)
{
	(void)params;
	gw_result(c, id, json_object());
}

static void
gw_tools_list(struct gw_conn *c, json_t *id, json_t *params)
{
	(void)params;
	gw_result(c, id, json_pack("{s:o}", "tools", mcp_tools_list()));
}

static const struct {
	const char	*method;
	void		(*fn)(struct gw_conn *, json_t *, json_t *);
} gw_methods[] = {
	{ "initialize", gw_initialize },
	{ "ping", gw_ping },
	{ "tools/list", gw_tools_list },
	{ "tools/call", gw_tools_call },
};

/*
 * orch-mcp's first line says the ORCH_AGENT_ID it was started with: it
 * may narrow the operator down to that agent, never widen an agent.
 */
static bool
gw_hello(struct gw_conn *c, json_t *msg)
{
	json_t		*hello = json_object_get(msg, "orch-mcp");
	struct actor	*a = c->gw->a;
	const char	*agent;
	size_t		 i;

	if (!json_is_object(hello) || json_object_get(msg, "jsonrpc") != NULL)
		return false;
	agent = json_string_value(json_object_get(hello, "agent"));
	if (agent == NULL || agent[0] == '\0' || c->caller[0] != '\0' ||
	    c->nobody)
		return true;
	for (i = 0; i < a->nroster; i++)
		if (strcmp(a->roster[i].id, agent) == 0) {
			snprintf(c->caller, sizeof c->caller, "%s", agent);
			c->perms = a->roster[i].perms;
			return true;
		}
	/* An agent that is not running has no permissions: nothing. */
	c->nobody = true;
	return true;
}

static void
gw_line(struct gw_conn *c, const char *line, size_t len)
{
	json_error_t	 err;
	json_t		*msg, *id, *params;
	const char	*method, *v;
	bool		 first = c->first;
	char		 why[256];
	size_t		 i;

	c->first = false;
	if (len == 0 || (len == 1 && line[0] == '\r'))
		return;
	if (gateway_too_deep(line, len, GATEWAY_DEPTH_MAX)) {
		gw_error(c, NULL, RPC_INVALID, "nesting deeper than 64");
		return;
	}
	msg = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &err);
	if (msg == NULL) {
		snprintf(why, sizeof why, "parse error: %s (column %d)",
		    err.text, err.column);
		gw_error(c, NULL, RPC_PARSE, why);
		return;
	}
	if (json_is_array(msg)) {
		gw_error(c, NULL, RPC_INVALID, "batches are not supported");
		goto out;
	}
	if (!json_is_object(msg)) {
		gw_error(c, NULL, RPC_INVALID, "a request is a JSON object");
		goto out;
	}
	if (first && gw_hello(c, msg))
		goto out;
	id = json_object_get(msg, "id");
	if (id != NULL && !json_is_string(id) && !json_is_integer(id)) {
		gw_error(c, NULL, RPC_INVALID, "id must be a string or an "
		    "integer");
		goto out;
	}
	v = json_string_value(json_object_get(msg, "jsonrpc"));
	method = json_string_value(json_object_get(msg, "method"));
	if (v == NULL || strcmp(v, "2.0") != 0 || method == NULL) {
		/* Answers to requests we never made are dropped. */
		if (id != NULL && method == NULL && (json_object_get(msg,
		    "result") != NULL || json_object_get(msg, "error") != NULL))
			goto out;
		gw_error(c, id, RPC_INVALID, "not a JSON-RPC 2.0 request "
		    "(jsonrpc \"2.0\" and a method)");
		goto out;
	}
	params = json_object_get(msg, "params");
	if (params != NULL && !json_is_object(params)) {
		if (id != NULL)
			gw_error(c, id, RPC_PARAMS, "params must be an object");
		goto out;
	}
	if (id == NULL)
		goto out;	/* notifications: initialized, cancelled */
	for (i = 0; i < sizeof gw_methods / sizeof gw_methods[0]; i++)
		if (strcmp(method, gw_methods[i].method) == 0) {
			gw_methods[i].fn(c, id, params);
			goto out;
		}
	snprintf(why, sizeof why, "method not found: %s", method);
	gw_error(c, id, RPC_METHOD, why);
out:
	json_decref(msg);
}

/* Connections -------------------------------------------------------------- */

static void
gw_read_cb(struct bufferevent *bev, void *arg)
{
	struct gw_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct gateway	*gw = c->gw;
	struct gw_conn	*q;
	char		*line;
	size_t		 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		gw_line(c, line, len);
		free(line);
		/* The answer may have found it too slow, and let it go. */
		for (q = gw->conns; q != NULL && q != c; q = q->next)
			;
		if (q == NULL)
			return;
	}
	if (evbuffer_get_length(in) > GATEWAY_LINE_MAX) {
		gw_error(c, NULL, RPC_INVALID, "a message over 4 MiB");
		bufferevent_flush(bev, EV_WRITE, BEV_FLUSH);
		gw_conn_free(c);
	}
}

static void
gw_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct gw_conn	*c = arg;

	if (what & BEV_EVENT_ERROR)
		gw_conn_free(c);
	else if (what & BEV_EVENT_EOF) {
		/* Its half is closed: answers still owed go out first. */
		c->done = true;
		bufferevent_disable(bev, EV_READ);
		gw_conn_check(c);
	}
}

static void
gw_conn_free(struct gw_conn *c)
{
	struct gw_conn	**pp;
	struct gw_call	 *k;

	for (k = c->gw->calls; k != NULL; k = k->next)
		if (k->conn == c)
			k->conn = NULL;
	for (pp = &c->gw->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->gw->nconns--;
	bufferevent_free(c->bev);
	free(c);
}

static void
gw_accept_cb(int fd, void *arg)
{
	struct gateway		*gw = arg;
	struct actor_known	 k;
	struct gw_conn		*c;
	enum actor_who		 who;

	if (gw->nconns >= GW_CLIENTS_MAX) {
		log_warnx("gateway: %u clients: refusing another", gw->nconns);
		close(fd);
		return;
	}
	memset(&k, 0, sizeof k);
	who = actor_caller(gw->a, fd, &k);
	c = xcalloc(1, sizeof *c);
	c->gw = gw;
	c->first = true;
	if (who == ACTOR_WHO_AGENT) {
		snprintf(c->caller, sizeof c->caller, "%s", k.id);
		c->perms = k.perms;
	} else if (who != ACTOR_WHO_OPERATOR)
		c->nobody = true;
	c->bev = bufferevent_socket_new(gw->a->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	/* Read no more than a message's worth ahead. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, GATEWAY_LINE_MAX + 1);
	bufferevent_setcb(c->bev, gw_read_cb, gw_write_cb, gw_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = gw->conns;
	gw->conns = c;
	gw->nconns++;
}

static void
gw_refuse_cb(const char *why, void *arg)
{
	(void)arg;
	log_warnx("gateway: refused a connection: %s", why);
}

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

	if (gw->a->serve == NULL || socketpair(AF_UNIX, SOCK_STREAM |
	    SOCK_CLOEXEC, 0, sp) == -1)
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
	char		 path[PATH_MAX];

	gw->a = a;
	gw_loop_start(gw);
	if (rundir_file(a->instance, GATEWAY_SOCKET, path, sizeof path,
	    cause) != 0 || (gw->listener = sock_listener_new(a->base, path,
	    gw_accept_cb, gw_refuse_cb, gw, cause)) == NULL) {
		free(gw);
		return -1;
	}
	a->gateway = gw;
	log_info("MCP gateway on %s", path);
	return 0;
}

void
gateway_free(struct actor *a)
{
	struct gateway	*gw = a->gateway;

	if (gw == NULL)
		return;
	sock_listener_free(gw->listener);
	while (gw->conns != NULL)
		gw_conn_free(gw->conns);
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
