/*
 * The gateway's methods, in the two eras of the protocol: which a request
 * is of, the 2026-07-28 era's own checks, and each method's answer.
 */
#include "actors/gateway_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actors/actor.h"
#include "actors/mcp_tools.h"
#include "common/xmalloc.h"

/* The protocol versions of the initialize era, newest first. */
static const char *const gw_versions[] = { "2025-11-25", "2025-06-18",
    "2025-03-26" };

#define NITEMS(a)		(sizeof (a) / sizeof (a)[0])
#define GW_LIST_TTL_MS		60000	/* what changes only with orch */

bool
gw_legacy_version(const char *v)
{
	size_t	i;

	for (i = 0; v != NULL && i < NITEMS(gw_versions); i++)
		if (strcmp(v, gw_versions[i]) == 0)
			return true;
	return false;
}


/* Methods ------------------------------------------------------------------ */

static void
gw_tools_call(struct gw_ctx *x, json_t *params)
{
	const struct mcp_tool	*t;
	const char		*name;
	json_t			*args = json_object_get(params, "arguments");
	char			 why[320];

	if ((name = json_string_value(json_object_get(params, "name"))) ==
	    NULL) {
		gw_error(x, RPC_PARAMS, "tools/call needs params.name");
		return;
	}
	if ((t = mcp_tool_find(name)) == NULL) {
		snprintf(why, sizeof why, "unknown tool '%s'", name);
		gw_error(x, RPC_PARAMS, why);
		return;
	}
	if (args != NULL && !json_is_object(args)) {
		gw_error(x, RPC_PARAMS, "params.arguments must be an object");
		return;
	}
	gw_call_start(x, t, args, NULL, NULL);
}


static const char gw_instructions[] = "orch runs AI coding agents and shell "
    "workers, each in its own terminal session. list_agents shows them; "
    "submit_task gives them work (wait for its result with wait); "
    "read_terminal_output shows what an agent's terminal shows.";

/* A client on mcp.sock hears of agents coming and going. */
static json_t *
gw_capabilities(const struct gw_ctx *x)
{
	bool	 notes = !x->modern && x->c->notes_ok;
	json_t	*caps = json_pack("{s:{s:b}, s:{s:b}}", "tools", "listChanged",
		    notes, "resources", "listChanged", notes);

	/* The 2026-07-28 era has no logging/setLevel. */
	if (!x->modern)
		json_object_set_new(caps, "logging", json_object());
	return caps;
}

static void
gw_initialize(struct gw_ctx *x, json_t *params)
{
	const char	*want = json_string_value(json_object_get(params,
			    "protocolVersion"));

	x->c->listening = x->c->notes_ok;
	gw_result(x, json_pack("{s:s, s:o, s:{s:s, s:s}, s:s}",
	    "protocolVersion", gw_legacy_version(want) ? want : gw_versions[0],
	    "capabilities", gw_capabilities(x), "serverInfo", "name", "orch",
	    "version", ORCH_VERSION, "instructions", gw_instructions));
}

static void
gw_discover(struct gw_ctx *x, json_t *params)
{
	(void)params;
	gw_result(x, gw_cacheable(json_pack("{s:[s], s:o, s:s, "
	    "s:{s:{s:s, s:s}}}", "supportedVersions", GW_MODERN,
	    "capabilities", gw_capabilities(x), "instructions", gw_instructions,
	    "_meta", "io.modelcontextprotocol/serverInfo", "name", "orch",
	    "version", ORCH_VERSION), x->modern, GW_LIST_TTL_MS, true));
}

static void
gw_ping(struct gw_ctx *x, json_t *params)
{
	(void)params;
	gw_result(x, json_object());
}

/* Levels are taken, and nothing is logged to clients at any. */
static void
gw_set_level(struct gw_ctx *x, json_t *params)
{
	static const char *const levels[] = { "debug", "info", "notice",
	    "warning", "error", "critical", "alert", "emergency" };
	const char	*level = json_string_value(json_object_get(params,
			    "level"));
	size_t		 i;

	for (i = 0; level != NULL && i < NITEMS(levels); i++)
		if (strcmp(level, levels[i]) == 0) {
			gw_result(x, json_object());
			return;
		}
	gw_error(x, RPC_PARAMS, "params.level must be a syslog level "
	    "(debug, info, notice, warning, error, critical, alert, "
	    "emergency)");
}

/* The running agents' ids, as the tools that take one say them. */
static char *
gw_agent_names(const struct actor *a)
{
	char	*s = xstrdup(""), *t;
	size_t	 i;

	for (i = 0; a != NULL && i < a->nroster; i++) {
		if (strcmp(a->roster[i].id, a->ac.id) == 0)
			continue;	/* the gateway is no agent to name */
		xasprintf(&t, "%s%s%s", s, s[0] ? ", " : "", a->roster[i].id);
		free(s);
		s = t;
	}
	return s;
}

static void
gw_tools_list(struct gw_ctx *x, json_t *params)
{
	char	*agents = gw_agent_names(x->c->gw->a);

	(void)params;
	/* It changes as agents come and go: kept only briefly. */
	gw_result(x, gw_cacheable(json_pack("{s:o}", "tools",
	    mcp_tools_list(agents)), x->modern, 1000, false));
	free(agents);
}

typedef void	gw_method_fn(struct gw_ctx *, json_t *);

/* Each method, and the eras it is in. */
static const struct {
	const char	*method;
	gw_method_fn	*fn;
	bool		 legacy, modern;
} gw_methods[] = {
	{ "initialize", gw_initialize, true, false },
	{ "ping", gw_ping, true, false },
	{ "server/discover", gw_discover, false, true },
	{ "tools/list", gw_tools_list, true, true },
	{ "tools/call", gw_tools_call, true, true },
	{ "logging/setLevel", gw_set_level, true, false },
	{ "resources/list", gw_resources_list, true, true },
	{ "resources/templates/list", gw_resources_templates, true, true },
	{ "resources/read", gw_resources_read, true, true },
};

/* The era of each request ------------------------------------------------- */

static const json_t *
gw_meta(const json_t *msg)
{
	return json_object_get(json_object_get(msg, "params"), "_meta");
}

bool
gw_modern(const json_t *msg, const struct gw_hdrs *h)
{
	const char	*method = json_string_value(json_object_get(msg,
			    "method"));

	if (method != NULL && strcmp(method, "server/discover") == 0)
		return true;
	if (json_object_get(gw_meta(msg),
	    "io.modelcontextprotocol/protocolVersion") != NULL)
		return true;
	/* An era we do not know is asked for the modern way, and refused. */
	return h != NULL && h->version != NULL &&
	    !gw_legacy_version(h->version);
}

bool
gw_is_request(const json_t *msg)
{
	return json_object_get(msg, "id") != NULL && json_object_get(msg,
	    "method") != NULL;
}

/* The name a request's Mcp-Name header must repeat, or NULL. */
static const char *
gw_named(const char *method, const json_t *params)
{
	if (strcmp(method, "tools/call") == 0 || strcmp(method,
	    "prompts/get") == 0)
		return json_string_value(json_object_get(params, "name"));
	if (strcmp(method, "resources/read") == 0)
		return json_string_value(json_object_get(params, "uri"));
	return NULL;
}

/*
 * A 2026-07-28 request's own checks: its _meta, its version, and over
 * HTTP the headers that repeat them. 0, or -1 with the error sent.
 */
static int
gw_modern_check(struct gw_ctx *x, const char *method, const json_t *params,
    const struct gw_hdrs *h)
{
	const json_t	*meta = json_object_get(params, "_meta");
	const char	*v = json_string_value(json_object_get(meta,
			    "io.modelcontextprotocol/protocolVersion"));
	const json_t	*caps = json_object_get(meta,
			    "io.modelcontextprotocol/clientCapabilities");
	const char	*named;
	char		 why[320];

	if (h != NULL && h->http && h->version == NULL) {
		gw_error(x, RPC_HEADER, "the MCP-Protocol-Version header is "
		    "missing");
		return -1;
	}
	if (v == NULL || !json_is_object(caps)) {
		snprintf(why, sizeof why, "params._meta needs %s%s%s",
		    v == NULL ? "io.modelcontextprotocol/protocolVersion "
		    "(a string)" : "", v == NULL && !json_is_object(caps) ?
		    " and " : "", !json_is_object(caps) ?
		    "io.modelcontextprotocol/clientCapabilities (an object)" :
		    "");
		gw_error(x, RPC_PARAMS, why);
		return -1;
	}
	if (h != NULL && h->http && strcmp(h->version, v) != 0) {
		snprintf(why, sizeof why, "the MCP-Protocol-Version header "
		    "(%s) is not _meta's protocolVersion (%s)", h->version, v);
		gw_error(x, RPC_HEADER, why);
		return -1;
	}
	if (strcmp(v, GW_MODERN) != 0) {
		x->c->send(x->c, json_pack("{s:s, s:O, s:{s:i, s:s, "
		    "s:{s:[s], s:s}}}", "jsonrpc", "2.0", "id", x->id, "error",
		    "code", RPC_VERSION, "message", "unsupported protocol "
		    "version", "data", "supported", GW_MODERN, "requested", v),
		    true);
		return -1;
	}
	if (h == NULL || !h->http)
		return 0;
	if (h->method == NULL || strcmp(h->method, method) != 0) {
		snprintf(why, sizeof why, "the Mcp-Method header (%s) is not "
		    "the request's method (%s)", h->method != NULL ? h->method :
		    "missing", method);
		gw_error(x, RPC_HEADER, why);
		return -1;
	}
	named = gw_named(method, params);
	if (named != NULL && (h->name == NULL || strcmp(h->name, named) != 0)) {
		snprintf(why, sizeof why, "the Mcp-Name header (%s) is not the "
		    "request's name (%s)", h->name != NULL ? h->name : "missing",
		    named);
		gw_error(x, RPC_HEADER, why);
		return -1;
	}
	return 0;
}

/* Messages ----------------------------------------------------------------- */

json_t *
gw_parse(struct gw_client *c, const char *text, size_t len)
{
	json_error_t	 err;
	json_t		*msg;
	char		 why[256];

	if (gateway_too_deep(text, len, GATEWAY_DEPTH_MAX)) {
		c->send(c, gw_error_msg(NULL, RPC_INVALID, "nesting deeper "
		    "than 64"), false);
		return NULL;
	}
	msg = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &err);
	if (msg == NULL) {
		snprintf(why, sizeof why, "parse error: %s (column %d)",
		    err.text, err.column);
		c->send(c, gw_error_msg(NULL, RPC_PARSE, why), false);
		return NULL;
	}
	if (json_is_array(msg) || !json_is_object(msg)) {
		c->send(c, gw_error_msg(NULL, RPC_INVALID, json_is_array(msg) ?
		    "batches are not supported" : "a request is a JSON object"),
		    false);
		json_decref(msg);
		return NULL;
	}
	return msg;
}

void
gw_handle(struct gw_client *c, json_t *msg, const struct gw_hdrs *h)
{
	struct gw_ctx	 x = { c, NULL, gw_modern(msg, h) };
	json_t		*params;
	const char	*method, *v;
	char		 why[256];
	size_t		 i;

	x.id = json_object_get(msg, "id");
	if (x.id != NULL && !json_is_string(x.id) && !json_is_integer(x.id)) {
		x.id = NULL;
		gw_error(&x, RPC_INVALID, "id must be a string or an integer");
		return;
	}
	v = json_string_value(json_object_get(msg, "jsonrpc"));
	method = json_string_value(json_object_get(msg, "method"));
	if (v == NULL || strcmp(v, "2.0") != 0 || method == NULL) {
		/* Answers to requests we never made are dropped. */
		if (x.id != NULL && method == NULL && (json_object_get(msg,
		    "result") != NULL || json_object_get(msg, "error") != NULL))
			return;
		gw_error(&x, RPC_INVALID, "not a JSON-RPC 2.0 request "
		    "(jsonrpc \"2.0\" and a method)");
		return;
	}
	params = json_object_get(msg, "params");
	if (params != NULL && !json_is_object(params)) {
		if (x.id != NULL)
			gw_error(&x, RPC_PARAMS, "params must be an object");
		return;
	}
	if (x.id == NULL)
		return;	/* notifications: initialized, cancelled */
	if (x.modern && gw_modern_check(&x, method, params, h) != 0)
		return;
	for (i = 0; i < NITEMS(gw_methods); i++)
		if (strcmp(method, gw_methods[i].method) == 0 &&
		    (x.modern ? gw_methods[i].modern : gw_methods[i].legacy)) {
			gw_methods[i].fn(&x, params);
			return;
		}
	snprintf(why, sizeof why, "method not found: %s%s", method, x.modern ?
	    " (in protocol version " GW_MODERN ")" : "");
	gw_error(&x, RPC_METHOD, why);
}

