/*
 * The gateway's Streamable HTTP transport: POST /mcp on 127.0.0.1 only,
 * one JSON-RPC message a request, its answer the response's JSON body;
 * every other path is gateway_web.c's, past the same checks.
 *
 * Who calls is found as on mcp.sock, from the process at the other end
 * (sockowner: its TCP socket's owner), once a connection; on a system
 * that cannot tell, one with the bearer token is the operator, and one
 * without nobody. A browser page
 * is kept out twice over: by Host and Origin (a DNS-rebound name is not
 * loopback), and, when mcp.token is set, by the bearer token.
 *
 * The initialize era keeps sessions (Mcp-Session-Id, bound to the caller
 * that made it, ending at DELETE or after mcp.session_idle seconds
 * unused); the 2026-07-28 era has none. orch sends nothing unasked, so a
 * GET (a stream for the server's own messages) is 405.
 */
#include "actors/gateway_int.h"

#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/rundir.h"
#include "common/sockowner.h"
#include "common/xmalloc.h"

#define GW_HTTP_PATH		"/mcp"
#define GW_HTTP_URL_FILE	"mcp.url"
#define GW_SESSIONS_MAX		1024
#define GW_SESSION_ID_LEN	32	/* hex digits: 128 random bits */
#define GW_HEADERS_MAX		(64 * 1024)
#define GW_HTTP_TIMEOUT_S	120
#define GW_HDR_MAX		2048	/* a longer value matches nothing */

/* Who is at the other end of one connection: looked up once. */
struct gw_who {
	struct evhttp_connection *evcon;
	struct gw_http		*h;
	bool			 nobody;
	char			 caller[AGENT_ID_MAX + 1];
	unsigned		 perms;
	struct gw_who		*next;
};

struct gw_session {
	char			 id[GW_SESSION_ID_LEN + 1];
	bool			 nobody;
	char			 caller[AGENT_ID_MAX + 1];
	uint64_t		 used_ns;
	struct gw_session	*next;
};

/* One request, the client its answer goes to. */
struct gw_hreq {
	struct gw_client	 c;		/* first: a gw_client is one */
	struct gw_http		*h;
	struct evhttp_request	*req;
	char			 session[GW_SESSION_ID_LEN + 1];
	bool			 in_handle, answered;
	struct gw_hreq		*next;
};

struct gw_http {
	struct gateway		*gw;
	struct evhttp		*http;
	unsigned		 port;
	struct gw_who		*whos;
	struct gw_session	*sessions;
	unsigned		 nsessions;
	struct gw_hreq		*reqs;
	char			 url_file[PATH_MAX];
};

/* Replies ------------------------------------------------------------------ */

static void
gw_http_plain(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evbuffer	*b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evbuffer_add_printf(b, "%s\n", text);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void
gw_http_json(struct evhttp_request *req, int code, json_t *msg,
    const char *session)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = evbuffer_new();
	char			*text = json_dumps(msg, JSON_COMPACT);

	json_decref(msg);
	evhttp_add_header(out, "Content-Type", "application/json");
	if (session != NULL && session[0] != '\0')
		evhttp_add_header(out, "Mcp-Session-Id", session);
	if (text != NULL)
		evbuffer_add(b, text, strlen(text));
	free(text);
	evhttp_send_reply(req, code, code == 200 ? "OK" : code == 404 ?
	    "Not Found" : code == 503 ? "Service Unavailable" : "Bad Request",
	    b);
	evbuffer_free(b);
}

/*
 * The status an error answer goes with: a malformed request is 400 in
 * either era; the 2026-07-28 era adds 404 for a method it lacks and 400
 * for its own checks.
 */
static int
gw_http_status(const json_t *msg, bool modern)
{
	const json_t	*err = json_object_get(msg, "error");
	json_int_t	 code;

	if (err == NULL)
		return 200;
	code = json_integer_value(json_object_get(err, "code"));
	if (code == RPC_PARSE || code == RPC_INVALID)
		return 400;
	if (code == RPC_BUSY)
		return 503;
	if (!modern)
		return 200;
	if (code == RPC_METHOD)
		return 404;
	if (code == RPC_PARAMS || code == RPC_HEADER || code ==
	    RPC_CAPABILITY || code == RPC_VERSION)
		return 400;
	return 200;
}

static void
gw_hreq_free(struct gw_hreq *r)
{
	struct gw_hreq	**pp;

	gw_client_gone(&r->c);
	for (pp = &r->h->reqs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	free(r);
}

static void
gw_hreq_send(struct gw_client *c, json_t *msg, bool modern)
{
	struct gw_hreq	*r = (struct gw_hreq *)c;

	if (r->answered) {	/* one answer a request */
		json_decref(msg);
		return;
	}
	r->answered = true;
	/* A connection gone meanwhile: libevent frees the request. */
	gw_http_json(r->req, gw_http_status(msg, modern), msg, r->session);
	if (!r->in_handle)
		gw_hreq_free(r);
}

/* Checks before the body ----------------------------------------------- */

/* Is host ("name" or "name:port") this machine's loopback? */
static bool
gw_http_loopback(const char *host)
{
	static const char *const names[] = { "localhost", "127.0.0.1",
	    "[::1]" };
	size_t	i, n;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		n = strlen(names[i]);
		if (strncasecmp(host, names[i], n) == 0 && (host[n] == '\0' ||
		    (host[n] == ':' && host[n + 1] != '\0' &&
		    strspn(host + n + 1, "0123456789") == strlen(host + n + 1))))
			return true;
	}
	return false;
}

static bool
gw_http_origin_ok(const char *origin)
{
	if (origin == NULL)
		return true;
	if (strncasecmp(origin, "http://", 7) == 0)
		return gw_http_loopback(origin + 7);
	if (strncasecmp(origin, "https://", 8) == 0)
		return gw_http_loopback(origin + 8);
	return false;
}

bool
gw_same_secret(const char *want, const char *got)
{
	size_t		 i, n = strlen(want), m = strlen(got);
	unsigned char	 d = 0;

	/* In time that does not depend on where they differ. */
	for (i = 0; i < n; i++)
		d |= (unsigned char)(want[i] ^ (i < m ? got[i] : 0));
	return d == 0 && n == m;
}

/*
 * The bearer token, if one is wanted: in Authorization, or (a browser's
 * page cannot set that header) as ?token= on any path but /mcp.
 */
static bool
gw_http_token_ok(const char *want, const char *auth, const char *query,
    bool mcp)
{
	struct evkeyvalq	 q;
	const char		*got;
	bool			 ok;

	if (want == NULL)
		return true;
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		for (auth += 7; *auth == ' '; auth++)
			;
		return gw_same_secret(want, auth);
	}
	if (mcp || query == NULL || evhttp_parse_query_str(query, &q) != 0)
		return false;
	got = evhttp_find_header(&q, "token");
	ok = got != NULL && gw_same_secret(want, got);
	evhttp_clear_headers(&q);
	return ok;
}

static const char *
gw_http_header(struct evkeyvalq *in, const char *name, char *buf, size_t size)
{
	const char	*v = evhttp_find_header(in, name);
	size_t		 n;

	if (v == NULL)
		return NULL;
	v += strspn(v, " \t");
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

/* Who --------------------------------------------------------------------- */

static void
gw_who_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct gw_who	 *w = arg;
	struct gw_who	**pp;

	(void)evcon;
	for (pp = &w->h->whos; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	free(w);
}

/* The connection's caller: the operator, an agent, or nobody. */
static struct gw_who *
gw_who(struct gw_http *h, struct evhttp_connection *evcon)
{
	struct gw_who		*w;
	const struct sockaddr	*peer;
	struct sockaddr_in	 theirs, ours;
	struct actor_known	 k;
	socklen_t		 len = sizeof ours;
	uid_t			 uid;
	pid_t			 pid;
	int			 fd, one = 1;
	enum actor_who		 who = ACTOR_WHO_OTHER;

	for (w = h->whos; w != NULL; w = w->next)
		if (w->evcon == evcon)
			return w;
	w = xcalloc(1, sizeof *w);
	w->evcon = evcon;
	w->h = h;
	w->nobody = true;
	peer = evhttp_connection_get_addr(evcon);
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	/* An answer is one small write, wanted now: no Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&k, 0, sizeof k);
	if (peer != NULL && peer->sa_family == AF_INET && getsockname(fd,
	    (struct sockaddr *)&ours, &len) == 0) {
		memcpy(&theirs, peer, sizeof theirs);
		if (sockowner_tcp(&theirs, &ours, &uid, &pid) == 0 &&
		    uid == getuid())
			who = actor_caller_pid(h->gw->a, pid, &k);
	}
	/* Where no one can be told, the token (checked already) tells. */
	if (!sockowner_supported() && h->gw->a->ac.mcp.token != NULL)
		who = ACTOR_WHO_OPERATOR;
	if (who == ACTOR_WHO_OPERATOR)
		w->nobody = false;
	else if (who == ACTOR_WHO_AGENT) {
		w->nobody = false;
		snprintf(w->caller, sizeof w->caller, "%s", k.id);
		w->perms = k.perms;
	}
	evhttp_connection_set_closecb(evcon, gw_who_close_cb, w);
	w->next = h->whos;
	h->whos = w;
	return w;
}

/* Sessions (the initialize era) ------------------------------------------ */

static void
gw_session_drop(struct gw_http *h, struct gw_session *s)
{
	struct gw_session	**pp;

	for (pp = &h->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	h->nsessions--;
	free(s);
}

/* The live session id names, for who; NULL: none (or not theirs). */
static struct gw_session *
gw_session_find(struct gw_http *h, const char *id, const struct gw_who *w)
{
	struct gw_session	*s, *next;
	uint64_t		 now = clock_now_ns();
	uint64_t		 idle = (uint64_t)h->gw->a->ac.mcp.idle_s *
				    1000000000ull;

	for (s = h->sessions; s != NULL; s = next) {
		next = s->next;
		if (now - s->used_ns > idle) {
			gw_session_drop(h, s);
			continue;
		}
		if (strcmp(s->id, id) == 0) {
			if (s->nobody != w->nobody || strcmp(s->caller,
			    w->caller) != 0)
				return NULL;
			s->used_ns = now;
			return s;
		}
	}
	return NULL;
}

static struct gw_session *
gw_session_new(struct gw_http *h, const struct gw_who *w)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 rnd[GW_SESSION_ID_LEN / 2];
	struct gw_session	*s, *old;
	size_t			 i;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return NULL;
	/* Full: the one unused longest makes room. */
	if (h->nsessions >= GW_SESSIONS_MAX) {
		for (old = s = h->sessions; s != NULL; s = s->next)
			if (s->used_ns < old->used_ns)
				old = s;
		gw_session_drop(h, old);
	}
	s = xcalloc(1, sizeof *s);
	for (i = 0; i < sizeof rnd; i++) {
		s->id[2 * i] = hex[rnd[i] >> 4];
		s->id[2 * i + 1] = hex[rnd[i] & 15];
	}
	s->nobody = w->nobody;
	snprintf(s->caller, sizeof s->caller, "%s", w->caller);
	s->used_ns = clock_now_ns();
	s->next = h->sessions;
	h->sessions = s;
	h->nsessions++;
	return s;
}

/* Requests ---------------------------------------------------------------- */

static void
gw_http_delete(struct gw_http *h, struct evhttp_request *req,
    const struct gw_who *w, const char *sid)
{
	struct gw_session	*s;

	if (sid == NULL) {
		gw_http_plain(req, 400, "Bad Request", "DELETE needs the "
		    "Mcp-Session-Id header");
		return;
	}
	if ((s = gw_session_find(h, sid, w)) == NULL) {
		gw_http_plain(req, 404, "Not Found", "no such session");
		return;
	}
	gw_session_drop(h, s);
	evhttp_send_reply(req, 200, "OK", NULL);
}

/*
 * The initialize era's session: an initialize makes one; anything else
 * needs a live one. 0, or -1 with the refusal sent.
 */
static int
gw_http_session(struct gw_hreq *r, const json_t *msg, const struct gw_who *w,
    const char *sid)
{
	const char		*method = json_string_value(json_object_get(msg,
				    "method"));
	struct gw_session	*s;

	if (method != NULL && strcmp(method, "initialize") == 0 &&
	    gw_is_request(msg)) {
		if ((s = gw_session_new(r->h, w)) == NULL) {
			gw_http_plain(r->req, 503, "Service Unavailable",
			    "no randomness for a session id");
			return -1;
		}
		memcpy(r->session, s->id, sizeof r->session);
		return 0;
	}
	if (sid == NULL) {
		gw_http_json(r->req, 400, gw_error_msg(json_object_get(msg,
		    "id"), RPC_INVALID, "Bad Request: the Mcp-Session-Id header "
		    "is required (initialize first)"), NULL);
		return -1;
	}
	if (gw_session_find(r->h, sid, w) == NULL) {
		gw_http_json(r->req, 404, gw_error_msg(json_object_get(msg,
		    "id"), RPC_INVALID, "no such session (it ended, or "
		    "expired): initialize again"), NULL);
		return -1;
	}
	return 0;
}

static void
gw_http_post(struct gw_http *h, struct evhttp_request *req,
    struct gw_who *w, struct evkeyvalq *in, const char *sid)
{
	struct evbuffer	*body = evhttp_request_get_input_buffer(req);
	struct gw_hreq	*r;
	struct gw_hdrs	 hd = { true, NULL, NULL, NULL };
	char		 ct[GW_HDR_MAX], v[GW_HDR_MAX], m[GW_HDR_MAX];
	char		 n[GW_HDR_MAX];
	const char	*type;
	size_t		 len = evbuffer_get_length(body);
	json_t		*msg;

	type = gw_http_header(in, "Content-Type", ct, sizeof ct);
	if (type == NULL || strncasecmp(type, "application/json", 16) != 0 ||
	    (type[16] != '\0' && type[16] != ';' && type[16] != ' ')) {
		gw_http_plain(req, 415, "Unsupported Media Type", "a request "
		    "is one JSON-RPC message: Content-Type: application/json");
		return;
	}
	hd.version = gw_http_header(in, "MCP-Protocol-Version", v, sizeof v);
	hd.method = gw_http_header(in, "Mcp-Method", m, sizeof m);
	hd.name = gw_http_header(in, "Mcp-Name", n, sizeof n);
	r = xcalloc(1, sizeof *r);
	r->c.gw = h->gw;
	r->c.send = gw_hreq_send;
	r->c.nobody = w->nobody;
	snprintf(r->c.caller, sizeof r->c.caller, "%s", w->caller);
	r->c.perms = w->perms;
	r->h = h;
	r->req = req;
	r->next = h->reqs;
	h->reqs = r;
	r->in_handle = true;
	msg = gw_parse(&r->c, (const char *)evbuffer_pullup(body, -1), len);
	if (msg != NULL) {
		if (gw_modern(msg, &hd) || gw_http_session(r, msg, w, sid) ==
		    0)
			gw_handle(&r->c, msg, &hd);
		else
			r->answered = true;
		json_decref(msg);
	}
	r->in_handle = false;
	if (r->answered)
		gw_hreq_free(r);
	else if (r->c.calls == 0) {
		/* A notification, or an answer to us: taken. */
		r->answered = true;
		evhttp_send_reply(req, 202, "Accepted", NULL);
		gw_hreq_free(r);
	}
}

static void
gw_http_cb(struct evhttp_request *req, void *arg)
{
	struct gw_http		*h = arg;
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = uri != NULL ? evhttp_uri_get_path(uri) :
				    NULL, *host, *origin, *auth, *sid;
	char			 hb[GW_HDR_MAX], ob[GW_HDR_MAX];
	char			 ab[MCP_TOKEN_MAX + 64], sb[GW_HDR_MAX];
	struct gw_who		*w;

	if (path == NULL) {
		gw_http_plain(req, 400, "Bad Request", "no path");
		return;
	}
	host = gw_http_header(in, "Host", hb, sizeof hb);
	origin = gw_http_header(in, "Origin", ob, sizeof ob);
	if (host == NULL || !gw_http_loopback(host) ||
	    !gw_http_origin_ok(origin)) {
		gw_http_plain(req, 403, "Forbidden", "only a client on this "
		    "machine, by a loopback name (Host and Origin), may call");
		return;
	}
	auth = gw_http_header(in, "Authorization", ab, sizeof ab);
	if (!gw_http_token_ok(h->gw->a->ac.mcp.token, auth,
	    evhttp_uri_get_query(uri), strcmp(path, GW_HTTP_PATH) == 0)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"orch\"");
		gw_http_plain(req, 401, "Unauthorized", "a bearer token is "
		    "required (Authorization: Bearer TOKEN, mcp.token; a "
		    "page: ?token=TOKEN)");
		return;
	}
	if (strcmp(path, GW_HTTP_PATH) == 0 && h->gw->a->ac.mcp.web_only) {
		gw_http_plain(req, 404, "Not Found", "MCP is off: metrics.http "
		    "serves /metrics and / (the dashboard) only; mcp.http or "
		    "--mcp-http serves MCP at " GW_HTTP_PATH);
		return;
	}
	w = gw_who(h, evhttp_request_get_connection(req));
	if (strcmp(path, GW_HTTP_PATH) != 0) {
		struct gw_client	who = { .nobody = w->nobody,
					    .perms = w->perms };

		snprintf(who.caller, sizeof who.caller, "%s", w->caller);
		if (!gw_web_request(h->gw, req, path, &who))
			gw_http_plain(req, 404, "Not Found",
			    h->gw->a->ac.mcp.web_only ? "orch serves /metrics "
			    "and / (the dashboard)" : "orch serves "
			    GW_HTTP_PATH " (MCP), /metrics, and / (the "
			    "dashboard)");
		return;
	}
	sid = gw_http_header(in, "Mcp-Session-Id", sb, sizeof sb);
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_POST:
		gw_http_post(h, req, w, in, sid);
		break;
	case EVHTTP_REQ_DELETE:
		gw_http_delete(h, req, w, sid);
		break;
	default:
		/* No stream of our own: orch sends nothing unasked. */
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "POST, DELETE");
		gw_http_plain(req, 405, "Method Not Allowed", "POST a JSON-RPC "
		    "message (orch sends no messages unasked, so there is no "
		    "GET stream)");
		break;
	}
}

/* Start and end ------------------------------------------------------------ */

int
gw_http_start(struct gateway *gw, char **cause)
{
	const struct mcp_config	*m = &gw->a->ac.mcp;
	struct gw_http		*h;
	char			 url[64];
	FILE			*f;

	if (m->http == 0)
		return 0;
	h = xcalloc(1, sizeof *h);
	h->gw = gw;
	h->port = m->http;
	if ((h->http = evhttp_new(gw->a->base)) == NULL) {
		free(h);
		*cause = xstrdup("evhttp_new failed");
		return -1;
	}
	evhttp_set_max_body_size(h->http, (ev_ssize_t)m->body_max);
	evhttp_set_max_headers_size(h->http, GW_HEADERS_MAX);
	evhttp_set_timeout(h->http, GW_HTTP_TIMEOUT_S);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, gw_http_cb, h);
	if (evhttp_bind_socket_with_handle(h->http, "127.0.0.1",
	    (ev_uint16_t)h->port) == NULL) {
		xasprintf(cause, "%s: cannot listen on 127.0.0.1:%u: %s",
		    m->web_only ? "metrics.http" : "MCP over HTTP", h->port,
		    strerror(errno));
		evhttp_free(h->http);
		free(h);
		return -1;
	}
	gw->http = h;
	gw_web_start(gw, h->port);
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", h->port,
	    GW_HTTP_PATH);
	if (m->web_only) {
		h->url_file[0] = '\0';
		log_info("the dashboard on http://127.0.0.1:%u/, metrics at "
		    "/metrics%s (MCP off)", h->port, m->token != NULL ?
		    " (bearer token required)" : "");
		return 0;
	}
	/* Where a client finds it, beside mcp.sock. */
	if (rundir_file(gw->a->instance, GW_HTTP_URL_FILE, h->url_file,
	    sizeof h->url_file, NULL) == 0 && (f = fopen(h->url_file, "we")) !=
	    NULL) {
		fprintf(f, "%s\n", url);
		fclose(f);
	} else
		h->url_file[0] = '\0';
	log_info("MCP over HTTP on %s; the dashboard at /, metrics at "
	    "/metrics%s", url,
	    m->token != NULL ? " (bearer token required)" : "");
	return 0;
}

void
gw_http_free(struct gateway *gw)
{
	struct gw_http	*h = gw->http;

	if (h == NULL)
		return;
	/* What still waits is answered before its connection goes. */
	while (h->reqs != NULL) {
		h->reqs->in_handle = true;
		gw_hreq_send(&h->reqs->c, gw_error_msg(NULL, RPC_BUSY, "the "
		    "gateway is stopping"), false);
		gw_hreq_free(h->reqs);
	}
	gw_web_free(gw);
	evhttp_free(h->http);
	while (h->whos != NULL)
		gw_who_close_cb(NULL, h->whos);
	while (h->sessions != NULL)
		gw_session_drop(h, h->sessions);
	if (h->url_file[0] != '\0')
		unlink(h->url_file);
	free(h);
	gw->http = NULL;
}
