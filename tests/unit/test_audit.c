/*
 * The audit log: one JSON object a line with who, what, about, the
 * decision and its rule; hostile (non-UTF-8) names still make a line; a
 * connection's repeated decision is written once, a new one always.
 */
#include "tests/unit/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "common/audit.h"

static char	state[64];

static int
setup(void **st)
{
	char	*cause = NULL;

	(void)st;
	snprintf(state, sizeof state, "/tmp/orch-test-audit-XXXXXX");
	if (mkdtemp(state) == NULL)
		return -1;
	setenv("XDG_STATE_HOME", state, 1);
	if (audit_open("au", "test", &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	return 0;
}

static int
teardown(void **st)
{
	char	cmd[128];

	(void)st;
	audit_close();
	snprintf(cmd, sizeof cmd, "rm -rf %s", state);
	return system(cmd) == 0 ? 0 : -1;
}

/* The log's lines, as JSON (json_decref the array). */
static json_t *
lines(void)
{
	char		 path[4096], *cause = NULL, buf[4096];
	json_t		*all = json_array(), *j;
	json_error_t	 err;
	FILE		*f;

	assert_int_equal(audit_path("au", false, path, sizeof path, &cause), 0);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(buf, sizeof buf, f) != NULL) {
		if ((j = json_loads(buf, 0, &err)) == NULL)
			fail_msg("not JSON: %s (%s)", buf, err.text);
		json_array_append_new(all, j);
	}
	fclose(f);
	return all;
}

static const char *
field(json_t *all, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(all, i), key));
}

static void
test_lines(void **st)
{
	json_t	*all;

	(void)st;
	audit_write("agent a1", "task.exec", "b2", "denied",
	    "agent:coordinate");
	audit_write("operator", "shutdown", "", "allowed", "operator");
	audit_write("agent \xff\xfe", "mem.put", "", "denied", "data:share");
	all = lines();
	assert_int_equal(json_array_size(all), 3);
	assert_string_equal(field(all, 0, "who"), "agent a1");
	assert_string_equal(field(all, 0, "what"), "task.exec");
	assert_string_equal(field(all, 0, "about"), "b2");
	assert_string_equal(field(all, 0, "decision"), "denied");
	assert_string_equal(field(all, 0, "rule"), "agent:coordinate");
	assert_string_equal(field(all, 0, "by"), "test");
	assert_non_null(field(all, 0, "time"));
	assert_string_equal(field(all, 1, "decision"), "allowed");
	/* Not UTF-8: still a line, the decision kept. */
	assert_string_equal(field(all, 2, "decision"), "denied");
	assert_string_equal(field(all, 2, "what"), "(unprintable)");
	json_decref(all);
}

static void
test_once(void **st)
{
	struct audit_memo	 m, other;
	json_t			*all;
	char			 about[16];
	int			 i;

	(void)st;
	memset(&m, 0, sizeof m);
	memset(&other, 0, sizeof other);
	for (i = 0; i < 10000; i++)
		audit_write_once(&m, "agent a1", "msg.send", "b2", "allowed",
		    "agent:coordinate");
	/* Another decision on the same connection, the same on another. */
	audit_write_once(&m, "agent a1", "msg.send", "c3", "allowed",
	    "agent:coordinate");
	audit_write_once(&m, "agent a1", "msg.send", "b2", "denied",
	    "agent:coordinate");
	audit_write_once(&other, "agent a1", "msg.send", "b2", "allowed",
	    "agent:coordinate");
	all = lines();
	assert_int_equal(json_array_size(all), 4);
	assert_string_equal(field(all, 1, "about"), "c3");
	assert_string_equal(field(all, 2, "decision"), "denied");
	json_decref(all);
	/* More distinct decisions than the memo holds: the oldest again. */
	for (i = 0; i < AUDIT_MEMO_SIZE; i++) {
		snprintf(about, sizeof about, "x%d", i);
		audit_write_once(&m, "agent a1", "msg.send", about, "allowed",
		    "agent:coordinate");
	}
	audit_write_once(&m, "agent a1", "msg.send", "b2", "allowed",
	    "agent:coordinate");
	all = lines();
	assert_int_equal(json_array_size(all), 4 + AUDIT_MEMO_SIZE + 1);
	json_decref(all);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
