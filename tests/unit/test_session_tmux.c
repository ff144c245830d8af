/*
 * The tmux backend, through the session interface, on a real tmux server
 * started here as the supervisor would start it: input, output, size,
 * shown text and the exit status; and its refusals (no server, a server
 * it was not told of, a session of the name it was not made by orch).
 */
#include "tests/unit/unit.h"

#include <sys/wait.h>

#include <signal.h>
#include <unistd.h>

#include <event2/event.h>

#include "actors/childwatch.h"
#include "actors/session.h"
#include "common/strlist.h"
#include "common/tmux.h"

struct run {
	struct event_base	*base;
	char			 out[1 << 16];
	size_t			 len;
	const char		*want;
	bool			 ended;
	int			 status;
	char			 lost[256];
};

static char	inst[32];

static void
output_cb(const char *data, size_t len, void *arg)
{
	struct run	*r = arg;

	if (r->len + len >= sizeof r->out)
		len = sizeof r->out - 1 - r->len;
	memcpy(r->out + r->len, data, len);
	r->len += len;
	r->out[r->len] = '\0';
	if (r->want != NULL && strstr(r->out, r->want) != NULL)
		event_base_loopbreak(r->base);
}

static void
exit_cb(int status, const char *lost, void *arg)
{
	struct run	*r = arg;

	r->ended = true;
	r->status = status;
	snprintf(r->lost, sizeof r->lost, "%s", lost != NULL ? lost : "");
	event_base_loopbreak(r->base);
}

static void
chld_cb(evutil_socket_t sig, short events, void *arg)
{
	int	status;
	pid_t	pid;

	(void)arg;
	(void)sig;
	(void)events;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		childwatch_reaped(pid, status);
}

static void
await(struct run *r, const char *want)
{
	struct timeval	tv = { 10, 0 };

	r->want = want;
	if (strstr(r->out, want) == NULL) {
		event_base_loopexit(r->base, &tv);
		event_base_dispatch(r->base);
	}
	if (strstr(r->out, want) == NULL)
		fail_msg("never saw \"%s\" in:\n%s", want, r->out);
}

static void
await_end(struct run *r)
{
	struct timeval	tv = { 10, 0 };

	r->want = NULL;
	if (!r->ended) {
		event_base_loopexit(r->base, &tv);
		event_base_dispatch(r->base);
	}
	assert_true(r->ended);
}

/* The server as tmuxsrv.c makes it; its pid. */
static pid_t
server_start(void)
{
	static char *const	start[] = { (char *)"start-server", (char *)";",
				    (char *)"set-option", (char *)"-g",
				    (char *)"exit-empty", (char *)"off",
				    (char *)";", (char *)"set-option",
				    (char *)"-g", (char *)"remain-on-exit",
				    (char *)"on", NULL };
	static char *const	pid[] = { (char *)"display-message",
				    (char *)"-p", (char *)"#{pid}", NULL };
	char			out[64];

	assert_int_equal(tmux_run(inst, start, out, sizeof out), 0);
	assert_int_equal(tmux_run(inst, pid, out, sizeof out), 0);
	return (pid_t)atoi(out);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(inst, sizeof inst, "unit%ld", (long)getpid());
	return 0;
}

static int
teardown(void **state)
{
	char	path[256];

	(void)state;
	tmux_kill_server(inst);
	tmux_socket_path(inst, path, sizeof path);
	unlink(path);
	return 0;
}

static void
config(struct agent_config *ac, const char *id)
{
	memset(ac, 0, sizeof *ac);
	snprintf(ac->id, sizeof ac->id, "%s", id);
	ac->backend = SESSION_TMUX;
	ac->shell = (char *)"/bin/sh";
	ac->cwd = (char *)"/tmp";
	ac->scrollback = 1 << 16;
}

static void
test_session(void **state)
{
	static const struct session_cbs	 cbs = { output_cb, exit_cb };
	static struct run		 r;
	struct agent_config		 ac;
	struct session			*s;
	struct event			*chld;
	char				*extra[] = { (char *)"ORCH_X=x;", NULL };
	char				*cause = NULL;

	(void)state;
	memset(&r, 0, sizeof r);
	config(&ac, "a.1");
	strlist_add(&ac.env, "PS1=tm$ ");
	r.base = event_base_new();
	chld = evsignal_new(r.base, SIGCHLD, chld_cb, &r);
	evsignal_add(chld, NULL);
	session_tmux_set_server(inst, server_start());
	s = session_open(r.base, &ac, NULL, extra, NULL, &cbs, &r, &cause);
	if (s == NULL)
		fail_msg("session_open: %s", cause);
	assert_true(session_leader(s) > 0);
	await(&r, "tm$ ");
	session_write(s, "echo \"[$ORCH_X]\" $(pwd) $TERM\r", 31);
	await(&r, "[x;] /tmp tmux-256color");
	assert_int_equal(session_resize(s, 33, 101), 0);
	session_write(s, "stty size\r", 10);
	await(&r, "33 101");
	assert_int_equal(session_show(s, "shown\n", 6), 0);
	await(&r, "shown\r\n");
	/* The exit status is the program's. */
	session_write(s, "exit 7\r", 7);
	await_end(&r);
	assert_string_equal(r.lost, "");
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), 7);
	session_close(s);
	strlist_clear(&ac.env);
	event_free(chld);
	event_base_free(r.base);
}

static void
test_lost(void **state)
{
	static const struct session_cbs	 cbs = { output_cb, exit_cb };
	static struct run		 r;
	struct agent_config		 ac;
	struct session			*s;
	struct event			*chld;
	char				*cause = NULL, out[64];
	char				*kill[] = { (char *)"kill-session",
					    (char *)"-t", (char *)"=b", NULL };

	(void)state;
	memset(&r, 0, sizeof r);
	config(&ac, "b");
	r.base = event_base_new();
	chld = evsignal_new(r.base, SIGCHLD, chld_cb, &r);
	evsignal_add(chld, NULL);
	session_tmux_set_server(inst, server_start());
	s = session_open(r.base, &ac, NULL, NULL, NULL, &cbs, &r, &cause);
	if (s == NULL)
		fail_msg("session_open: %s", cause);
	/* Killed from outside: lost, with no exit status. */
	assert_int_equal(tmux_run(inst, kill, out, sizeof out), 0);
	await_end(&r);
	assert_int_equal(r.status, -1);
	assert_non_null(strstr(r.lost, "ended"));
	assert_false(session_alive(s));
	session_close(s);
	event_free(chld);
	event_base_free(r.base);
}

static void
test_refused(void **state)
{
	struct agent_config	 ac;
	struct event_base	*base = event_base_new();
	char			*cause = NULL, out[64];
	char			*mine[] = { (char *)"new-session", (char *)"-d",
				    (char *)"-s", (char *)"c", NULL };
	pid_t			 pid;

	(void)state;
	config(&ac, "c");
	/* No server at all. */
	session_tmux_set_server(inst, 4242);
	assert_null(session_open(base, &ac, NULL, NULL, NULL, NULL, NULL,
	    &cause));
	assert_non_null(strstr(cause, "tmux server orch-unit"));
	free(cause);
	cause = NULL;
	/* A server, but not the one it was told of. */
	pid = server_start();
	session_tmux_set_server(inst, pid + 1);
	assert_null(session_open(base, &ac, NULL, NULL, NULL, NULL, NULL,
	    &cause));
	assert_non_null(strstr(cause, "is not the one orch-supervisor "
	    "started"));
	free(cause);
	cause = NULL;
	/* A person's session of that name: left alone. */
	session_tmux_set_server(inst, pid);
	assert_int_equal(tmux_run(inst, mine, out, sizeof out), 0);
	assert_null(session_open(base, &ac, NULL, NULL, NULL, NULL, NULL,
	    &cause));
	assert_non_null(strstr(cause, "is in the way (not made by orch)"));
	free(cause);
	cause = NULL;
	/* A cwd that is not there: said before tmux would start at $HOME. */
	config(&ac, "d");
	ac.cwd = (char *)"/nonexistent/dir";
	assert_null(session_open(base, &ac, NULL, NULL, NULL, NULL, NULL,
	    &cause));
	assert_string_equal(cause, "session cwd /nonexistent/dir: No such "
	    "file or directory");
	free(cause);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
