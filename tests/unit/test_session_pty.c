/*
 * The pty backend, through the session interface: a real shell on a real
 * pseudo-terminal.
 */
#include "tests/unit/unit.h"

#include <sys/wait.h>

#include <signal.h>
#include <unistd.h>

#include <event2/event.h>

#include "actors/childwatch.h"
#include "actors/session.h"

struct run {
	struct event_base	*base;
	struct session		*s;
	char			 out[1 << 20];
	size_t			 len;
	size_t			 xs;		/* 'x' bytes seen */
	const char		*want;
	bool			 exited;
	int			 status;
};

static void
output_cb(const char *data, size_t len, void *arg)
{
	struct run	*r = arg;
	size_t		 i;

	for (i = 0; i < len; i++)
		r->xs += data[i] == 'x';
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

	(void)lost;
	r->exited = true;
	r->status = status;
	event_base_loopbreak(r->base);
}

/* The actor's reaper: each exit to whoever started that child. */
static void
chld_cb(evutil_socket_t sig, short events, void *arg)
{
	int		 status;
	pid_t		 pid;

	(void)arg;
	(void)sig;
	(void)events;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		childwatch_reaped(pid, status);
}

/* Run the loop until want appears in the output (10 s at most). */
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
test_session(void **state)
{
	static const struct session_cbs	 cbs = { output_cb, exit_cb };
	struct agent_config		 ac;
	static struct run		 r;
	struct event			*chld;
	struct timeval			 tv = { 10, 0 };
	char				*extra[] = { (char *)"ORCH_X=from-extra",
					    NULL }, *cause = NULL, tail[64];
	unsigned			 rows, cols;
	size_t				 n;
	char				*big;

	(void)state;
	memset(&r, 0, sizeof r);
	memset(&ac, 0, sizeof ac);
	ac.shell = (char *)"/bin/sh";
	ac.cwd = (char *)"/tmp";
	ac.scrollback = 4096;
	strlist_add(&ac.env, "PS1=pty$ ");
	r.base = event_base_new();
	chld = evsignal_new(r.base, SIGCHLD, chld_cb, &r);
	evsignal_add(chld, NULL);
	r.s = session_open(r.base, &ac, NULL, extra, NULL, &cbs, &r, &cause);
	if (r.s == NULL)
		fail_msg("session_open: %s", cause);
	assert_true(session_leader(r.s) > 0);
	await(&r, "pty$ ");

	/* Typed input runs in the shell, with the agent's env and cwd. */
	session_write(r.s, "echo \"[$ORCH_X]\" $(pwd)\n", 24);
	await(&r, "[from-extra] /tmp");
	/* The terminal's size follows resizes. */
	assert_int_equal(session_resize(r.s, 33, 101), 0);
	session_size(r.s, &rows, &cols);
	assert_int_equal(rows, 33);
	session_write(r.s, "stty size\n", 10);
	await(&r, "33 101");
	assert_int_equal(session_resize(r.s, 0, 10), -1);
	/* Printed text comes out like program output, \n as \r\n. */
	assert_int_equal(session_show(r.s, "printed\n", 8), 0);
	await(&r, "printed\r\n");
	/* The scrollback holds the end of it all. */
	assert_true(session_scrollback_len(r.s) > 0);
	n = session_tail(r.s, sizeof tail - 1, tail);
	tail[n] = '\0';
	assert_non_null(strstr(tail, "printed\r\n"));

	/* More than the terminal holds at once: none of it is lost. */
	big = malloc(200000);
	memset(big, 'x', 200000);
	memcpy(big + 199990, "big-end\n", 8);
	r.xs = 0;
	assert_int_equal(session_show(r.s, big, 199998), 0);
	free(big);
	await(&r, "big-end\r\n");
	assert_int_equal(r.xs, 199990);
	/* The shell's exit is reported with its status. */
	r.want = NULL;
	session_write(r.s, "exit 3\n", 7);
	event_base_loopexit(r.base, &tv);
	event_base_dispatch(r.base);
	assert_true(r.exited);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
	assert_int_equal(session_leader(r.s), 0);
	assert_false(session_alive(r.s));
	assert_int_equal(session_write(r.s, "x", 1), -1);
	session_close(r.s);
	event_free(chld);
	event_base_free(r.base);
	strlist_clear(&ac.env);
}

static void
test_bad_shell(void **state)
{
	struct agent_config	 ac;
	struct event_base	*base = event_base_new();
	char			*cause = NULL;

	(void)state;
	memset(&ac, 0, sizeof ac);
	ac.shell = (char *)"/nonexistent/sh";
	assert_null(session_open(base, &ac, NULL, NULL, NULL, NULL, NULL, &cause));
	assert_string_equal(cause, "session shell /nonexistent/sh: No such "
	    "file or directory");
	free(cause);
	cause = NULL;
	ac.shell = (char *)"/bin/sh";
	ac.cwd = (char *)"/nonexistent/dir";
	assert_null(session_open(base, &ac, NULL, NULL, NULL, NULL, NULL, &cause));
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
		cmocka_unit_test(test_bad_shell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
