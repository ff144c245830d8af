/*
 * How orch names and reaches an instance's tmux server, and how what it
 * passes to tmux is kept from being read as commands or formats; with a
 * real tmux server for what tmux itself must confirm.
 */
#include "tests/unit/unit.h"

#include <sys/stat.h>

#include <stdbool.h>
#include <unistd.h>

#include "common/tmux.h"

static void
test_names(void **state)
{
	char		buf[TMUX_NAME_MAX];
	struct tmux_base b;
	size_t		n;

	(void)state;
	tmux_server_name("dev", buf, sizeof buf);
	assert_string_equal(buf, "orch-dev");
	tmux_session_name("a.b:c-d_e", buf, sizeof buf);
	assert_string_equal(buf, "a_b_c-d_e");
	n = tmux_base(&b, "x1");
	assert_int_equal(n, 6);
	assert_string_equal(b.argv[0], "tmux");
	assert_string_equal(b.argv[4], "-L");
	assert_string_equal(b.argv[5], "orch-x1");
	assert_null(b.argv[6]);
	setenv("TMUX_TMPDIR", "/tmp/q", 1);
	tmux_socket_path("x1", buf, sizeof buf);
	unsetenv("TMUX_TMPDIR");
	snprintf(b.server, sizeof b.server, "/tmp/q/tmux-%lu/orch-x1",
	    (unsigned long)getuid());
	assert_string_equal(buf, b.server);
}

static void
test_escapes(void **state)
{
	char	*s;

	(void)state;
	/* Only an argument that ends in ';' would end a command. */
	assert_string_equal(tmux_arg("a;b"), "a;b");
	assert_string_equal((s = tmux_arg("a;")), "a\\;");
	free(s);
	assert_string_equal((s = tmux_arg(";")), "\\;");
	free(s);
	assert_string_equal((s = tmux_arg("a\\;")), "a\\\\;");
	free(s);
	assert_string_equal(tmux_arg(""), "");
	assert_string_equal((s = tmux_literal("#{x}#(id)##")), "##{x}##(id)####");
	free(s);
}

static void
test_environ(void **state)
{
	char	**env;
	size_t	  i;
	bool	  path = false;

	(void)state;
	setenv("TMUX", "/tmp/tmux-0/default,1,0", 1);
	setenv("ORCH_AGENT_ID", "leak", 1);
	env = tmux_environ("/p");
	for (i = 0; env[i] != NULL; i++) {
		/* Nothing of an agent's, and no nesting. */
		assert_true(strncmp(env[i], "ORCH_", 5) != 0);
		assert_true(strncmp(env[i], "TMUX=", 5) != 0);
		path |= strcmp(env[i], "PATH=/p") == 0;
	}
	assert_true(path);
	tmux_environ_free(env);
	unsetenv("TMUX");
	unsetenv("ORCH_AGENT_ID");
}

/*
 * The escapes as tmux reads them: an environment value ending in ';' and
 * a format are kept as given; a view needs agents' sessions.
 */
static void
test_real_server(void **state)
{
	char	 inst[32], out[512], *cause = NULL, *e;
	char	*make[] = { (char *)"new-session", (char *)"-d", (char *)"-s",
		    (char *)"s1", (char *)"-e", NULL, (char *)"--",
		    (char *)"sleep", (char *)"60", NULL };
	char	*show[] = { (char *)"show-environment", (char *)"-t",
		    (char *)"=s1", (char *)"V", NULL };
	char	*has[] = { (char *)"has-session", (char *)"-t",
		    (char *)"=s1", NULL };

	(void)state;
	snprintf(inst, sizeof inst, "unit%ld", (long)getpid());
	assert_false(tmux_server_running(inst));
	make[5] = e = tmux_arg("V=x;");
	assert_int_equal(tmux_run(inst, make, out, sizeof out), 0);
	free(e);
	assert_true(tmux_server_running(inst));
	assert_int_equal(tmux_run(inst, show, out, sizeof out), 0);
	assert_string_equal(out, "V=x;");
	/* No agent's session (no @orch_agent): no view. */
	assert_int_equal(tmux_view(inst, &cause), -1);
	assert_non_null(strstr(cause, "has a tmux session"));
	free(cause);
	cause = NULL;
	assert_int_equal(tmux_attach_exec(inst, "nosuch", 0, &cause), -1);
	assert_non_null(strstr(cause, "no tmux session 'nosuch'"));
	free(cause);
	tmux_kill_server(inst);
	assert_int_not_equal(tmux_run(inst, has, out, sizeof out), 0);
	assert_false(tmux_server_running(inst));
	tmux_socket_path(inst, out, sizeof out);
	unlink(out);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_environ),
		cmocka_unit_test(test_real_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
