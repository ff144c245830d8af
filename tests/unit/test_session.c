/*
 * The session interface with a scripted backend that has no processes, no
 * terminal and no pids (as a tmux or iTerm2 session would be to the
 * actor): what is typed comes back as output, a hang-up ends it. What the
 * interface keeps for every backend (scrollback, size, the callbacks) and
 * the checks it makes are tested here; the pty backend in
 * test_session_pty.
 */
#include "tests/unit/unit.h"

#include "actors/session.h"

struct script {
	char	 env0[64];
	bool	 alive;
	unsigned rows, cols;
	int	 kills, closes, hangups;
	bool	 refuse_resize;
};

static struct script	sc;

static int
script_open(struct session *s, const struct agent_config *ac,
    char *const *cmd, char *const *env, char *const *wrap, char **cause)
{
	(void)cmd;
	(void)wrap;
	(void)ac;
	if (env != NULL && env[0] != NULL && strcmp(env[0], "FAIL=1") == 0) {
		*cause = strdup("the script refuses");
		return -1;
	}
	snprintf(sc.env0, sizeof sc.env0, "%s", env != NULL && env[0] !=
	    NULL ? env[0] : "");
	sc.alive = true;
	session_set_impl(s, &sc);
	return 0;
}

static int
script_write(struct session *s, const void *data, size_t len)
{
	/* An echoing terminal: what is typed is what it shows. */
	session_output(s, data, len);
	return 0;
}

static int
script_resize(struct session *s, unsigned rows, unsigned cols)
{
	struct script	*p = session_impl(s);

	if (p->refuse_resize)
		return -1;
	p->rows = rows;
	p->cols = cols;
	return 0;
}

static bool
script_alive(const struct session *s)
{
	const struct script	*p = session_impl(s);

	return p->alive;
}

static void
script_hangup(struct session *s)
{
	struct script	*p = session_impl(s);

	p->hangups++;
	p->alive = false;
	session_ended(s, 0);
}

static void
script_kill(struct session *s)
{
	((struct script *)session_impl(s))->kills++;
}

static void
script_close(struct session *s)
{
	((struct script *)session_impl(s))->closes++;
}

static const struct session_ops	script_ops = {
	.name = "script",
	.open = script_open,
	.write = script_write,
	.resize = script_resize,
	.alive = script_alive,
	.hangup = script_hangup,
	.kill = script_kill,
	.close = script_close,
};

struct seen {
	char	out[256];
	size_t	len;
	int	exits;
	int	status;
};

static void
seen_output(const char *data, size_t len, void *arg)
{
	struct seen	*w = arg;

	if (w->len + len < sizeof w->out) {
		memcpy(w->out + w->len, data, len);
		w->len += len;
		w->out[w->len] = '\0';
	}
}

static void
seen_exit(int status, const char *lost, void *arg)
{
	struct seen	*w = arg;

	(void)lost;
	w->exits++;
	w->status = status;
}

static void
test_script(void **state)
{
	static const struct session_cbs	 cbs = { seen_output, seen_exit };
	struct agent_config		 ac;
	struct session			*s;
	struct seen			 w;
	char				*env[] = { (char *)"K=V", NULL };
	char				*cause = NULL, tail[16];
	unsigned			 rows, cols;
	size_t				 n;

	(void)state;
	memset(&sc, 0, sizeof sc);
	memset(&w, 0, sizeof w);
	agent_config_defaults(&ac);
	s = session_open_with(&script_ops, NULL, &ac, NULL, env, NULL, &cbs, &w,
	    &cause);
	assert_non_null(s);
	assert_string_equal(sc.env0, "K=V");
	assert_true(session_alive(s));
	/* No process of ours: nothing to spare or to kill by pid. */
	assert_int_equal(session_leader(s), 0);

	assert_int_equal(session_write(s, "ls\n", 3), 0);
	assert_string_equal(w.out, "ls\n");
	/* No show of its own: shown text is output like any other. */
	assert_int_equal(session_show(s, "[task]\n", 7), 0);
	assert_string_equal(w.out, "ls\n[task]\n");
	n = session_tail(s, 7, tail);
	tail[n] = '\0';
	assert_string_equal(tail, "[task]\n");
	assert_int_equal(session_scrollback_len(s), 10);

	/* Sizes: checked here, applied by the backend, kept here. */
	assert_int_equal(session_resize(s, 40, 120), 0);
	assert_int_equal(sc.rows, 40);
	session_size(s, &rows, &cols);
	assert_int_equal(rows, 40);
	assert_int_equal(cols, 120);
	assert_int_equal(session_resize(s, 0, 120), -1);
	assert_int_equal(session_resize(s, 40, 10001), -1);
	sc.refuse_resize = true;
	assert_int_equal(session_resize(s, 50, 50), -1);
	session_size(s, &rows, &cols);
	assert_int_equal(rows, 40);

	/* A hang-up ends it, once; typing into it then fails. */
	session_hangup(s);
	assert_int_equal(w.exits, 1);
	assert_false(session_alive(s));
	assert_int_equal(session_write(s, "x", 1), -1);
	session_close(s);
	assert_int_equal(sc.kills, 1);
	assert_int_equal(sc.closes, 1);
	assert_int_equal(w.exits, 1);
}

static void
test_refused(void **state)
{
	struct agent_config	 ac;
	char			*env[] = { (char *)"FAIL=1", NULL };
	char			*cause = NULL;

	(void)state;
	memset(&sc, 0, sizeof sc);
	agent_config_defaults(&ac);
	assert_null(session_open_with(&script_ops, NULL, &ac, NULL, env, NULL, NULL,
	    NULL, &cause));
	assert_string_equal(cause, "the script refuses");
	free(cause);
	cause = NULL;
	/* A failed open leaves nothing to kill or close. */
	assert_int_equal(sc.kills + sc.closes, 0);
	/* A backend not built in is an error, not a pty in disguise. */
	ac.backend = SESSION_BACKEND_COUNT;
	assert_null(session_open(NULL, &ac, NULL, NULL, NULL, NULL, NULL, &cause));
	assert_non_null(strstr(cause, "is not built in"));
	free(cause);
	cause = NULL;
	/* A tmux session goes on the server the supervisor started, or none. */
	ac.backend = SESSION_TMUX;
	assert_null(session_open(NULL, &ac, NULL, NULL, NULL, NULL, NULL, &cause));
	assert_string_equal(cause, "no tmux server was started for it");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
