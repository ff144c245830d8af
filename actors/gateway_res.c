/*
 * The gateway's resources: what orch shows as documents a client may
 * read, each read through a tool's call (and so decided as that tool's):
 *
 *	orch://agents			list_agents, as JSON
 *	orch://agent/{id}/screen	read_terminal_output, as text
 *	orch://task/{id}/log		task_logs, as text
 */
#include "actors/gateway_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "actors/mcp_tools.h"
#include "common/xmalloc.h"

#define GW_RES_AGENTS		"orch://agents"
#define GW_RES_AGENT		"orch://agent/"
#define GW_RES_TASK		"orch://task/"
#define GW_RES_SCREEN_LINES	200
#define GW_RES_LOG_LINES	10000
#define GW_RES_URI_MAX		512

static json_t *
gw_res_contents(const char *uri, const char *mime, const char *text)
{
	return json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri,
	    "mimeType", mime, "text", text != NULL ? text : "");
}

static json_t *
gw_res_agents_read(const char *uri, const json_t *structured)
{
	char	*text = json_dumps(json_object_get(structured, "agents"),
		    JSON_INDENT(2));
	json_t	*j = gw_res_contents(uri, "application/json", text);

	free(text);
	return j;
}

static json_t *
gw_res_screen_read(const char *uri, const json_t *structured)
{
	return gw_res_contents(uri, "text/plain", json_string_value(
	    json_object_get(structured, "output")));
}

static json_t *
gw_res_log_read(const char *uri, const json_t *structured)
{
	return gw_res_contents(uri, "text/plain", json_string_value(
	    json_object_get(structured, "log")));
}

/* Every agent with a session gets its screen listed. */
static json_t *
gw_res_list(const char *uri, const json_t *structured)
{
	const json_t	*row;
	json_t		*list = json_array();
	const char	*id, *type;
	char		 buf[GW_RES_URI_MAX], title[GW_RES_URI_MAX];
	size_t		 i;

	(void)uri;
	json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}",
	    "uri", GW_RES_AGENTS, "name", "agents", "title", "orch's agents",
	    "description", "Every agent: id, type, status, pid, restarts, "
	    "task", "mimeType", "application/json"));
	json_array_foreach(json_object_get(structured, "agents"), i, row) {
		id = json_string_value(json_object_get(row, "id"));
		type = json_string_value(json_object_get(row, "type"));
		if (id == NULL || (type != NULL && strcmp(type, "gateway") == 0))
			continue;
		snprintf(buf, sizeof buf, GW_RES_AGENT "%s/screen", id);
		snprintf(title, sizeof title, "%s's terminal", id);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s}", "uri", buf, "name", buf + strlen(GW_RES_AGENT),
		    "title", title, "description", "What the agent's terminal "
		    "shows now (its last lines)", "mimeType", "text/plain"));
	}
	return json_pack("{s:o}", "resources", list);
}

static void
gw_res_call(struct gw_ctx *x, const char *tool, json_t *args,
    gw_finish_fn *finish, const char *uri)
{
	gw_call_start(x, mcp_tool_find(tool), args, finish, uri);
	json_decref(args);
}

void
gw_resources_list(struct gw_ctx *x, json_t *params)
{
	(void)params;
	gw_res_call(x, "list_agents", json_object(), gw_res_list, NULL);
}

void
gw_resources_templates(struct gw_ctx *x, json_t *params)
{
	(void)params;
	gw_result(x, gw_cacheable(json_pack("{s:[{s:s, s:s, s:s, s:s}, "
	    "{s:s, s:s, s:s, s:s}]}", "resourceTemplates",
	    "uriTemplate", GW_RES_AGENT "{id}/screen", "name", "screen",
	    "description", "An agent's terminal: its last lines", "mimeType",
	    "text/plain",
	    "uriTemplate", GW_RES_TASK "{id}/log", "name", "log",
	    "description", "A task's whole output (its last attempt)",
	    "mimeType", "text/plain"), x->modern, 60000, true));
}

/* The {id} of prefix{id}suffix, %-decoded; NULL if uri is not one. */
static char *
gw_res_id(const char *uri, const char *prefix, const char *suffix)
{
	size_t	 pl = strlen(prefix), sl = strlen(suffix), n = strlen(uri);
	char	*raw, *id;

	if (n <= pl + sl || strncmp(uri, prefix, pl) != 0 ||
	    strcmp(uri + n - sl, suffix) != 0)
		return NULL;
	raw = xstrndup(uri + pl, n - pl - sl);
	id = evhttp_uridecode(raw, 0, NULL);
	free(raw);
	if (id != NULL && (id[0] == '\0' || strchr(id, '/') != NULL)) {
		free(id);
		id = NULL;
	}
	return id;
}

void
gw_resources_read(struct gw_ctx *x, json_t *params)
{
	const char	*uri = json_string_value(json_object_get(params, "uri"));
	char		*id;

	if (uri == NULL || strlen(uri) > GW_RES_URI_MAX) {
		gw_error(x, RPC_PARAMS, "resources/read needs params.uri");
		return;
	}
	if (strcmp(uri, GW_RES_AGENTS) == 0) {
		gw_res_call(x, "list_agents", json_object(), gw_res_agents_read,
		    uri);
		return;
	}
	if ((id = gw_res_id(uri, GW_RES_AGENT, "/screen")) != NULL) {
		gw_res_call(x, "read_terminal_output", json_pack("{s:s, s:i}",
		    "agent", id, "linesOfOutput", GW_RES_SCREEN_LINES),
		    gw_res_screen_read, uri);
		free(id);
		return;
	}
	if ((id = gw_res_id(uri, GW_RES_TASK, "/log")) != NULL) {
		gw_res_call(x, "task_logs", json_pack("{s:s, s:i}", "task", id,
		    "tail", GW_RES_LOG_LINES), gw_res_log_read, uri);
		free(id);
		return;
	}
	x->c->send(x->c, gw_uri_error(x->id, "Resource not found", uri),
	    x->modern);
}
