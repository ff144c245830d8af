/*
 * What the gateway's HTTP listener serves besides /mcp: GET /metrics, the
 * snapshot in Prometheus's text format. It is asked for as the MCP
 * dashboard tool is, by the same caller (the process at the other end),
 * so an agent scraping it sees what that agent may see.
 */
#include "actors/gateway_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "actors/mcp_tools.h"
#include "common/xmalloc.h"

/* One page asked for, until orch answers. */
struct gw_wreq {
	struct gw_client	 c;		/* first: a gw_client is one */
	struct gateway		*gw;
	struct evhttp_request	*req;
	void			(*done)(struct gw_wreq *, const json_t *,
				    const char *);
	bool			 in_start, answered;
	struct gw_wreq		*next;
};

static void
gw_web_plain(struct evhttp_request *req, int code, const char *reason,
    const char *type, struct evbuffer *b)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply(req, code, reason, b);
}

static void
gw_web_error(struct evhttp_request *req, int code, const char *reason,
    const char *why)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add_printf(b, "%s\n", why);
	gw_web_plain(req, code, reason, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

static void
gw_wreq_free(struct gw_wreq *r)
{
	struct gw_wreq	**pp;

	gw_client_gone(&r->c);
	for (pp = &r->gw->web; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	free(r);
}

/*
 * The tool's answer, as a JSON-RPC message: its structured content, or
 * why there is none (refused, orch gone).
 */
static void
gw_wreq_send(struct gw_client *c, json_t *msg, bool modern)
{
	struct gw_wreq	*r = (struct gw_wreq *)c;
	const json_t	*res = json_object_get(msg, "result"), *text;
	const char	*why = "orch did not answer";

	(void)modern;
	if (!r->answered) {
		r->answered = true;
		if (res != NULL && !json_is_true(json_object_get(res,
		    "isError")) && json_object_get(res, "structuredContent"))
			r->done(r, json_object_get(res, "structuredContent"),
			    NULL);
		else {
			text = res != NULL ? json_object_get(json_array_get(
			    json_object_get(res, "content"), 0), "text") :
			    json_object_get(json_object_get(msg, "error"),
			    "message");
			if (json_is_string(text))
				why = json_string_value(text);
			r->done(r, NULL, why);
		}
	}
	json_decref(msg);
	if (!r->in_start)
		gw_wreq_free(r);
}

/* Ask orch for tool's answer with args (taken) on behalf of who. */
static void
gw_web_call(struct gateway *gw, struct evhttp_request *req,
    const struct gw_client *who, const char *tool, json_t *args,
    void (*done)(struct gw_wreq *, const json_t *, const char *))
{
	struct gw_wreq	*r = xcalloc(1, sizeof *r);
	struct gw_ctx	 x;

	r->c = *who;
	r->c.gw = gw;
	r->c.send = gw_wreq_send;
	r->c.calls = 0;
	r->gw = gw;
	r->req = req;
	r->done = done;
	r->next = gw->web;
	gw->web = r;
	x.c = &r->c;
	x.id = json_integer(1);
	x.modern = false;
	r->in_start = true;
	gw_call_start(&x, mcp_tool_find(tool), args, NULL, NULL);
	json_decref(args);
	json_decref(x.id);
	r->in_start = false;
	if (r->answered)
		gw_wreq_free(r);
}

/* /metrics ----------------------------------------------------------------- */

/* A label value as the text format wants it: \, " and newline escaped. */
static void
gw_prom_label(struct evbuffer *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			evbuffer_add_printf(b, "\\%c", *s);
		else if (*s == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, s, 1);
	}
}

static void
gw_prom_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static double
gw_prom_num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* One sample of a metric without labels. */
static void
gw_prom_one(struct evbuffer *b, const char *name, const char *type,
    const char *help, double v)
{
	gw_prom_head(b, name, type, help);
	evbuffer_add_printf(b, "%s %.17g\n", name, v);
}

/* A sample per agent: {agent="ID"} and its key in metrics.agents. */
static void
gw_prom_agents(struct evbuffer *b, const json_t *rows, const char *name,
    const char *type, const char *help, const char *key)
{
	const json_t	*row;
	size_t		 i;

	gw_prom_head(b, name, type, help);
	json_array_foreach(rows, i, row) {
		if (!json_is_string(json_object_get(row, "agent")))
			continue;
		evbuffer_add_printf(b, "%s{agent=\"", name);
		gw_prom_label(b, json_string_value(json_object_get(row,
		    "agent")));
		evbuffer_add_printf(b, "\"} %.17g\n", gw_prom_num(row, key));
	}
}

static void
gw_prom_histogram(struct evbuffer *b, const json_t *h)
{
	const char	*name = "orch_task_duration_seconds";
	const json_t	*le = json_object_get(h, "le");
	const json_t	*counts = json_object_get(h, "counts");
	size_t		 i;

	gw_prom_head(b, name, "histogram", "How long the tasks that ended "
	    "took (their last attempt).");
	for (i = 0; i < json_array_size(le) && i < json_array_size(counts);
	    i++)
		evbuffer_add_printf(b, "%s_bucket{le=\"%g\"} %.17g\n", name,
		    json_number_value(json_array_get(le, i)),
		    json_number_value(json_array_get(counts, i)));
	evbuffer_add_printf(b, "%s_bucket{le=\"+Inf\"} %.17g\n", name,
	    gw_prom_num(h, "count"));
	evbuffer_add_printf(b, "%s_sum %.17g\n%s_count %.17g\n", name,
	    gw_prom_num(h, "sum"), name, gw_prom_num(h, "count"));
}

static void
gw_prom_done(struct gw_wreq *r, const json_t *snap, const char *why)
{
	const json_t	*m = json_object_get(snap, "metrics");
	const json_t	*rows = json_object_get(m, "agents"), *v;
	const char	*st;
	struct evbuffer	*b;

	if (snap == NULL || !json_is_object(m)) {
		gw_web_error(r->req, 503, "Service Unavailable", why != NULL ?
		    why : "no metrics in orch's answer");
		return;
	}
	b = evbuffer_new();
	gw_prom_head(b, "orch_tasks_total", "counter", "Tasks that ended, by "
	    "how (their last attempt).");
	evbuffer_add_printf(b, "orch_tasks_total{status=\"ok\"} %.17g\n"
	    "orch_tasks_total{status=\"failed\"} %.17g\n",
	    gw_prom_num(m, "tasksOk"), gw_prom_num(m, "tasksFailed"));
	gw_prom_histogram(b, json_object_get(m, "durationHistogram"));
	gw_prom_head(b, "orch_agents", "gauge", "Agents, by status.");
	json_object_foreach((json_t *)json_object_get(m, "agentsByStatus"), st,
	    v)
		evbuffer_add_printf(b, "orch_agents{status=\"%s\"} %.17g\n", st,
		    json_number_value(v));
	gw_prom_one(b, "orch_queue_depth", "gauge", "Tasks ready to start and "
	    "not started.", gw_prom_num(m, "queueDepth"));
	gw_prom_one(b, "orch_approvals_waiting", "gauge", "Tasks and Claude "
	    "Code tool calls held for a person.", gw_prom_num(m,
	    "approvalsWaiting"));
	gw_prom_one(b, "orch_bus_events_total", "counter", "Events published "
	    "on the bus.", gw_prom_num(m, "busEvents"));
	gw_prom_one(b, "orch_bank_entries", "gauge", "Entries in the memory "
	    "bank.", gw_prom_num(m, "bankEntries"));
	gw_prom_one(b, "orch_tasks_per_minute", "gauge", "Tasks that ended in "
	    "the last minute.", gw_prom_num(m, "tasksPerMinute"));
	gw_prom_one(b, "orch_claude_cost_usd_total", "counter", "What Claude "
	    "Code said its tasks cost.", gw_prom_num(m, "costUsd"));
	gw_prom_agents(b, rows, "orch_agent_restarts_total", "counter",
	    "Times the agent's actor was restarted.", "restarts");
	gw_prom_agents(b, rows, "orch_agent_utilization", "gauge", "Share of "
	    "the time since the agent was added spent on tasks.",
	    "utilization");
	gw_prom_agents(b, rows, "orch_agent_tasks_total", "counter", "Tasks "
	    "the agent ended, ok or failed.", "tasksEnded");
	gw_web_plain(r->req, 200, "OK", "text/plain; version=0.0.4; "
	    "charset=utf-8", b);
	evbuffer_free(b);
}

/* Routes ------------------------------------------------------------------- */

bool
gw_web_request(struct gateway *gw, struct evhttp_request *req,
    const char *path, const struct gw_client *who)
{
	enum evhttp_cmd_type	cmd = evhttp_request_get_command(req);

	if (strcmp(path, "/metrics") != 0)
		return false;
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		gw_web_error(req, 405, "Method Not Allowed", "GET /metrics");
		return true;
	}
	if (who->nobody) {
		gw_web_error(req, 403, "Forbidden", "this process belongs to "
		    "no running agent of this instance: nothing is allowed");
		return true;
	}
	gw_web_call(gw, req, who, "dashboard", json_object(), gw_prom_done);
	return true;
}

void
gw_web_free(struct gateway *gw)
{
	/* What still waits is answered before its connection goes. */
	while (gw->web != NULL) {
		gw_web_error(gw->web->req, 503, "Service Unavailable",
		    "the gateway is stopping");
		gw->web->answered = true;
		gw_wreq_free(gw->web);
	}
}
