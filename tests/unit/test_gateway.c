/*
 * The MCP gateway's JSON-RPC side, without a transport: what each message
 * gets answered in both eras of the protocol. Malformed input, the wrong
 * types, the 2026-07-28 era's _meta and header checks, each method in the
 * era it belongs to, cache hints, and tool calls refused before they go
 * anywhere (for nobody, with bad arguments, with orch out of reach).
 */
#include "tests/unit/unit.h"

#include "actors/actor.h"
#include "actors/gateway_int.h"

/* The transports are not linked: the gateway's core is tested alone. */
int	gw_line_start(struct gateway *gw, char **cause) { (void)gw; (void)cause; return 0; }
void	gw_line_free(struct gateway *gw) { (void)gw; }
void	gw_line_notify(struct gateway *gw, json_t *msg) { (void)gw; json_decref(msg); }
int	gw_http_start(struct gateway *gw, char **cause) { (void)gw; (void)cause; return 0; }
void	gw_http_free(struct gateway *gw) { (void)gw; }

static json_t	*said;		/* the last answer */
static bool	 said_modern;
static int	 nsaid;

static void
capture(struct gw_client *c, json_t *msg, bool modern)
{
	(void)c;
	json_decref(said);
	said = msg;
	said_modern = modern;
	nsaid++;
}

static struct actor	a;
static struct gateway	gw;

static void
client(struct gw_client *c, bool nobody)
{
	memset(&a, 0, sizeof a);
	memset(&gw, 0, sizeof gw);
	gw.a = &a;
	memset(c, 0, sizeof *c);
	c->gw = &gw;
	c->send = capture;
	c->nobody = nobody;
}

/* Send text as c (over HTTP with h), return the answer (NULL: none). */
static json_t *
ask(struct gw_client *c, const char *text, const struct gw_hdrs *h)
{
	json_t	*msg;

	json_decref(said);
	said = NULL;
	nsaid = 0;
	if ((msg = gw_parse(c, text, strlen(text))) != NULL) {
		gw_handle(c, msg, h);
		json_decref(msg);
	}
	assert_true(nsaid <= 1);
	return said;
}

static json_int_t
code_of(const json_t *answer)
{
	assert_non_null(answer);
	assert_non_null(json_object_get(answer, "error"));
	return json_integer_value(json_object_get(json_object_get(answer,
	    "error"), "code"));
}

static const json_t *
result_of(const json_t *answer)
{
	assert_non_null(answer);
	assert_null(json_object_get(answer, "error"));
	assert_non_null(json_object_get(answer, "result"));
	return json_object_get(answer, "result");
}

#define META	"\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":" \
		"\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}"

static void
test_malformed(void **state)
{
	struct gw_client	c;
	char			deep[200];

	(void)state;
	client(&c, false);
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":", NULL)), RPC_PARSE);
	assert_int_equal(code_of(ask(&c, "[{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"ping\"}]", NULL)), RPC_INVALID);
	assert_int_equal(code_of(ask(&c, "42", NULL)), RPC_INVALID);
	/* Bytes not UTF-8 where the parser stops: still an answer. */
	assert_int_equal(code_of(ask(&c, "{\"j\\\\a\\\334\232\243{?", NULL)),
	    RPC_PARSE);
	assert_int_equal(code_of(ask(&c, "{\"a\":1,\"a\":2}", NULL)),
	    RPC_PARSE);
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	deep[130] = '\0';
	assert_int_equal(code_of(ask(&c, deep, NULL)), RPC_INVALID);
	/* 64 deep is allowed: it is a valid array, not a request. */
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	deep[128] = '\0';
	assert_int_equal(code_of(ask(&c, deep, NULL)), RPC_INVALID);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    said, "error"), "message")), "batches are not supported");
	/* An id of the wrong type is answered with a null id. */
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":[1],"
	    "\"method\":\"ping\"}", NULL)), RPC_INVALID);
	assert_true(json_is_null(json_object_get(said, "id")));
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"1.0\",\"id\":1,"
	    "\"method\":\"ping\"}", NULL)), RPC_INVALID);
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"ping\",\"params\":[1]}", NULL)), RPC_PARAMS);
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"no/such\"}", NULL)), RPC_METHOD);
	/* Notifications, and answers to what we never asked: no answer. */
	assert_null(ask(&c, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/initialized\"}", NULL));
	assert_null(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}",
	    NULL));
}

static void
test_initialize(void **state)
{
	struct gw_client	 c;
	const json_t		*r;

	(void)state;
	client(&c, false);
	c.notes_ok = true;
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\"}}",
	    NULL));
	assert_string_equal(json_string_value(json_object_get(r,
	    "protocolVersion")), "2025-06-18");
	assert_true(json_is_true(json_object_get(json_object_get(
	    json_object_get(r, "capabilities"), "resources"), "listChanged")));
	assert_true(c.listening);
	assert_null(json_object_get(r, "resultType"));
	/* A version it does not know: the newest it does. */
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"initialize\",\"params\":{\"protocolVersion\":\"2024-01-01\"}}",
	    NULL));
	assert_string_equal(json_string_value(json_object_get(r,
	    "protocolVersion")), "2025-11-25");
	assert_true(gw_legacy_version("2025-03-26"));
	assert_false(gw_legacy_version("2026-07-28"));
	assert_false(gw_legacy_version(NULL));
	result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}",
	    NULL));
	result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":"
	    "\"logging/setLevel\",\"params\":{\"level\":\"info\"}}", NULL));
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":5,"
	    "\"method\":\"logging/setLevel\",\"params\":{\"level\":\"loud\"}}",
	    NULL)), RPC_PARAMS);
}

static void
test_modern(void **state)
{
	struct gw_client	 c;
	const json_t		*r, *err;

	(void)state;
	client(&c, false);
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"server/discover\",\"params\":{" META "}}", NULL));
	assert_true(said_modern);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r,
	    "supportedVersions"), 0)), "2026-07-28");
	assert_string_equal(json_string_value(json_object_get(r,
	    "resultType")), "complete");
	assert_non_null(json_object_get(r, "ttlMs"));
	assert_string_equal(json_string_value(json_object_get(r,
	    "cacheScope")), "public");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(r, "_meta"), "io.modelcontextprotocol/serverInfo"),
	    "name")), "orch");
	/* No logging, no list changes to hear of, in this era. */
	assert_null(json_object_get(json_object_get(r, "capabilities"),
	    "logging"));
	/* _meta must say both; the error names what is missing. */
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,"
	    "\"method\":\"server/discover\",\"params\":{}}", NULL)),
	    RPC_PARAMS);
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(said, "error"), "message")), "clientCapabilities"));
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":3,"
	    "\"method\":\"tools/list\",\"params\":{\"_meta\":{"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}",
	    NULL)), RPC_PARAMS);
	/* A version it does not speak: which it does, and which was asked. */
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":4,"
	    "\"method\":\"tools/list\",\"params\":{\"_meta\":{"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2030-01-01\","
	    "\"io.modelcontextprotocol/clientCapabilities\":{}}}}", NULL)),
	    RPC_VERSION);
	err = json_object_get(json_object_get(said, "error"), "data");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    err, "supported"), 0)), "2026-07-28");
	assert_string_equal(json_string_value(json_object_get(err,
	    "requested")), "2030-01-01");
	assert_int_equal(json_integer_value(json_object_get(said, "id")), 4);
	/* The initialize era's methods are not in this one. */
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":5,"
	    "\"method\":\"initialize\",\"params\":{" META "}}", NULL)),
	    RPC_METHOD);
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":6,"
	    "\"method\":\"ping\",\"params\":{" META "}}", NULL)), RPC_METHOD);
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"tools/list\",\"params\":{" META "}}", NULL));
	assert_true(json_array_size(json_object_get(r, "tools")) >= 20);
	assert_string_equal(json_string_value(json_object_get(r,
	    "resultType")), "complete");
	assert_non_null(json_object_get(r, "ttlMs"));
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":"
	    "\"resources/templates/list\",\"params\":{" META "}}", NULL));
	assert_int_equal(json_array_size(json_object_get(r,
	    "resourceTemplates")), 2);
	/* The initialize era has none of these hints. */
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":"
	    "\"tools/list\"}", NULL));
	assert_false(said_modern);
	assert_null(json_object_get(r, "ttlMs"));
	assert_null(json_object_get(r, "resultType"));
}

static void
test_headers(void **state)
{
	struct gw_client	c;
	struct gw_hdrs		h = { true, "2026-07-28", "tools/call",
				    "list_agents" };
	const char		*call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
				    "\"tools/call\",\"params\":{\"name\":"
				    "\"list_agents\"," META "}}";

	(void)state;
	client(&c, true);
	/* All agree: on to the call (refused: this client is nobody). */
	assert_true(json_is_true(json_object_get(result_of(ask(&c, call, &h)),
	    "isError")));
	h.name = "list_tasks";
	assert_int_equal(code_of(ask(&c, call, &h)), RPC_HEADER);
	h.name = NULL;
	assert_int_equal(code_of(ask(&c, call, &h)), RPC_HEADER);
	h.name = "list_agents";
	h.method = "TOOLS/CALL";
	assert_int_equal(code_of(ask(&c, call, &h)), RPC_HEADER);
	h.method = NULL;
	assert_int_equal(code_of(ask(&c, call, &h)), RPC_HEADER);
	h.method = "tools/call";
	h.version = NULL;
	assert_int_equal(code_of(ask(&c, call, &h)), RPC_HEADER);
	h.version = "2025-11-25";
	assert_int_equal(code_of(ask(&c, call, &h)), RPC_HEADER);
	/* An era it does not know, by the header alone: the modern checks. */
	h.version = "2031-01-01";
	{
		json_t	*empty = json_object();

		assert_true(gw_modern(empty, &h));
		json_decref(empty);
	}
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,"
	    "\"method\":\"tools/list\"}", &h)), RPC_PARAMS);
}

static void
test_tools_call(void **state)
{
	struct gw_client	 c;
	const json_t		*r;

	(void)state;
	client(&c, false);
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{}}", NULL)), RPC_PARAMS);
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"rm_rf\"}}", NULL)),
	    RPC_PARAMS);
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"list_agents\","
	    "\"arguments\":[]}}", NULL)), RPC_PARAMS);
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"submit_task\","
	    "\"arguments\":{\"command\":7}}}", NULL)), RPC_PARAMS);
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(said, "error"), "message")), "command"));
	/* Out of reach: a tool's result that says so, not a protocol error. */
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"list_agents\"}}", NULL));
	assert_true(json_is_true(json_object_get(r, "isError")));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_array_get(json_object_get(r, "content"), 0), "text")),
	    "supervisor is gone"));
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"memory_read\",\"arguments\":"
	    "{\"key\":\"k\"}}}", NULL));
	assert_true(json_is_true(json_object_get(r, "isError")));
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"read_terminal_output\","
	    "\"arguments\":{\"agent\":\"w1\"}}}", NULL));
	assert_true(json_is_true(json_object_get(r, "isError")));
	/* The operator has no inbox. */
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"read_inbox\"}}", NULL));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_array_get(json_object_get(r, "content"), 0), "text")),
	    "operator has no inbox"));
	assert_int_equal(c.calls, 0);
	assert_int_equal(gw.ncalls, 0);
	/* Nobody may do anything. */
	client(&c, true);
	r = result_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"list_agents\"}}", NULL));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_array_get(json_object_get(r, "content"), 0), "text")),
	    "no running agent"));
}

static void
test_resources(void **state)
{
	struct gw_client	 c;
	const json_t		*err;

	(void)state;
	client(&c, false);
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"resources/read\",\"params\":{\"uri\":\"file:///etc/"
	    "passwd\"}}", NULL)), RPC_PARAMS);
	err = json_object_get(said, "error");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    err, "data"), "uri")), "file:///etc/passwd");
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,"
	    "\"method\":\"resources/read\",\"params\":{}}", NULL)), RPC_PARAMS);
	/* An id that is not one: not found, not a path elsewhere. */
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":3,"
	    "\"method\":\"resources/read\",\"params\":{\"uri\":"
	    "\"orch://agent/a%2Fb/screen\"}}", NULL)), RPC_PARAMS);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    said, "error"), "message")), "Resource not found");
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":4,"
	    "\"method\":\"resources/read\",\"params\":{\"uri\":"
	    "\"orch://agent//screen\"}}", NULL)), RPC_PARAMS);
	/* Out of reach: an error naming the resource. */
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":5,"
	    "\"method\":\"resources/read\",\"params\":{\"uri\":"
	    "\"orch://agents\"}}", NULL)), RPC_PARAMS);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(said, "error"), "data"), "uri")), "orch://agents");
	assert_int_equal(code_of(ask(&c, "{\"jsonrpc\":\"2.0\",\"id\":6,"
	    "\"method\":\"resources/list\"}", NULL)), RPC_PARAMS);
}

/* The tools that take an agent name the running ones (not the gateway). */
static void
test_tools_name_agents(void **state)
{
	struct gw_client	 c;
	struct actor_known	 roster[3];
	const json_t		*t;
	size_t			 i;
	bool			 seen = false;

	(void)state;
	client(&c, false);
	memset(roster, 0, sizeof roster);
	snprintf(roster[0].id, sizeof roster[0].id, "w1");
	snprintf(roster[1].id, sizeof roster[1].id, "mcp");
	snprintf(roster[2].id, sizeof roster[2].id, "w2");
	snprintf(a.ac.id, sizeof a.ac.id, "mcp");
	a.roster = roster;
	a.nroster = 3;
	json_array_foreach(json_object_get(result_of(ask(&c, "{\"jsonrpc\":"
	    "\"2.0\",\"id\":1,\"method\":\"tools/list\"}", NULL)), "tools"),
	    i, t) {
		const char	*name = json_string_value(json_object_get(t,
				    "name"));
		const char	*d = json_string_value(json_object_get(t,
				    "description"));

		if (strcmp(name, "read_terminal_output") == 0) {
			assert_non_null(strstr(d, "Agents now: w1, w2."));
			seen = true;
		}
		if (strcmp(name, "memory_read") == 0)
			assert_null(strstr(d, "Agents now"));
	}
	assert_true(seen);
	a.roster = NULL;
	a.nroster = 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_decref(said);
	said = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malformed, teardown),
		cmocka_unit_test_teardown(test_initialize, teardown),
		cmocka_unit_test_teardown(test_modern, teardown),
		cmocka_unit_test_teardown(test_headers, teardown),
		cmocka_unit_test_teardown(test_tools_call, teardown),
		cmocka_unit_test_teardown(test_resources, teardown),
		cmocka_unit_test_teardown(test_tools_name_agents, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
