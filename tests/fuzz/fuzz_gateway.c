/*
 * libFuzzer target: a message to the MCP gateway, as its JSON-RPC side
 * takes it from either transport (a line on mcp.sock; a POST with the
 * 2026-07-28 era's headers, taken from the message itself or not), from
 * the operator (orch out of reach: calls fail as they would) and from a
 * process that is nobody's. Invariants: no crash or leak; a request gets
 * at most one answer; a notification gets none; nothing is left waiting.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actors/actor.h"
#include "actors/gateway_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The transports are not linked: the gateway's core is fuzzed alone. */
int	gw_line_start(struct gateway *gw, char **cause) { (void)gw; (void)cause; return 0; }
void	gw_line_free(struct gateway *gw) { (void)gw; }
void	gw_line_notify(struct gateway *gw, json_t *msg) { (void)gw; json_decref(msg); }
int	gw_http_start(struct gateway *gw, char **cause) { (void)gw; (void)cause; return 0; }
void	gw_http_free(struct gateway *gw) { (void)gw; }

static int	answers;

static void
count(struct gw_client *c, json_t *msg, bool modern)
{
	(void)c;
	(void)modern;
	if (!json_is_object(msg) || (json_object_get(msg, "result") == NULL) ==
	    (json_object_get(msg, "error") == NULL))
		abort();
	answers++;
	json_decref(msg);
}

static void
one(const uint8_t *data, size_t size, bool nobody, const struct gw_hdrs *h)
{
	struct actor		a;
	struct gateway		gw;
	struct gw_client	c;
	json_t			*msg;

	memset(&a, 0, sizeof a);
	memset(&gw, 0, sizeof gw);
	gw.a = &a;
	memset(&c, 0, sizeof c);
	c.gw = &gw;
	c.send = count;
	c.nobody = nobody;
	c.notes_ok = true;
	answers = 0;
	if ((msg = gw_parse(&c, (const char *)data, size)) != NULL) {
		const char	*v = json_string_value(json_object_get(msg,
				    "jsonrpc"));
		bool		 note = json_object_get(msg, "id") == NULL &&
				    json_is_string(json_object_get(msg,
				    "method")) && v != NULL && strcmp(v,
				    "2.0") == 0;

		gw_handle(&c, msg, h);
		/* One answer at most; a notification is never answered. */
		if (answers > 1 || (note && answers != 0))
			abort();
		json_decref(msg);
	} else if (answers != 1)
		abort();
	if (c.calls != 0 || gw.ncalls != 0 || gw.calls != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_hdrs	 h = { true, "2026-07-28", NULL, NULL };
	json_t		*msg;
	json_error_t	 err;

	if (size > ((size_t)1 << 20))
		return 0;
	one(data, size, false, NULL);
	one(data, size, true, NULL);
	/* Over HTTP: the headers the message itself would have them say. */
	msg = json_loadb((const char *)data, size, JSON_DECODE_ANY, &err);
	h.method = json_string_value(json_object_get(msg, "method"));
	h.name = json_string_value(json_object_get(json_object_get(msg,
	    "params"), "name"));
	one(data, size, false, &h);
	h.version = NULL;
	one(data, size, true, &h);
	json_decref(msg);
	return 0;
}
