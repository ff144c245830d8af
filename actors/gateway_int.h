/*
 * Inside the MCP gateway. gateway_rpc.c is the JSON-RPC side: messages
 * in, the protocol's two eras, the methods; gateway.c the tools' calls on
 * their way to orch and back; gateway_res.c the resources.
 * Two transports bring it messages and take its answers: a line on
 * mcp.sock (gateway_line.c, MCP's stdio framing, which orch-mcp relays)
 * and a POST to /mcp on 127.0.0.1 (gateway_http.c, Streamable HTTP).
 */
#ifndef ORCH_ACTORS_GATEWAY_INT_H
#define ORCH_ACTORS_GATEWAY_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "actors/gateway.h"

/* JSON-RPC's error codes, and the 2026-07-28 era's own. */
#define RPC_PARSE		-32700
#define RPC_INVALID		-32600
#define RPC_METHOD		-32601
#define RPC_PARAMS		-32602
#define RPC_BUSY		-32000
#define RPC_HEADER		-32020	/* an Mcp-* header says otherwise */
#define RPC_CAPABILITY		-32021	/* needs what the client lacks */
#define RPC_VERSION		-32022	/* a protocol version we do not speak */

/* The era of the stateless protocol: every request says it in _meta. */
#define GW_MODERN		"2026-07-28"

struct gw_client;
/* An answer (msg is the callee's); modern: an answer in that era. */
typedef void	gw_send_fn(struct gw_client *c, json_t *msg, bool modern);

/* Who asks, and where the answers go: a connection, or one HTTP request. */
struct gw_client {
	struct gateway	*gw;
	gw_send_fn	*send;
	bool		 nobody;	/* belongs to no running agent */
	char		 caller[AGENT_ID_MAX + 1];	/* "": operator */
	unsigned	 perms;
	unsigned	 calls;		/* tool calls it waits on */
	bool		 notes_ok;	/* it can be sent notifications */
	bool		 listening;	/* it initialized: it hears them */
};

/* What an HTTP request's headers say of its message (NULL: absent). */
struct gw_hdrs {
	bool		 http;
	const char	*version;	/* MCP-Protocol-Version */
	const char	*method;	/* Mcp-Method */
	const char	*name;		/* Mcp-Name */
};

/* One request being answered: whom, which, in which era. */
struct gw_ctx {
	struct gw_client	*c;
	json_t			*id;
	bool			 modern;
};

struct gw_conn;
struct gw_call;
struct gw_http;
struct gw_web;
struct mcp_tool;

struct gateway {
	struct actor		*a;
	struct sock_listener	*listener;
	/* The bank and bus served in this process, through a socket pair. */
	struct peer		*loop_client, *loop_server;
	struct gw_conn		*conns;
	unsigned		 nconns;
	struct gw_call		*calls;
	unsigned		 ncalls;
	struct gw_http		*http;
	struct gw_web		*web;		/* gateway_web.c's */
};

/*
 * A message's text, parsed: NULL when it was not JSON, nested too deep, or
 * not one object (the error already sent to c).
 */
json_t	*gw_parse(struct gw_client *c, const char *text, size_t len);
/* Is msg of the 2026-07-28 era (its _meta, its method, its headers)? */
bool	 gw_modern(const json_t *msg, const struct gw_hdrs *h);
/* Is msg a request (it has an id, so an answer is owed)? */
bool	 gw_is_request(const json_t *msg);
/* Answer msg (a request: now or once orch has); h NULL off HTTP. */
void	 gw_handle(struct gw_client *c, json_t *msg, const struct gw_hdrs *h);
/* c goes away: what it waits on still runs, and answers no one. */
void	 gw_client_gone(struct gw_client *c);
/* An error answer, for a transport's own refusals. */
json_t	*gw_error_msg(const json_t *id, int code, const char *text);
/* -32602 naming the resource (data.uri) it is about. */
json_t	*gw_uri_error(const json_t *id, const char *why, const char *uri);
/* The protocol versions of the initialize era; is v one of them? */
bool	 gw_legacy_version(const char *v);

/* Answer x's request: a result (taken), or an error. */
void	 gw_result(struct gw_ctx *x, json_t *result);
void	 gw_error(struct gw_ctx *x, int code, const char *text);
/* result with 2026-07-28's cache hints, in that era. */
json_t	*gw_cacheable(json_t *result, bool modern, unsigned ttl_ms,
	    bool public);

/*
 * What becomes of a tool's structured result (not taken) when a call was
 * made for a resource: the request's result, or NULL (not found).
 */
typedef json_t	*gw_finish_fn(const char *uri, const json_t *structured);
/*
 * Call tool t with args for x; its answer goes to x's client once orch
 * has answered: the tool's result, or (finish given) what finish makes of
 * it, or an error naming uri.
 */
void	 gw_call_start(struct gw_ctx *x, const struct mcp_tool *t,
	    json_t *args, gw_finish_fn *finish, const char *uri);

/* gateway_res.c: resources/list, resources/templates/list, resources/read. */
void	 gw_resources_list(struct gw_ctx *x, json_t *params);
void	 gw_resources_templates(struct gw_ctx *x, json_t *params);
void	 gw_resources_read(struct gw_ctx *x, json_t *params);

/* gateway_line.c: a notification (taken) to every client listening. */
int	 gw_line_start(struct gateway *gw, char **cause);
void	 gw_line_notify(struct gateway *gw, json_t *msg);
void	 gw_line_free(struct gateway *gw);

/* gateway_http.c: nothing when the configuration asks for no port. */
int	 gw_http_start(struct gateway *gw, char **cause);
void	 gw_http_free(struct gateway *gw);

/* Are two secrets the same (in time that does not tell where not)? */
bool	 gw_same_secret(const char *want, const char *got);

/*
 * gateway_web.c, on the HTTP listener of port: path's page (/, /events,
 * /metrics, /api/approve, /api/deny) for who (a client made of the
 * connection's caller): answered now or once orch has; false when path
 * is none of its.
 */
struct evhttp_request;
void	 gw_web_start(struct gateway *gw, unsigned port);
bool	 gw_web_request(struct gateway *gw, struct evhttp_request *req,
	    const char *path, const struct gw_client *who);
void	 gw_web_free(struct gateway *gw);

#endif
