/*
 * What Claude Code's stream-json output says about a prompt, read from
 * real output of the real CLI (recorded offline against a scripted
 * Messages API: tests/fuzz/corpus/claude_result, also the fuzzer's
 * corpus): a success, a success with a tool call, unicode, an API error
 * (is_error with subtype "success"), --max-turns reached (no "result",
 * its reason in "errors"), and output cut before its result.
 */
#include "tests/unit/unit.h"

#include "supervisor/runner.h"

#define CORPUS	"tests/fuzz/corpus/claude_result/"

static char *
slurp(const char *name)
{
	char	 path[256], *buf;
	long	 n;
	FILE	*f;

	snprintf(path, sizeof path, CORPUS "%s", name);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: run from the top of the tree", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct want {
	const char	*file;
	int		 rc;
	bool		 is_error;
	const char	*text;		/* the start of it */
	bool		 has_session;
};

static void
test_real(void **state)
{
	static const struct want	 wants[] = {
		{ "text.jsonl", 0, false, "All tests pass: 42 of 42.", true },
		{ "tool.jsonl", 0, false, "The tool said: hi from the tool.\n"
		    "Done \xe2\x80\x94 \xe2\x9c\x93 \"quoted\" \\ back", true },
		{ "unicode.jsonl", 0, false, "\xc3\x9cn\xc3\xaf", true },
		{ "error.jsonl", 0, true, "Prompt is too long", true },
		{ "turns.jsonl", 0, true, "Reached maximum number of turns (2)",
		    true },
		{ "cut.jsonl", -1, true, NULL, false },
	};
	char	*out, *text, *session;
	double	 cost;
	bool	 is_error;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof wants / sizeof wants[0]; i++) {
		out = slurp(wants[i].file);
		assert_int_equal(runner_claude_result(out, &is_error, &text,
		    &cost, &session, NULL), wants[i].rc);
		if (wants[i].rc == 0) {
			assert_int_equal(is_error, wants[i].is_error);
			if (strncmp(text, wants[i].text,
			    strlen(wants[i].text)) != 0)
				fail_msg("%s: text '%s'", wants[i].file, text);
			assert_true(session != NULL && strlen(session) == 36);
		} else {
			assert_null(text);
			assert_null(session);
		}
		free(text);
		free(session);
		free(out);
	}
}

static void
test_outcome(void **state)
{
	struct runner_outcome	 o;
	char			*out;

	(void)state;
	out = slurp("text.jsonl");
	runner_claude_outcome(out, &o);
	assert_true(o.ok);
	assert_string_equal(o.text, "All tests pass: 42 of 42.");
	assert_string_equal(o.reason, "");
	assert_true(o.cost_usd > 0);
	free(o.text);
	free(out);

	out = slurp("turns.jsonl");
	runner_claude_outcome(out, &o);
	assert_false(o.ok);
	assert_string_equal(o.reason, "claude: Reached maximum number of "
	    "turns (2)");
	free(o.text);
	free(out);

	out = slurp("cut.jsonl");
	runner_claude_outcome(out, &o);
	assert_false(o.ok);
	assert_null(o.text);
	assert_string_equal(o.reason, "claude gave no result event");
	free(out);
	runner_claude_outcome(NULL, &o);
	assert_string_equal(o.reason, "claude gave no result event");

	/* Turns and tokens, cache reads and writes counted as input. */
	runner_claude_outcome("{\"type\":\"result\",\"subtype\":\"success\","
	    "\"is_error\":false,\"result\":\"ok\",\"num_turns\":3,"
	    "\"session_id\":\"s1\",\"usage\":{\"input_tokens\":5,"
	    "\"cache_creation_input_tokens\":7,\"cache_read_input_tokens\":11,"
	    "\"output_tokens\":13}}\n", &o);
	assert_true(o.ok);
	assert_int_equal(o.turns, 3);
	assert_int_equal(o.tokens_in, 23);
	assert_int_equal(o.tokens_out, 13);
	assert_string_equal(o.session, "s1");
	free(o.text);
	/* Counts that are not counts are none. */
	runner_claude_outcome("{\"type\":\"result\",\"result\":\"ok\","
	    "\"num_turns\":-4,\"usage\":{\"input_tokens\":\"9\","
	    "\"output_tokens\":1.5}}\n", &o);
	assert_int_equal(o.turns, 0);
	assert_int_equal(o.tokens_in, 0);
	assert_int_equal(o.tokens_out, 0);
	free(o.text);
}

/* Hand-made lines: what the parser must and must not take for a result. */
static void
test_edges(void **state)
{
	static const struct {
		const char	*out;
		int		 rc;
		bool		 is_error;
		const char	*text;
	} cases[] = {
		{ "", -1, true, NULL },
		{ "not json\n", -1, true, NULL },
		/* The last result wins; text before and after is ignored. */
		{ "{\"type\":\"result\",\"subtype\":\"success\",\"result\":"
		  "\"one\"}\n{\"type\":\"result\",\"subtype\":\"success\","
		  "\"result\":\"two\"}\ntrailing noise\n", 0, false, "two" },
		/* No is_error: the subtype says. */
		{ "{\"type\":\"result\",\"subtype\":\"error_during_execution\"}",
		  0, true, "error_during_execution" },
		{ "{\"type\":\"result\",\"is_error\":false,\"result\":5}\n", 0,
		  false, "" },
		{ "{\"type\":\"assistant\",\"result\":\"no\"}\n", -1, true,
		  NULL },
		{ "{\"type\":\"result\",\"errors\":[\"a\",7,\"b\"],"
		  "\"is_error\":true}", 0, true, "a; b" },
	};
	char	*text, *session;
	double	 cost;
	bool	 is_error;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(runner_claude_result(cases[i].out, &is_error,
		    &text, &cost, &session, NULL), cases[i].rc);
		assert_int_equal(is_error, cases[i].is_error);
		if (cases[i].text != NULL)
			assert_string_equal(text, cases[i].text);
		else
			assert_null(text);
		free(text);
		free(session);
	}
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_outcome),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
