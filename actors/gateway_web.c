/*
 * What the gateway's HTTP listener serves besides /mcp, each asked of orch
 * as the MCP tools are, by the same caller (the process at the other end),
 * so an agent reading it sees and may do what that agent may:
 *
 *	GET /		the dashboard, one self-contained page (web/)
 *	GET /events	the snapshot as server-sent events, twice a second
 *	GET /metrics	the snapshot's figures in Prometheus's text format
 *	POST /api/approve, /api/deny	{"task": NAME}, from the page: its
 *			token (X-Orch-Token) and our own Origin, or refused
 */
#include "actors/gateway_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include <sys/random.h>

#include <event2/event.h>
#include <event2/keyvalq_struct.h>

#include "actors/mcp_tools.h"
#include "common/xmalloc.h"

#define GW_STREAMS_MAX		32
#define GW_STREAM_MS		500
#define GW_PAGE_TOKEN_LEN	32	/* hex digits: 128 random bits */
#define GW_API_BODY_MAX		4096

/* web/dashboard.html, made a C array by the build. */
extern const char	gw_web_page[];
extern const size_t	gw_web_page_len;

struct gw_stream;

struct gw_web {
	struct gw_wreq		*reqs;		/* asked of orch, unanswered */
	struct gw_stream	*streams;
	unsigned		 nstreams;
	char			 token[GW_PAGE_TOKEN_LEN + 1];
	char			 origin[2][64];	/* ours, by both names */
};

/* One /events client: a snapshot each tick, one asked at a time. */
struct gw_stream {
	struct gateway		*gw;
	struct evhttp_request	*req;
	struct gw_client	 who;
	struct event		*tick;
	bool			 asking;
	struct gw_stream	*next;
};

/* One page asked for, until orch answers. */
struct gw_wreq {
	struct gw_client	 c;		/* first: a gw_client is one */
	struct gateway		*gw;
	struct evhttp_request	*req;
	void			(*done)(struct gw_wreq *, const json_t *,
				    const char *);
	struct gw_stream	*stream;	/* /events': NULL once gone */
	bool			 streamed;	/* its request is the stream's */
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
	for (pp = &r->gw->web->reqs; *pp != NULL; pp = &(*pp)->next)
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
	if (r->answered) {	/* one answer a request */
		json_decref(msg);
		return;
	}
	r->answered = true;
	if (res != NULL && !json_is_true(json_object_get(res, "isError")) &&
	    json_object_get(res, "structuredContent") != NULL)
		r->done(r, json_object_get(res, "structuredContent"), NULL);
	else {
		text = res != NULL ? json_object_get(json_array_get(
		    json_object_get(res, "content"), 0), "text") :
		    json_object_get(json_object_get(msg, "error"), "message");
		if (json_is_string(text))
			why = json_string_value(text);
		r->done(r, NULL, why);
	}
	json_decref(msg);
	if (!r->in_start)
		gw_wreq_free(r);
}

/* Ask orch for tool's answer with args (taken) on behalf of who. */
static void
gw_web_call(struct gateway *gw, struct evhttp_request *req,
    const struct gw_client *who, const char *tool, json_t *args,
    void (*done)(struct gw_wreq *, const json_t *, const char *),
    struct gw_stream *stream)
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
	r->stream = stream;
	r->streamed = stream != NULL;
	r->next = gw->web->reqs;
	gw->web->reqs = r;
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

/* The page ---------------------------------------------------------------- */

static void
gw_web_page_send(struct gw_web *w, struct evhttp_request *req)
{
	static const char	 mark[] = "@ORCH_PAGE_TOKEN@";
	struct evbuffer		*b = evbuffer_new();
	const char		*at;

	/* The page's token goes where the page says; the rest as it is. */
	at = memmem(gw_web_page, gw_web_page_len, mark, sizeof mark - 1);
	if (at == NULL)
		evbuffer_add(b, gw_web_page, gw_web_page_len);
	else {
		evbuffer_add(b, gw_web_page, (size_t)(at - gw_web_page));
		evbuffer_add(b, w->token, strlen(w->token));
		evbuffer_add(b, at + sizeof mark - 1, gw_web_page_len -
		    (size_t)(at - gw_web_page) - (sizeof mark - 1));
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Frame-Options", "DENY");
	gw_web_plain(req, 200, "OK", "text/html; charset=utf-8", b);
	evbuffer_free(b);
}

/* /events ------------------------------------------------------------------ */

static void
gw_stream_free(struct gw_stream *st, bool end)
{
	struct gw_web	 *w = st->gw->web;
	struct gw_stream **pp;
	struct gw_wreq	 *r;

	for (r = w->reqs; r != NULL; r = r->next)
		if (r->stream == st)
			r->stream = NULL;
	for (pp = &w->streams; *pp != NULL; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	w->nstreams--;
	event_free(st->tick);
	/* With the connection gone this frees the request too. */
	if (end)
		evhttp_send_reply_end(st->req);
	free(st);
}

static void
gw_stream_chunk(struct gw_stream *st, const char *event, const char *data)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add_printf(b, "event: %s\ndata: %s\n\n", event, data);
	evhttp_send_reply_chunk(st->req, b);
	evbuffer_free(b);
}

static void
gw_stream_done(struct gw_wreq *r, const json_t *snap, const char *why)
{
	struct gw_stream	*st = r->stream;
	char			*text;

	if (st == NULL)
		return;
	st->asking = false;
	if (snap == NULL) {
		gw_stream_chunk(st, "failure", why != NULL ? why : "no answer");
		return;
	}
	/* One line: compact JSON escapes every newline inside strings. */
	if ((text = json_dumps(snap, JSON_COMPACT)) != NULL)
		gw_stream_chunk(st, "snapshot", text);
	free(text);
}

static void
gw_stream_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_stream	*st = arg;
	struct timeval		 tv = { 0, GW_STREAM_MS * 1000 };

	(void)fd;
	(void)what;
	/* The reader went away (seen when a write failed): end it. */
	if (evhttp_request_get_connection(st->req) == NULL) {
		gw_stream_free(st, true);
		return;
	}
	if (!st->asking) {
		st->asking = true;
		gw_web_call(st->gw, st->req, &st->who, "dashboard",
		    json_object(), gw_stream_done, st);
	}
	evtimer_add(st->tick, &tv);
}

static void
gw_stream_start(struct gateway *gw, struct evhttp_request *req,
    const struct gw_client *who)
{
	struct gw_web		*w = gw->web;
	struct gw_stream	*st;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);

	if (w->nstreams >= GW_STREAMS_MAX) {
		gw_web_error(req, 503, "Service Unavailable", "too many "
		    "dashboards are watching");
		return;
	}
	st = xcalloc(1, sizeof *st);
	st->gw = gw;
	st->req = req;
	st->who = *who;
	st->tick = evtimer_new(gw->a->base, gw_stream_tick_cb, st);
	st->next = w->streams;
	w->streams = st;
	w->nstreams++;
	evhttp_add_header(out, "Content-Type", "text/event-stream");
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_send_reply_start(req, 200, "OK");
	gw_stream_tick_cb(-1, 0, st);
}

/* /api/approve and /api/deny ------------------------------------------------ */

static void
gw_api_done(struct gw_wreq *r, const json_t *res, const char *why)
{
	json_t		*msg;
	char		*text;
	struct evbuffer	*b = evbuffer_new();

	msg = res != NULL ? json_pack("{s:b}", "ok", 1) : json_pack("{s:b, "
	    "s:s}", "ok", 0, "error", why != NULL ? why : "refused");
	text = json_dumps(msg, JSON_COMPACT);
	if (text != NULL)
		evbuffer_add(b, text, strlen(text));
	gw_web_plain(r->req, res != NULL ? 200 : 409, res != NULL ? "OK" :
	    "Conflict", "application/json", b);
	free(text);
	json_decref(msg);
	evbuffer_free(b);
}

/*
 * A decision from the page: only with the page's token, from our own
 * origin (a page elsewhere, even on this machine, has neither), as JSON
 * (which no form can send without asking first).
 */
static void
gw_api(struct gateway *gw, struct evhttp_request *req, const char *tool,
    const struct gw_client *who)
{
	struct gw_web		*w = gw->web;
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evbuffer		*body = evhttp_request_get_input_buffer(req);
	const char		*tok = evhttp_find_header(in, "X-Orch-Token");
	const char		*origin = evhttp_find_header(in, "Origin");
	const char		*type = evhttp_find_header(in, "Content-Type");
	size_t			 len = evbuffer_get_length(body);
	json_t			*args, *task;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "POST");
		gw_web_error(req, 405, "Method Not Allowed", "POST {\"task\": "
		    "NAME}");
		return;
	}
	if (tok == NULL || !gw_same_secret(w->token, tok) || (origin != NULL &&
	    strcmp(origin, w->origin[0]) != 0 && strcmp(origin,
	    w->origin[1]) != 0)) {
		gw_web_error(req, 403, "Forbidden", "a decision comes from "
		    "orch's own page: its X-Orch-Token, its Origin");
		return;
	}
	if (type == NULL || strncasecmp(type, "application/json", 16) != 0 ||
	    len > GW_API_BODY_MAX || (args = json_loadb((const char *)
	    evbuffer_pullup(body, -1), len, 0, NULL)) == NULL) {
		gw_web_error(req, 400, "Bad Request", "the body is JSON: "
		    "{\"task\": NAME}");
		return;
	}
	task = json_object_get(args, "task");
	if (!json_is_string(task) || json_object_size(args) != 1) {
		json_decref(args);
		gw_web_error(req, 400, "Bad Request", "the body is JSON: "
		    "{\"task\": NAME}");
		return;
	}
	gw_web_call(gw, req, who, tool, args, gw_api_done, NULL);
}

/* Routes ------------------------------------------------------------------- */

void
gw_web_start(struct gateway *gw, unsigned port)
{
	struct gw_web	*w = xcalloc(1, sizeof *w);
	unsigned char	 rnd[GW_PAGE_TOKEN_LEN / 2];
	size_t		 i;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		for (i = 0; i < sizeof rnd; i++)
			rnd[i] = (unsigned char)arc4random();
	for (i = 0; i < sizeof rnd; i++)
		snprintf(w->token + 2 * i, 3, "%02x", rnd[i]);
	snprintf(w->origin[0], sizeof w->origin[0], "http://127.0.0.1:%u",
	    port);
	snprintf(w->origin[1], sizeof w->origin[1], "http://localhost:%u",
	    port);
	gw->web = w;
}

/* Routes ------------------------------------------------------------------- */

bool
gw_web_request(struct gateway *gw, struct evhttp_request *req,
    const char *path, const struct gw_client *who)
{
	enum evhttp_cmd_type	cmd = evhttp_request_get_command(req);
	bool			get = cmd == EVHTTP_REQ_GET || cmd ==
				    EVHTTP_REQ_HEAD;

	if (strcmp(path, "/") != 0 && strcmp(path, "/events") != 0 &&
	    strcmp(path, "/metrics") != 0 && strcmp(path, "/api/approve") !=
	    0 && strcmp(path, "/api/deny") != 0)
		return false;
	if (gw->web == NULL) {
		gw_web_error(req, 503, "Service Unavailable", "not started");
		return true;
	}
	if (who->nobody) {
		gw_web_error(req, 403, "Forbidden", "this process belongs to "
		    "no running agent of this instance: nothing is allowed");
		return true;
	}
	if (strncmp(path, "/api/", 5) == 0) {
		gw_api(gw, req, path[5] == 'a' ? "approve" : "deny", who);
		return true;
	}
	if (!get) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		gw_web_error(req, 405, "Method Not Allowed", "GET it");
		return true;
	}
	if (strcmp(path, "/") == 0)
		gw_web_page_send(gw->web, req);
	else if (strcmp(path, "/events") == 0)
		gw_stream_start(gw, req, who);
	else
		gw_web_call(gw, req, who, "dashboard", json_object(),
		    gw_prom_done, NULL);
	return true;
}

void
gw_web_free(struct gateway *gw)
{
	struct gw_web	*w = gw->web;

	if (w == NULL)
		return;
	while (w->streams != NULL)
		gw_stream_free(w->streams, true);
	/* What still waits is answered before its connection goes. */
	while (w->reqs != NULL) {
		if (!w->reqs->streamed)
			gw_web_error(w->reqs->req, 503, "Service Unavailable",
			    "the gateway is stopping");
		w->reqs->answered = true;
		gw_wreq_free(w->reqs);
	}
	free(w);
	gw->web = NULL;
}
