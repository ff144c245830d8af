/*
 * The MCP gateway's tool table: every tool listed with parseable schemas
 * and annotations; arguments checked, naming the one at fault, and packed
 * as orch's operations expect; answers shaped into structured results.
 */
#include "tests/unit/unit.h"

#include "actors/mcp_tools.h"
#include "ipc/body.h"
#include "ipc/proto.h"

static json_t *
J(const char *text)
{
	json_error_t	 err;
	json_t		*j = json_loads(text, JSON_DECODE_ANY, &err);

	if (j == NULL)
		fail_msg("bad JSON in the test: %s", err.text);
	return j;
}

static void
test_list(void **state)
{
	json_t	*list = mcp_tools_list(NULL), *t;
	size_t	 i;

	(void)state;
	assert_true(json_array_size(list) >= 14);
	json_array_foreach(list, i, t) {
		const char	*name = json_string_value(json_object_get(t,
				    "name"));

		assert_non_null(name);
		assert_non_null(mcp_tool_find(name));
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(t, "inputSchema"), "type")), "object");
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(t, "outputSchema"), "type")), "object");
		assert_true(json_is_boolean(json_object_get(json_object_get(t,
		    "annotations"), "readOnlyHint")));
	}
	json_decref(list);
	assert_null(mcp_tool_find("rm_rf"));
}

/* args -> the packed body, or the error. */
static int
pack(const char *tool, const char *args, struct mcp_req *r, char *why)
{
	json_t	*a = args != NULL ? J(args) : NULL;
	int	 rc;

	why[0] = '\0';
	rc = mcp_tool_args(mcp_tool_find(tool), a, r, why, 256);
	json_decref(a);
	return rc;
}

static void
test_args(void **state)
{
	struct mcp_req		 r;
	msgpack_unpacked	 up;
	char			 why[256], s[64];
	uint64_t		 u = 0;
	bool			 b = false;

	(void)state;
	assert_int_equal(pack("submit_task", "{}", &r, why), -1);
	assert_non_null(strstr(why, "'command'"));
	msgpack_sbuffer_destroy(&r.body);
	assert_int_equal(pack("submit_task", "{\"command\":\"x\",\"bogus\":1}",
	    &r, why), -1);
	assert_string_equal(why, "unknown argument 'bogus'");
	msgpack_sbuffer_destroy(&r.body);
	assert_int_equal(pack("submit_task", "{\"command\":\"x\",\"timeout\":"
	    "-1}", &r, why), -1);
	assert_non_null(strstr(why, "'timeout'"));
	msgpack_sbuffer_destroy(&r.body);

	/* Packed as task.submit wants it: timeout in ms, approval. */
	assert_int_equal(pack("submit_task", "{\"command\":\"make\",\"timeout\":"
	    "2.5,\"requiresApproval\":true,\"agent\":\"w1\"}", &r, why), 0);
	assert_string_equal(r.op, IPC_OP_TASK_SUBMIT);
	msgpack_unpacked_init(&up);
	msgpack_unpack_next(&up, r.body.data, r.body.size, NULL);
	assert_int_equal(body_u64(&up.data, "timeout_ms", &u), 0);
	assert_int_equal(u, 2500);
	assert_int_equal(body_bool(&up.data, "approval", &b), 0);
	assert_true(b);
	assert_int_equal(body_str(&up.data, "agent", s, sizeof s), 0);
	assert_string_equal(s, "w1");
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&r.body);

	/* A message's target and priority go in the envelope. */
	assert_int_equal(pack("send_message", "{\"to\":\"w2\",\"content\":\"hi\","
	    "\"priority\":\"high\"}", &r, why), 0);
	assert_string_equal(r.to, "w2");
	assert_int_equal(r.pri, IPC_PRI_HIGH);
	msgpack_sbuffer_destroy(&r.body);
	assert_int_equal(pack("send_message", "{\"to\":\"w2\",\"content\":\"hi\","
	    "\"priority\":\"urgent\"}", &r, why), -1);
	assert_non_null(strstr(why, "'priority'"));
	msgpack_sbuffer_destroy(&r.body);
	/* The screen is read from the agent's own actor. */
	assert_int_equal(pack("read_terminal_output", "{\"agent\":\"w1\"}", &r,
	    why), 0);
	assert_int_equal(r.route, MCP_ACTOR);
	assert_string_equal(r.to, "w1");
	msgpack_sbuffer_destroy(&r.body);
	assert_int_equal(pack("read_terminal_output", "{\"agent\":\"w1\","
	    "\"linesOfOutput\":0}", &r, why), -1);
	msgpack_sbuffer_destroy(&r.body);
	assert_int_equal(pack("inspect_agent", "[1]", &r, why), -1);
	msgpack_sbuffer_destroy(&r.body);
	/* No arguments at all: the tools that need none. */
	assert_int_equal(pack("list_agents", NULL, &r, why), 0);
	msgpack_sbuffer_destroy(&r.body);
}

static void
test_results(void **state)
{
	const struct mcp_tool	*t;
	json_t			*ans, *args, *res;
	char			 why[256] = "";

	(void)state;
	/* The last lines of the screen, a trailing newline ending one. */
	t = mcp_tool_find("read_terminal_output");
	ans = J("{\"data\":\"one\\ntwo\\nthree\\nfour\\n\"}");
	args = J("{\"agent\":\"w1\",\"linesOfOutput\":2}");
	res = mcp_tool_result(t, ans, args, why, sizeof why);
	assert_string_equal(json_string_value(json_object_get(res, "output")),
	    "three\nfour\n");
	json_decref(res);
	json_decref(args);
	args = J("{\"agent\":\"w1\",\"linesOfOutput\":9}");
	res = mcp_tool_result(t, ans, args, why, sizeof why);
	assert_string_equal(json_string_value(json_object_get(res, "output")),
	    "one\ntwo\nthree\nfour\n");
	json_decref(res);
	json_decref(args);
	json_decref(ans);

	/* One task by name, of all; none is an error saying so. */
	t = mcp_tool_find("task_status");
	ans = J("{\"tasks\":[{\"task\":\"1:a\",\"status\":\"ok\"},"
	    "{\"task\":\"2:b\",\"status\":\"failed\"}]}");
	args = J("{\"task\":\"2:b\"}");
	res = mcp_tool_result(t, ans, args, why, sizeof why);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    res, "task"), "status")), "failed");
	json_decref(res);
	json_decref(args);
	args = J("{\"task\":\"3:c\"}");
	assert_null(mcp_tool_result(t, ans, args, why, sizeof why));
	assert_string_equal(why, "no task '3:c'");
	json_decref(args);
	/* list_tasks of one run. */
	t = mcp_tool_find("list_tasks");
	args = J("{\"run\":1}");
	res = mcp_tool_result(t, ans, args, why, sizeof why);
	assert_int_equal(json_array_size(json_object_get(res, "tasks")), 1);
	json_decref(res);
	json_decref(args);
	json_decref(ans);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
