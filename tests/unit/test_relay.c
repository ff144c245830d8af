#include "tests/unit/unit.h"

#include <sys/stat.h>

#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/rundir.h"
#include "ipc/relay.h"
#include "ipc/sock.h"

static char			 xdg[64];
static struct event_base	*base;
static struct peer		*served;
static int			 answers, last_err;
static char			 last_from[128], last_to[128];

static void
agent_dispatch_cb(struct peer *p, const struct envelope *env, void *arg)
{
	(void)arg;
	snprintf(last_from, sizeof last_from, "%s", env->from);
	snprintf(last_to, sizeof last_to, "%s", env->to);
	peer_reply(p, env, IPC_OK, NULL, NULL, 0);
}

static void
agent_accept_cb(int fd, void *arg)
{
	static const struct peer_cbs	cbs = { agent_dispatch_cb, NULL };

	(void)arg;
	served = peer_new(base, fd, "agent", NULL, &cbs, NULL);
}

static void
answer_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	(void)p;
	(void)env;
	(void)arg;
	answers++;
	last_err = err;
	event_base_loopbreak(base);
}

static void
test_relay(void **state)
{
	struct sock_listener	*l;
	struct relay		*r;
	struct timeval		 tv = { 10, 0 };
	char			 dir[PATH_MAX], path[PATH_MAX], *cause = NULL;

	(void)state;
	signal(SIGPIPE, SIG_IGN);	/* as every orch process does */
	snprintf(xdg, sizeof xdg, "/tmp/orch-test-relay-XXXXXX");
	assert_non_null(mkdtemp(xdg));
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	assert_int_equal(rundir_path("r", dir, sizeof dir, &cause), 0);
	assert_int_equal(rundir_prepare(dir, &cause), 0);
	base = event_base_new();
	r = relay_new(base, "r");

	/* Nobody there, or a name that is no agent's: an error at once. */
	assert_int_equal(relay_send(r, "a", "b", "msg.send", 1, NULL, 0, 1000,
	    answer_cb, NULL, &cause), -1);
	assert_string_equal(cause, "no agent 'b' is running");
	free(cause);
	cause = NULL;
	assert_int_equal(relay_send(r, "a", "../x", "msg.send", 1, NULL, 0,
	    1000, answer_cb, NULL, &cause), -1);
	assert_string_equal(cause, "no agent '../x'");
	free(cause);
	cause = NULL;

	/* An agent listening: the request arrives as from -> to. */
	assert_int_equal(rundir_file("r", "actors/b.sock", path, sizeof path,
	    &cause), 0);
	l = sock_listener_new(base, path, agent_accept_cb, NULL, NULL, &cause);
	assert_non_null(l);
	event_base_loopexit(base, &tv);
	assert_int_equal(relay_send(r, "a", "b", "msg.send", 2, NULL, 0, 5000,
	    answer_cb, NULL, &cause), 0);
	while (answers < 1)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(last_err, IPC_OK);
	assert_string_equal(last_from, "a");
	assert_string_equal(last_to, "b");

	/* The agent goes away with a request in flight: it fails. */
	sock_listener_free(l);
	peer_free(served);
	served = NULL;
	if (relay_send(r, "a", "b", "msg.send", 1, NULL, 0, 5000, answer_cb,
	    NULL, &cause) == 0) {
		while (answers < 2)
			event_base_loop(base, EVLOOP_ONCE);
		assert_int_equal(last_err, IPC_E_PEER_GONE);
	} else {
		free(cause);
		cause = NULL;
	}
	/* And the next send says the agent is not running. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(relay_send(r, "a", "b", "msg.send", 1, NULL, 0, 1000,
	    answer_cb, NULL, &cause), -1);
	free(cause);

	relay_free(r);
	event_base_free(base);
	rundir_remove(dir);
	snprintf(path, sizeof path, "%s/orch", xdg);
	rmdir(path);
	rmdir(xdg);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_relay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
